/**
 * Registry credentials, kept where docker keeps them so that `docker login` and `berth login`
 * share them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), either inline
 * (`auths.<server>.auth`, base64 of `user:password`) or in a credential helper
 * (`credHelpers.<server>`, else `credsStore`: the program `docker-credential-<name>` with the
 * `get`/`store`/`erase` protocol). Other keys of config.json are preserved as they are.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../../core/errors.js';
import { writeFileAtomic } from '../../sys/atomic-file.js';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker's `identitytoken`), used instead of the password. */
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function configDir(env: NodeJS.ProcessEnv): string {
  return env['DOCKER_CONFIG'] || path.join(env['HOME'] || os.homedir(), '.docker');
}

/** The forms a server may have been saved under (`https://host`, `host/v2/`, …). */
function keyMatches(saved: string, key: string): boolean {
  const strip = (s: string) =>
    s
      .replace(/^https?:\/\//, '')
      .replace(/\/v[12]\/?$/, '')
      .replace(/\/$/, '');
  return saved === key || strip(saved) === strip(key);
}

/** Runs `docker-credential-<helper> <action>` with `input`; its stdout. */
function runHelper(helper: string, action: string, input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        failedPrecondition(
          e.code === 'ENOENT'
            ? `error getting credentials - err: exec: "${program}": executable file not found in $PATH`
            : `${program} ${action}: ${e.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString();
      if (code === 0) return resolve(stdout);
      // helpers report on stdout (credentials not found) or stderr; never echo the input
      const text = (stdout.trim() || Buffer.concat(err).toString().trim()).split('\n')[0] ?? '';
      reject(Object.assign(new Error(text || `${program} ${action} exited ${code}`), { code }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const notFoundInHelper = (e: unknown) => /credentials not found/i.test((e as Error).message);

export class CredentialStore {
  readonly file: string;

  constructor(env: NodeJS.ProcessEnv) {
    this.file = path.join(configDir(env), 'config.json');
  }

  private async read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const doc = JSON.parse(text) as ConfigFile;
      return doc && typeof doc === 'object' ? doc : {};
    } catch (e) {
      throw invalidArgument(`${this.file}: invalid JSON: ${(e as Error).message}`);
    }
  }

  private async write(doc: ConfigFile): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(doc, null, '\t') + '\n', { mode: 0o600 });
  }

  private helperFor(doc: ConfigFile, key: string): string | undefined {
    const named = Object.entries(doc.credHelpers ?? {}).find(([k]) => keyMatches(k, key));
    return named?.[1] ?? (doc.credsStore || undefined);
  }

  /** The file credentials for `key` would be written to in clear, or undefined for a helper. */
  async plainFile(key: string): Promise<string | undefined> {
    return this.helperFor(await this.read(), key) ? undefined : this.file;
  }

  async get(key: string): Promise<Credentials | undefined> {
    const doc = await this.read();
    const helper = this.helperFor(doc, key);
    if (helper) {
      let out: string;
      try {
        out = await runHelper(helper, 'get', key);
      } catch (e) {
        if (notFoundInHelper(e)) return undefined;
        throw failedPrecondition(`error getting credentials - err: ${(e as Error).message}`);
      }
      const got = JSON.parse(out) as { Username?: string; Secret?: string };
      if (!got.Secret) return undefined;
      // helpers keep identity tokens with the username `<token>`
      if (got.Username === '<token>')
        return { username: '', password: '', identityToken: got.Secret };
      return { username: got.Username ?? '', password: got.Secret };
    }
    const entry = Object.entries(doc.auths ?? {}).find(([k]) => keyMatches(k, key))?.[1];
    if (!entry) return undefined;
    let username = entry.username ?? '';
    let password = entry.password ?? '';
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString();
      const colon = decoded.indexOf(':');
      if (colon < 0) throw invalidArgument(`${this.file}: invalid auth configuration for ${key}`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    const creds: Credentials = { username, password };
    if (entry.identitytoken) creds.identityToken = entry.identitytoken;
    return username || password || creds.identityToken ? creds : undefined;
  }

  async store(key: string, creds: Credentials): Promise<void> {
    const doc = await this.read();
    const helper = this.helperFor(doc, key);
    if (helper) {
      await runHelper(
        helper,
        'store',
        JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }),
      ).catch((e: Error) => {
        throw failedPrecondition(`error storing credentials - err: ${e.message}`);
      });
      // docker leaves an empty entry so that `auths` lists the server
      doc.auths = { ...(doc.auths ?? {}), [key]: {} };
    } else {
      doc.auths = {
        ...(doc.auths ?? {}),
        [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') },
      };
    }
    await this.write(doc);
  }

  /** Forget `key`; false when nothing was saved for it. */
  async erase(key: string): Promise<boolean> {
    const doc = await this.read();
    const saved = Object.keys(doc.auths ?? {}).filter((k) => keyMatches(k, key));
    const helper = this.helperFor(doc, key);
    let found = saved.length > 0;
    if (helper) {
      await runHelper(helper, 'erase', key).then(
        () => (found = true),
        (e: Error) => {
          if (!notFoundInHelper(e))
            throw failedPrecondition(`error erasing credentials - err: ${e.message}`);
        },
      );
    }
    if (saved.length > 0) {
      for (const k of saved) delete doc.auths![k];
      await this.write(doc);
    }
    return found;
  }
}
