/**
 * A CNCF distribution registry (`docker-registry`) on 127.0.0.1 for a test, stopped when the
 * test ends; and a loopback HTTP proxy in front of one that counts bytes, records Range
 * headers and can cut a transfer short.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { berthFor, tempDir } from '../helpers.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`registry on port ${port} did not start`);
}

export interface Registry {
  port: number;
  host: string;
  storage: string;
  dir: string;
}

export interface RegistryOptions {
  /** Lines of an htpasswd file (bcrypt). */
  htpasswd?: string;
  tls?: { cert: string; key: string };
  /** distribution's `auth.token` section. */
  token?: { realm: string; service: string; issuer: string; rootcertbundle: string };
}

export async function startRegistry(t: TestContext, opts: RegistryOptions = {}): Promise<Registry> {
  const dir = await tempDir(t, 'berth-registry-');
  const storage = path.join(dir, 'data');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: berth-test`,
  ];
  if (opts.tls)
    lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
  if (opts.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    await fs.writeFile(file, opts.htpasswd);
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${file}`);
  }
  if (opts.token) {
    lines.push('auth:', '  token:');
    for (const [k, v] of Object.entries(opts.token)) lines.push(`    ${k}: ${v}`);
  }
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(config, lines.join('\n') + '\n');
  const child = spawn('/usr/bin/docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  try {
    await waitForPort(port);
  } catch (e) {
    throw new Error(`${(e as Error).message}: ${stderr}`);
  }
  return { port, host: `127.0.0.1:${port}`, storage, dir };
}

/** Serve on a free port of 127.0.0.1 until the test ends (its connections cut); the port. */
async function listenForTest(t: TestContext, server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** The file of a blob in distribution's storage. */
export function registryBlobFile(r: Registry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return path.join(r.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

export interface Proxy {
  port: number;
  host: string;
  /** Cut responses to blob GETs after this many bytes in total, then refuse everything. */
  cutAfter?: number;
  /** Stop sending blob bytes (connection kept open) after this many bytes in total. */
  stallAfter?: number;
  /** `METHOD /path` of every request (query left out). */
  requests: string[];
  /** Announce `OCI-Chunk-Min-Length` on upload sessions (distribution does not). */
  chunkMinLength?: number;
  /** Answer this many next requests with 503 Service Unavailable. */
  failNext: number;
  /** 503s answered. */
  failed: number;
  /** Blob response bytes forwarded (all blob GETs). */
  blobBytes: number;
  /** Range headers of blob GETs, in order. */
  ranges: string[];
  blobGets: number;
  /** Forget the counts and pass everything through again. */
  reset(): void;
}

/** An HTTP proxy on 127.0.0.1 in front of `target` (host:port), closed when the test ends. */
export async function startProxy(t: TestContext, target: number): Promise<Proxy> {
  const state: Proxy = {
    port: 0,
    host: '',
    blobBytes: 0,
    ranges: [],
    blobGets: 0,
    requests: [],
    failNext: 0,
    failed: 0,
    reset() {
      state.failNext = 0;
      state.failed = 0;
      broken = false;
      state.cutAfter = undefined;
      state.stallAfter = undefined;
      state.requests = [];
      state.blobBytes = 0;
      state.ranges = [];
      state.blobGets = 0;
    },
  };
  let broken = false;
  const server = http.createServer((req, res) => {
    const isBlobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    if (broken) {
      req.socket.destroy();
      return;
    }
    state.requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    if (state.failNext > 0) {
      state.failNext--;
      state.failed++;
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('try again');
      return;
    }
    if (isBlobGet) {
      state.blobGets++;
      state.ranges.push(String(req.headers['range'] ?? ''));
    }
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const headers = { ...upRes.headers };
        if (state.chunkMinLength && req.method === 'POST' && upRes.statusCode === 202)
          headers['oci-chunk-min-length'] = String(state.chunkMinLength);
        res.writeHead(upRes.statusCode ?? 502, headers);
        res.flushHeaders();
        upRes.on('data', (c: Buffer) => {
          if (isBlobGet && state.stallAfter !== undefined) {
            const room = Math.max(0, state.stallAfter - state.blobBytes);
            if (room > 0) res.write(c.subarray(0, room));
            state.blobBytes += Math.min(room, c.length);
            if (c.length >= room) upRes.destroy(); // and the client waits for more
            return;
          }
          if (isBlobGet) {
            if (state.cutAfter !== undefined && state.blobBytes + c.length > state.cutAfter) {
              const room = state.cutAfter - state.blobBytes;
              if (room > 0) res.write(c.subarray(0, room));
              state.blobBytes += Math.max(0, room);
              broken = true;
              upRes.destroy();
              setImmediate(() => res.socket?.destroy());
              return;
            }
            state.blobBytes += c.length;
          }
          res.write(c);
        });
        upRes.on('end', () => res.end());
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  state.port = await listenForTest(t, server);
  state.host = `127.0.0.1:${state.port}`;
  return state;
}

export interface TokenServer {
  realm: string;
  /** Every token request: the user (or `anonymous`) and the scopes asked for. */
  requests: { user: string; scopes: string[] }[];
}

/**
 * A token server for distribution's `auth.token` (docker's token authentication): basic
 * credentials `user:password` get every action they ask for, anonymous requests only `pull`,
 * wrong credentials a 401. Tokens are JWTs signed RS256 with `key`, carrying `cert` (the
 * registry's `rootcertbundle`) in their `x5c` header.
 */
export async function startTokenServer(
  t: TestContext,
  opts: {
    key: string;
    cert: string;
    issuer: string;
    service: string;
    user: string;
    password: string;
  },
): Promise<TokenServer> {
  const { createSign, randomBytes, X509Certificate } = await import('node:crypto');
  const certDer = new X509Certificate(await fs.readFile(opts.cert)).raw.toString('base64');
  const key = await fs.readFile(opts.key, 'utf8');
  const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');
  const state: TokenServer = { realm: '', requests: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let user = 'anonymous';
    const auth = req.headers['authorization'];
    if (auth) {
      const [u, p] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (u !== opts.user || p !== opts.password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = u;
    }
    state.requests.push({ user, scopes });
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      const wanted = (actions ?? '').split(',');
      return {
        type,
        name,
        actions: user === 'anonymous' ? wanted.filter((a) => a === 'pull') : wanted,
      };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
    const claims = {
      iss: opts.issuer,
      sub: user,
      aud: opts.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${signingInput}.${b64u(signature)}`, expires_in: 300 }));
  });
  state.realm = `http://127.0.0.1:${await listenForTest(t, server)}/token`;
  return state;
}

/** A berth with its own state root and docker config directory (and certs.d under it). */
export async function berthClient(t: TestContext, env: NodeJS.ProcessEnv = {}) {
  const dockerConfig = await tempDir(t, 'berth-dockercfg-');
  const b = await berthFor(t);
  const e = {
    DOCKER_CONFIG: dockerConfig,
    BERTH_CERTS_DIR: path.join(dockerConfig, 'certs.d'),
    ...env,
  };
  const berth = (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    b.berth(args, { ...o, env: { ...e, ...o.env } });
  const ok = (args: string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    b.ok(args, { ...o, env: { ...e, ...o.env } });
  return { ...b, berth, ok, dockerConfig, env: e };
}

/**
 * busybox pushed by a fresh berth client through a proxy in front of the registry on
 * `registryPort`, which asks for chunks: the layer must go up by PATCH.
 */
export async function pushBusyboxInChunks(t: TestContext, registryPort: number) {
  const proxy = await startProxy(t, registryPort);
  const c = await berthClient(t);
  const id = (await c.ok(['image', 'builtin', 'busybox'])).trim();
  const name = `${proxy.host}/team/busybox:1`;
  await c.ok(['tag', 'busybox', name]);
  proxy.chunkMinLength = 4096;
  const push = await c.ok(['push', name]);
  assert.ok(proxy.requests.some((r) => r.startsWith('PATCH /v2/team/busybox/blobs/uploads/')));
  proxy.chunkMinLength = undefined;
  return { proxy, c, id, name, push };
}
