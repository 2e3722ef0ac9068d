/**
 * Where a registry lives and how to talk to it: the host to connect to (Docker Hub's
 * `docker.io` is served by `registry-1.docker.io`), plain HTTP or TLS, and which CAs and client
 * certificates to use.
 *
 * - A registry is *insecure* (plain HTTP) when its host is `localhost`, an address in
 *   127.0.0.0/8 or `::1`, or is listed in `BERTH_INSECURE_REGISTRIES` (comma-separated
 *   `host[:port]` or IPv4 CIDRs) or in `<root>/registries.json`
 *   (`{"insecure-registries": [...]}`, the key of Docker's daemon.json).
 * - TLS material follows Docker's `certs.d` convention: `<dir>/<host[:port]>/*.crt` are CAs
 *   (added to the system's), `*.cert` + `*.key` a client certificate. The directories searched
 *   are `$BERTH_CERTS_DIR` when set, else `/etc/berth/certs.d` then `/etc/docker/certs.d`.
 *   A host with certificates there is spoken to over TLS even when it counts as insecure.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { contains, parseCidr, parseIpv4 } from '../../core/ipnet.js';
import { readJsonFile } from '../../sys/atomic-file.js';

export const dockerHubDomain = 'docker.io';
const dockerHubHost = 'registry-1.docker.io';
/** The key under which docker keeps Docker Hub's credentials in config.json. */
export const dockerHubCredentialKey = 'https://index.docker.io/v1/';

export interface EndpointConfig {
  insecureRegistries: string[];
  certsDirs: string[];
}

export interface Tls {
  ca?: string[];
  cert?: Buffer;
  key?: Buffer;
}

export interface Endpoint {
  /** The registry as named in references (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`. */
  base: string;
  secure: boolean;
  tls?: Tls;
}

/** The host:port to connect to for a reference's domain. */
export function registryHost(domain: string): string {
  return domain === dockerHubDomain || domain === 'index.docker.io' ? dockerHubHost : domain;
}

/** The name a server is known by in config.json and credential helpers. */
export function credentialKey(domain: string): string {
  return domain === dockerHubDomain || domain === 'index.docker.io' || domain === dockerHubHost
    ? dockerHubCredentialKey
    : domain;
}

/** `host` of `host:port` (IPv6 in brackets kept without them). */
export function hostOnly(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon < 0 ? domain : domain.slice(0, colon);
}

/** Whether a registry is spoken to over plain HTTP (see the module comment). */
export function isInsecure(domain: string, insecure: readonly string[]): boolean {
  const host = hostOnly(domain);
  if (host === 'localhost' || host === '::1') return true;
  const ip = parseIpv4(host);
  if (ip !== undefined && contains(parseCidr('127.0.0.0/8'), ip)) return true;
  for (const entry of insecure) {
    const e = entry
      .trim()
      .replace(/^https?:\/\//, '')
      .replace(/\/$/, '');
    if (e === '') continue;
    if (e === domain || e === host) return true;
    if (e.includes('/') && ip !== undefined) {
      try {
        if (contains(parseCidr(e), ip)) return true;
      } catch {
        // not a CIDR: a name that did not match
      }
    }
  }
  return false;
}

/** The configuration of registries: environment first, then `<root>/registries.json`. */
export async function loadEndpointConfig(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<EndpointConfig> {
  const file = await readJsonFile<{ 'insecure-registries'?: string[] }>(
    path.join(root, 'registries.json'),
  ).catch(() => undefined);
  const fromEnv = (env['BERTH_INSECURE_REGISTRIES'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    insecureRegistries: [...fromEnv, ...(file?.['insecure-registries'] ?? [])],
    certsDirs: env['BERTH_CERTS_DIR']
      ? [env['BERTH_CERTS_DIR']]
      : ['/etc/berth/certs.d', '/etc/docker/certs.d'],
  };
}

async function readTls(dirs: readonly string[], domain: string): Promise<Tls | undefined> {
  for (const base of dirs) {
    const dir = path.join(base, domain);
    let names: string[];
    try {
      names = (await fs.readdir(dir)).sort();
    } catch {
      continue;
    }
    const tls: Tls = {};
    for (const n of names) {
      if (n.endsWith('.crt')) (tls.ca ??= []).push(await fs.readFile(path.join(dir, n), 'utf8'));
      if (n.endsWith('.cert')) {
        const keyName = n.replace(/\.cert$/, '.key');
        tls.cert = await fs.readFile(path.join(dir, n));
        tls.key = await fs.readFile(path.join(dir, keyName));
      }
    }
    if (tls.ca || tls.cert) {
      if (tls.ca) tls.ca = [...rootCertificates, ...tls.ca];
      return tls;
    }
  }
  return undefined;
}

export async function resolveEndpoint(domain: string, cfg: EndpointConfig): Promise<Endpoint> {
  const host = registryHost(domain);
  const tls = await readTls(cfg.certsDirs, host);
  const secure = tls !== undefined || !isInsecure(domain, cfg.insecureRegistries);
  return { domain, base: `${secure ? 'https' : 'http'}://${host}`, secure, tls };
}
