/** Facts about the host that container specs depend on. */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { HostFacts, HostLimits } from '../core/container-spec.js';
import { ALL_CAPABILITIES } from '../core/container-defaults.js';

const limitNames: Record<string, string> = {
  'Max open files': 'nofile',
  'Max processes': 'nproc',
  'Max locked memory': 'memlock',
  'Max stack size': 'stack',
  'Max core file size': 'core',
};

/** This process's rlimits (a container may not ask for more: no CAP_SYS_RESOURCE here). */
export async function hostLimits(): Promise<HostLimits> {
  const text = await fs.readFile('/proc/self/limits', 'utf8');
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const line of text.split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && limitNames[m[1]!.trim()];
    if (!m || !name) continue;
    const num = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
    out[name] = { soft: num(m[2]!), hard: num(m[3]!) };
  }
  return {
    nofile: out['nofile'] ?? { soft: 1024, hard: 1024 },
    nproc: out['nproc'] ?? { soft: 4096, hard: 4096 },
    ...out,
  };
}

/** A static init for `--init` (Debian's tini-static), if installed. */
export function initBinary(): string | undefined {
  return ['/usr/bin/tini-static', '/usr/bin/docker-init'].find((p) => existsSync(p));
}

/** The engine's bounding capabilities (a privileged container can have no more). */
export async function hostFacts(): Promise<HostFacts> {
  const status = await fs.readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const mask = hex ? BigInt(`0x${hex}`) : undefined;
  const capabilities =
    mask === undefined ? undefined : ALL_CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
  return { capabilities, canRaiseRlimits: capabilities?.includes('CAP_SYS_RESOURCE') ?? false };
}
