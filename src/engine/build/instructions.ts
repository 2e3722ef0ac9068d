/**
 * The pieces of Dockerfile instructions the builder needs that are not steps themselves: RUN's
 * script and container request, HEALTHCHECK's config, ADD's downloads, the history's
 * `created_by`, and an image's environment as a map.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chompHeredocContent, type Node } from '../../core/dockerfile/parser.js';
import { invalidArgument } from '../../core/errors.js';
import { parseDuration } from '../../core/go-parse.js';
import type { ContainerConfig } from '../../core/oci.js';
import type { CreateRequest } from '../container-request.js';
import type { BuildOptions } from './builder.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
export const PREDEFINED_ARGS = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'FTP_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
].flatMap((a) => [a, a.toLowerCase()]);

export function envMap(config: ContainerConfig | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config?.Env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

/** ADD's URLs, fetched into `dir` (mode 0600, as Docker); their names there. */
/** The file name a downloaded URL gets: its path's last element. */
export function downloadName(url: string): string {
  return path.posix.basename(new URL(url).pathname) || 'download';
}

const CHECKSUM_ALGORITHMS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** `ADD --checksum=`'s digest, checked for form: `sha256:<hex>` (or sha384, sha512). */
export function parseChecksum(value: string): { algorithm: string; hex: string } {
  const [algorithm = '', hex = ''] = value.split(':', 2);
  const length = CHECKSUM_ALGORITHMS[algorithm];
  if (length === undefined || !new RegExp(`^[0-9a-f]{${length}}$`).test(hex))
    throw invalidArgument(`invalid checksum digest format: ${value}`);
  return { algorithm, hex };
}

/** ADD's URLs, fetched into `dir` (their bytes checked against `checksum` when one is given). */
export async function download(urls: string[], dir: string, checksum?: string): Promise<string[]> {
  const names: string[] = [];
  for (const url of urls) {
    const res = await fetch(url, { signal: AbortSignal.timeout(300_000) }).catch((e: Error) => {
      throw invalidArgument(`failed to load ${url}: ${e.message}`);
    });
    if (!res.ok)
      throw invalidArgument(`failed to load ${url}: HTTP ${res.status} ${res.statusText}`);
    const name = downloadName(url);
    const body = Buffer.from(await res.arrayBuffer());
    if (checksum !== undefined) {
      const { algorithm, hex } = parseChecksum(checksum);
      const actual = createHash(algorithm).update(body).digest('hex');
      if (actual !== hex)
        throw invalidArgument(
          `digest mismatch for ${url}: expected ${checksum}, got ${algorithm}:${actual}`,
        );
    }
    await fs.writeFile(path.join(dir, name), body, { mode: 0o600 });
    names.push(name);
  }
  return names;
}

/**
 * RUN's shell-form script. With heredocs, as BuildKit: a RUN that is only `<<EOF` runs the
 * body as the script; otherwise the shell gets the line with the bodies after it and does the
 * redirections itself (`RUN python3 <<EOF`, `RUN cat <<A >a <<B >b`).
 */
export function shellScript(node: Node): string {
  const line = node.args.join(' ');
  const body = (h: Node['heredocs'][number]) =>
    h.chomp ? chompHeredocContent(h.content) : h.content;
  if (node.heredocs.length === 0) return line;
  if (/^<<-?\s*['"]?\w+['"]?\s*$/.test(line.trim()) && node.heredocs.length === 1)
    return body(node.heredocs[0]!);
  return [line, ...node.heredocs.map((h) => body(h) + h.name)].join('\n');
}

/** History's created_by, as BuildKit writes it. */
export function createdBy(node: Node): string {
  const text = node.original.trim().replace(/^\S+\s*/, '');
  if (node.keyword === 'run')
    return `RUN ${node.json ? node.args.join(' ') : `/bin/sh -c ${text}`} # buildkit`;
  return `${node.keyword.toUpperCase()} ${text}`;
}

export function healthcheck(node: Node): ContainerConfig['Healthcheck'] {
  const kind = (node.args[0] ?? '').toUpperCase();
  if (kind === 'NONE') return { Test: ['NONE'] };
  const rest = node.args.slice(1);
  const hc: NonNullable<ContainerConfig['Healthcheck']> = {
    Test: node.json ? ['CMD', ...rest] : ['CMD-SHELL', rest.join(' ')],
  };
  for (const f of node.flags) {
    const m = /^--([a-z-]+)=(.*)$/.exec(f);
    if (!m) throw invalidArgument(`invalid flag: ${f}`);
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'retries') hc.Retries = Number(value);
    else if (name === 'interval') hc.Interval = parseDuration(value);
    else if (name === 'timeout') hc.Timeout = parseDuration(value);
    else if (name === 'start-period') hc.StartPeriod = parseDuration(value);
    else if (name === 'start-interval') hc.StartInterval = parseDuration(value);
    else throw invalidArgument(`unknown flag: --${name}`);
  }
  return hc;
}

export function runRequest(
  image: string,
  command: string[],
  env: string[],
  o: BuildOptions,
): CreateRequest {
  return {
    image,
    cmd: command,
    entrypoint: [''],
    env,
    labels: {},
    tty: false,
    openStdin: false,
    stdinOnce: false,
    hostConfig: {
      autoRemove: false,
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      binds: [],
      mounts: [],
      tmpfs: [],
      networkMode: o.network,
      memory: 0,
      memorySwap: 0,
      nanoCpus: 0,
      cpuShares: 0,
      pidsLimit: 0,
      ulimits: [],
      readonlyRootfs: false,
      privileged: false,
      capAdd: [],
      capDrop: [],
      securityOpt: [],
      init: false,
      logConfig: { maxSize: 10_000_000, maxFile: 3 },
      dns: [],
      dnsSearch: [],
      extraHosts: o.addHosts,
    },
  };
}
