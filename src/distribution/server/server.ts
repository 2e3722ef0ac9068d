/**
 * berth's OCI distribution registry server (distribution-spec v1.1) on node:http or node:https:
 * routing, auth, read-only mode, error responses and the request log. The operations live in
 * handlers.ts, the storage in storage.ts (its header comment describes the layout on disk).
 */
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { invalidArgument, isBerthError } from '../../core/errors.js';
import { challenge, HtpasswdAuth } from './auth.js';
import { errorBody, RegistryError, registryError } from './errors.js';
import { Handlers, type Request } from './handlers.js';
import { matchRoute, type Route } from './routes.js';
import { RegistryStorage } from './storage.js';
import { Uploads } from './uploads.js';

export interface RegistryServerOptions {
  /** Storage root (see storage.ts). */
  root: string;
  /** `host:port`; port 0 picks a free one. */
  addr: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
  readOnly?: boolean;
  /** Where the request log goes (one line per request). */
  log?: Writable;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:5000` (or https://…), with the port actually bound. */
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Splits `host:port` (`[::1]:5000` for IPv6). Pure. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw invalidArgument(`invalid address "${addr}": expected HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const writes = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

type Dispatch = (h: Handlers, r: Request, route: Route) => Promise<void> | undefined;

/** The operation for a route and method, or undefined (405). */
const dispatch =
  (method: string): Dispatch =>
  (h, r, route) => {
    switch (route.kind) {
      case 'base':
        if (method !== 'GET' && method !== 'HEAD') return undefined;
        r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
        r.res.end(method === 'HEAD' ? undefined : '{}');
        return Promise.resolve();
      case 'catalog':
        return method === 'GET' ? h.catalog(r) : undefined;
      case 'tags':
        return method === 'GET' ? h.tags(r, route) : undefined;
      case 'manifest':
        if (method === 'GET' || method === 'HEAD')
          return h.getManifest(r, route, method === 'HEAD');
        if (method === 'PUT') return h.putManifest(r, route);
        if (method === 'DELETE') return h.deleteManifest(r, route);
        return undefined;
      case 'blob':
        if (method === 'GET' || method === 'HEAD') return h.getBlob(r, route, method === 'HEAD');
        if (method === 'DELETE') return h.deleteBlob(r, route);
        return undefined;
      case 'uploadStart':
        return method === 'POST' ? h.startUpload(r, route) : undefined;
      case 'upload':
        if (method === 'GET') return h.uploadStatus(r, route);
        if (method === 'PATCH') return h.patchUpload(r, route);
        if (method === 'PUT') return h.putUpload(r, route);
        if (method === 'DELETE') return h.cancelUpload(r, route);
        return undefined;
      case 'referrers':
        return method === 'GET' ? h.referrers(r, route) : undefined;
    }
  };

function sendError(req: IncomingMessage, res: ServerResponse, e: RegistryError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(e);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (e.code === 'UNAUTHORIZED') headers['WWW-Authenticate'] = challenge;
  // an unread request body is not worth reading: close the connection instead
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.complete) headers.Connection = 'close';
  res.writeHead(e.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Starts the registry; resolves once it listens. */
export async function startRegistryServer(opts: RegistryServerOptions): Promise<RunningRegistry> {
  const { host, port } = parseAddr(opts.addr);
  const storage = new RegistryStorage(opts.root);
  await fs.mkdir(opts.root, { recursive: true });
  const handlers = new Handlers(storage, new Uploads(storage), opts.readOnly);
  const auth = opts.htpasswd ? await HtpasswdAuth.load(opts.htpasswd) : undefined;
  const log = opts.log ?? process.stderr;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    let user: string | undefined;
    res.on('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = target.split('?')[0];
      // never the Authorization header, nor the query (it may carry digests but nothing secret;
      // it is left out to keep lines short and uniform)
      log.write(
        `registry: ${method} ${path} ${res.statusCode} ${ms.toFixed(1)}ms${user ? ` user=${user}` : ''}${res.writableFinished ? '' : ' (aborted)'}\n`,
      );
    });
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      if (auth) user = await auth.authenticate(req.headers.authorization);
      const matched = matchRoute(target);
      if (!matched)
        throw registryError('UNSUPPORTED', 'not found', { path: target.split('?')[0] }, 404);
      if (opts.readOnly && writes.has(method)) {
        throw registryError('UNSUPPORTED', 'the registry is read-only', undefined, 405);
      }
      const op = dispatch(method)(handlers, { req, res, query: matched.query }, matched.route);
      if (!op)
        throw registryError('UNSUPPORTED', `${method} is not supported here`, undefined, 405);
      await op;
    } catch (e) {
      if (e instanceof RegistryError) {
        sendError(req, res, e);
      } else if (isBerthError(e, 'Unavailable')) {
        // a lock not had in time: gc has held the storage for too long
        sendError(req, res, new RegistryError('UNAVAILABLE', e.message));
      } else if (
        (e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' ||
        req.destroyed
      ) {
        res.destroy();
      } else {
        log.write(`registry: internal error: ${(e as Error).stack ?? String(e)}\n`);
        sendError(req, res, new RegistryError('UNKNOWN', 'internal server error'));
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  let server: http.Server;
  if (opts.tlsCert || opts.tlsKey) {
    if (!opts.tlsCert || !opts.tlsKey)
      throw invalidArgument('--tls-cert and --tls-key go together');
    const read = (file: string) =>
      fs.readFile(file).catch((e: Error) => {
        throw invalidArgument(`cannot read TLS file: ${e.message}`, e);
      });
    const [cert, key] = await Promise.all([read(opts.tlsCert), read(opts.tlsKey)]);
    try {
      server = https.createServer({ cert, key }, listener);
    } catch (e) {
      throw invalidArgument(`invalid TLS certificate or key: ${(e as Error).message}`, e);
    }
  } else {
    server = http.createServer(listener);
  }
  server.keepAliveTimeout = 30_000;
  // big blobs over slow links: no overall request deadline, only the socket idle timeout
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  // a client that sends nothing for this long (a stalled upload) loses its connection
  server.setTimeout(10 * 60_000, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `${opts.tlsCert ? 'https' : 'http'}://${shownHost}:${bound.port}`,
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // in-flight requests get a moment, then whatever is left is cut
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
