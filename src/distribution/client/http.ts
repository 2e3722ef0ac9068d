/**
 * The transport to one registry, for one set of scopes: undici with the endpoint's TLS
 * material, authentication (bearer tokens from challenges, or basic), redirects (blobs are often
 * served from elsewhere: the Authorization header is not sent to another host), retries with
 * backoff on transient failures (5xx, 429, a reset connection), and timeouts: no response
 * headers within `timeoutMs`, or no body data for `timeoutMs`, fails with a clear message.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent, Dispatcher } from 'undici';

// undici (half a megabyte with its HTTP parser) is loaded by the first request: the commands
// that never talk to a registry (almost all) do not pay for it
type Undici = typeof import('undici');
let undici: Promise<Undici> | undefined;
// a CommonJS package: bundled, its exports are the namespace's default
const loadUndici = () =>
  (undici ??= import('undici').then((m) => (m as { default?: Undici }).default ?? m));
import { BerthError, unavailable, type ErrorKind } from '../../core/errors.js';
import {
  basicAuthorization,
  mergeScopes,
  parseChallenges,
  tokenFromResponse,
  tokenUrl,
  type Challenge,
} from './auth.js';
import type { Credentials } from './credentials.js';
import type { Endpoint } from './endpoint.js';

export type Body = Buffer | Readable | string;

export interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path on the registry (`/v2/…`) or an absolute URL (an upload's Location). */
  url: string;
  headers?: Record<string, string>;
  /** Called for each attempt (a stream cannot be sent twice); omit for no body. */
  body?: () => Body;
  /** Retry transient failures (default true). */
  retry?: boolean;
  signal?: AbortSignal;
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
  url: URL;
}

/** An error answer of a registry, with the spec's error codes (`MANIFEST_UNKNOWN`, …). */
export class RegistryError extends BerthError {
  constructor(
    kind: ErrorKind,
    message: string,
    readonly status: number,
    readonly codes: string[],
    /** The first error's text as docker prints it: `manifest unknown: manifest unknown`. */
    readonly detail: string,
  ) {
    super(kind, message);
  }
}

const transientCodes = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Go's url.Error method names, as docker's messages show them. */
const goMethod = (m: string) => m[0] + m.slice(1).toLowerCase();

/** A transport failure in docker's words (`dial tcp HOST: connect: connection refused`). */
export function describeNetworkError(e: unknown, method: string, url: URL, timeoutMs: number) {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = err.code ?? err.cause?.code ?? '';
  const where = `${goMethod(method)} "${url.href}"`;
  const hostPort = `${url.hostname.replace(/^\[|\]$/g, '')}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  let text: string;
  switch (code) {
    case 'ECONNREFUSED':
      text = `dial tcp ${hostPort}: connect: connection refused`;
      break;
    case 'ENOTFOUND':
      text = `dial tcp: lookup ${url.hostname}: no such host`;
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      text = `dial tcp ${hostPort}: connect: no route to host`;
      break;
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      text = `dial tcp ${hostPort}: i/o timeout`;
      break;
    case 'UND_ERR_HEADERS_TIMEOUT':
      text = `net/http: timeout awaiting response headers (no answer for ${timeoutMs / 1000}s)`;
      break;
    case 'UND_ERR_BODY_TIMEOUT':
      text = `transfer stalled: no data received for ${timeoutMs / 1000}s`;
      break;
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      text = 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
      break;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      text = `tls: failed to verify certificate: x509: certificate is not valid for ${url.hostname}`;
      break;
    case 'CERT_HAS_EXPIRED':
      text = 'tls: failed to verify certificate: x509: certificate has expired';
      break;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      text = 'connection reset by peer';
      break;
    default:
      text = err.message || String(e);
  }
  return unavailable(`${where}: ${text}`, e);
}

export interface ClientOptions {
  /** Headers and body idle timeout, ms (default 60 s; `BERTH_REGISTRY_TIMEOUT` seconds). */
  timeoutMs?: number;
  /** Attempts for a transient failure (default 4). */
  attempts?: number;
  userAgent?: string;
}

interface CachedToken {
  value: string;
  expires: number;
}

export class RegistryClient {
  readonly timeoutMs: number;
  private readonly attempts: number;
  private dispatcher?: Promise<Agent>;
  private scopes: Set<string>;
  private bearer?: Challenge;
  private basic = false;
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, by scope set. */
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(
    readonly endpoint: Endpoint,
    private readonly credentials: Credentials | undefined,
    scopes: string[],
    opts: ClientOptions = {},
  ) {
    this.scopes = new Set(scopes);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.attempts = opts.attempts ?? 4;
  }

  /** The connection pool, made on first use. */
  private agent(): Promise<Agent> {
    const { tls } = this.endpoint;
    this.dispatcher ??= loadUndici().then(
      ({ Agent }) =>
        new Agent({
          connect: {
            ...(tls?.ca ? { ca: tls.ca } : {}),
            ...(tls?.cert ? { cert: tls.cert, key: tls.key } : {}),
            timeout: this.timeoutMs,
          },
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          connections: 8,
        }),
    );
    return this.dispatcher;
  }

  async close(): Promise<void> {
    if (this.dispatcher) await (await this.dispatcher).close().catch(() => undefined);
  }

  /** Also ask for `scope` (e.g. pull access to a repository to mount a blob from). */
  addScope(scope: string): void {
    this.scopes.add(scope);
  }

  private url(u: string): URL {
    return new URL(u, this.endpoint.base);
  }

  private scopeKey(): string {
    return mergeScopes(this.scopes).join(' ');
  }

  private async authorization(url: URL): Promise<string | undefined> {
    // only to the registry itself, over the scheme it is spoken to with (a redirect from https
    // to http on the same host must not carry the password or token in the clear)
    if (url.origin !== new URL(this.endpoint.base).origin) return undefined;
    if (this.basic && this.credentials)
      return basicAuthorization(this.credentials.username, this.credentials.password);
    if (!this.bearer) return undefined;
    const key = this.scopeKey();
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    // parallel requests (layers) share one token request per scope set
    let pending = this.fetching.get(key);
    if (!pending) {
      pending = this.fetchToken(this.bearer).finally(() => this.fetching.delete(key));
      this.fetching.set(key, pending);
    }
    return `Bearer ${await pending}`;
  }

  /** A token from the challenge's realm for the current scopes. */
  private async fetchToken(challenge: Challenge): Promise<string> {
    const scopes = mergeScopes(this.scopes);
    const url = tokenUrl(challenge, scopes);
    // credentials go to a plain-HTTP token service only when the registry itself is plain HTTP
    const creds =
      url.protocol === 'https:' || new URL(this.endpoint.base).protocol === 'http:'
        ? this.credentials
        : undefined;
    const headers: Record<string, string> = { 'user-agent': 'berth' };
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (creds?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: challenge.params['service'] ?? '',
        client_id: 'berth',
        scope: scopes.join(' '),
      });
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (creds) {
      headers['authorization'] = basicAuthorization(creds.username, creds.password);
    }
    let res: Dispatcher.ResponseData;
    try {
      const { request } = await loadUndici();
      res = await request(method === 'POST' ? new URL(url.origin + url.pathname) : url, {
        method,
        headers,
        body,
        dispatcher: await this.agent(),
      });
    } catch (e) {
      throw describeNetworkError(e, method, url, this.timeoutMs);
    }
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new RegistryError(
        'FailedPrecondition',
        creds
          ? 'unauthorized: incorrect username or password'
          : `unauthorized: authentication required`,
        res.statusCode,
        ['UNAUTHORIZED'],
        'unauthorized',
      );
    }
    if (res.statusCode !== 200)
      throw unavailable(
        `${goMethod(method)} "${url.origin}${url.pathname}": token server answered ${res.statusCode}`,
      );
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw unavailable(`the token server at ${url.origin} answered with something not JSON`);
    }
    const { token, expiresIn } = tokenFromResponse(doc);
    this.tokens.set(scopes.join(' '), {
      value: token,
      expires: Date.now() + Math.max(10, expiresIn - 10) * 1000,
    });
    return token;
  }

  /**
   * Send a request, authenticating and retrying as needed; any status is returned (the caller
   * reads or dumps the body). Network failures become Unavailable errors in docker's words.
   */
  async send(opts: SendOptions): Promise<Response> {
    let url = this.url(opts.url);
    let authRetried = false;
    let attempt = 0;
    let redirects = 0;
    for (;;) {
      attempt++;
      const headers: Record<string, string> = { 'user-agent': 'berth', ...opts.headers };
      const auth = await this.authorization(url);
      if (auth) headers['authorization'] = auth;
      let res: Dispatcher.ResponseData;
      try {
        const { request } = await loadUndici();
        res = await request(url, {
          method: opts.method,
          headers,
          body: opts.body?.(),
          dispatcher: await this.agent(),
          signal: opts.signal,
        });
      } catch (e) {
        const code =
          (e as NodeJS.ErrnoException).code ??
          ((e as { cause?: NodeJS.ErrnoException }).cause?.code || '');
        if (opts.retry !== false && transientCodes.has(code) && attempt < this.attempts) {
          await sleep(backoff(attempt));
          continue;
        }
        throw describeNetworkError(e, opts.method, url, this.timeoutMs);
      }
      const status = res.statusCode;
      const resHeaders = flatHeaders(res.headers);
      if ([301, 302, 303, 307, 308].includes(status) && resHeaders['location'] && redirects < 5) {
        await res.body.dump();
        redirects++;
        url = new URL(resHeaders['location'], url);
        attempt--;
        continue;
      }
      if (status === 401 && !authRetried) {
        const challenges = parseChallenges(resHeaders['www-authenticate'] ?? '');
        const bearer = challenges.find((c) => c.scheme === 'bearer');
        const basic = challenges.find((c) => c.scheme === 'basic');
        if (bearer) {
          await res.body.dump();
          authRetried = true;
          if (bearer.params['scope'])
            for (const s of bearer.params['scope'].split(' ')) this.addScope(s);
          this.bearer = bearer;
          this.tokens.delete(this.scopeKey());
          attempt--;
          continue;
        }
        if (basic && this.credentials && !this.basic) {
          await res.body.dump();
          authRetried = true;
          this.basic = true;
          attempt--;
          continue;
        }
      }
      if ((status >= 500 || status === 429) && opts.retry !== false && attempt < this.attempts) {
        await res.body.dump();
        await sleep(backoff(attempt, resHeaders['retry-after']));
        continue;
      }
      return { status, headers: resHeaders, body: res.body, url };
    }
  }

  /**
   * Turn a failed response into a RegistryError (the body is read): the spec's JSON errors in
   * docker's form `code words: message`.
   */
  async fail(res: Response, method: string): Promise<RegistryError> {
    const text = res.body.destroyed ? '' : await res.body.text().catch(() => '');
    let codes: string[] = [];
    let detail = '';
    try {
      const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      codes = (doc.errors ?? []).map((e) => e.code ?? 'UNKNOWN');
      const first = doc.errors?.[0];
      if (first) {
        const words = (first.code ?? 'unknown').toLowerCase().replace(/_/g, ' ');
        detail = first.message ? `${words}: ${first.message}` : words;
      }
    } catch {
      // not JSON: the status says it all
    }
    const where = `${goMethod(method)} "${res.url.href}"`;
    if (res.status === 401) {
      const challenge = parseChallenges(res.headers['www-authenticate'] ?? '')[0];
      const msg =
        challenge?.scheme === 'basic' && !this.credentials
          ? `${where}: no basic auth credentials`
          : detail || 'unauthorized: authentication required';
      return new RegistryError('FailedPrecondition', msg, 401, codes, detail);
    }
    if (!detail) detail = `${res.status} ${statusText(res.status)}`;
    const kind: ErrorKind =
      res.status === 404
        ? 'NotFound'
        : res.status === 403
          ? 'FailedPrecondition'
          : res.status >= 500
            ? 'Unavailable'
            : 'InvalidArgument';
    const msg = codes.length > 0 ? detail : `${where}: unexpected status: ${detail}`;
    return new RegistryError(kind, msg, res.status, codes, detail);
  }
}

function backoff(attempt: number, retryAfter?: string): number {
  const seconds = Number(retryAfter);
  if (retryAfter && Number.isFinite(seconds)) return Math.min(seconds, 10) * 1000;
  return 200 * 2 ** (attempt - 1) + Math.floor(Math.random() * 100);
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    416: 'Range Not Satisfiable',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return texts[status] ?? '';
}
