/**
 * htpasswd basic auth, as distribution's `auth.htpasswd`: bcrypt entries only (`user:$2y$…`,
 * `$2a$`, `$2b$`), every request challenged with `WWW-Authenticate: Basic realm="berth-registry"`.
 *
 * bcrypt is slow on purpose (tens of ms a check) and clients send credentials with every
 * request, so a successful check is remembered for a while under a sha256 of user and password
 * (never the password itself); a wrong password is checked anew every time.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { invalidArgument } from '../../core/errors.js';
import { registryError } from './errors.js';

export const realm = 'berth-registry';
export const challenge = `Basic realm="${realm}"`;
const cacheMs = 5 * 60_000;
const maxCached = 1024;

/** Parses htpasswd text: `user:bcrypt-hash` lines; `#` comments and blank lines skipped. Pure. */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalidArgument(`htpasswd line ${i + 1}: expected user:hash`);
    const hash = line.slice(colon + 1);
    if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw invalidArgument(`htpasswd line ${i + 1}: only bcrypt entries are supported`);
    }
    users.set(line.slice(0, colon), hash);
  }
  return users;
}

/** User and password of a `Basic` Authorization header, or undefined. Pure. */
export function parseBasic(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class HtpasswdAuth {
  private readonly verified = new Map<string, number>();

  constructor(private readonly users: Map<string, string>) {}

  static async load(file: string): Promise<HtpasswdAuth> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw invalidArgument(`cannot read htpasswd file: ${(e as Error).message}`, e);
    }
    return new HtpasswdAuth(parseHtpasswd(text));
  }

  /** The authenticated user, or UNAUTHORIZED. */
  async authenticate(header: string | undefined): Promise<string> {
    const creds = parseBasic(header);
    if (!creds) throw registryError('UNAUTHORIZED');
    const hash = this.users.get(creds.user);
    const key = createHash('sha256').update(`${creds.user}\0${creds.password}`).digest('hex');
    const until = this.verified.get(key);
    if (hash !== undefined && until !== undefined && until > Date.now()) return creds.user;
    // $2y$ (htpasswd -B) is the same algorithm as $2a$/$2b$
    const ok =
      hash !== undefined && (await bcrypt.compare(creds.password, hash.replace(/^\$2y\$/, '$2b$')));
    if (!ok) throw registryError('UNAUTHORIZED', 'invalid username or password');
    if (this.verified.size >= maxCached) this.verified.clear();
    this.verified.set(key, Date.now() + cacheMs);
    return creds.user;
  }
}
