/**
 * Name resolution on user-defined networks: aardvark-dns (Debian's, made for this job), one
 * process per runtime root listening on port 53 of each network's gateway. Its configuration
 * directory holds one file per network:
 *
 *   <gateway>
 *   <container id> <ipv4> <ipv6> <name,alias,...>
 *
 * and SIGHUP makes it reread them. Every other name goes to the host's resolvers (aardvark runs
 * in the host's namespace, so a resolver on the host's loopback works too).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { failedPrecondition } from '../core/errors.js';
import { processAlive } from '../sys/process.js';

export interface DnsNetwork {
  name: string;
  gateway: string;
  records: { id: string; ipv4: string; names: string[] }[];
}

const CANDIDATES = ['/usr/lib/podman/aardvark-dns', '/usr/libexec/podman/aardvark-dns'];

function aardvarkBinary(): string {
  const found = [process.env['BERTH_AARDVARK'], ...CANDIDATES].find((p) => p && existsSync(p));
  if (!found)
    throw failedPrecondition('aardvark-dns is not installed: apt-get install aardvark-dns');
  return found;
}

export function renderDnsConfig(n: DnsNetwork): string {
  return (
    [n.gateway, ...n.records.map((r) => `${r.id} ${r.ipv4}  ${r.names.join(',')}`)].join('\n') +
    '\n'
  );
}

async function runningPid(dir: string): Promise<number | undefined> {
  const pid = Number(await fs.readFile(path.join(dir, 'aardvark.pid'), 'utf8').catch(() => ''));
  return pid > 0 && processAlive(pid) ? pid : undefined;
}

/**
 * Make the DNS server serve exactly `networks` (those with containers): rewrite the files, then
 * reload, start or stop the server.
 */
export async function syncDns(dir: string, networks: DnsNetwork[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const wanted = new Set(networks.map((n) => n.name));
  for (const f of await fs.readdir(dir))
    if (f !== 'aardvark.pid' && !wanted.has(f)) await fs.rm(path.join(dir, f), { force: true });
  for (const n of networks) await fs.writeFile(path.join(dir, n.name), renderDnsConfig(n));
  const pid = await runningPid(dir);
  if (networks.length === 0) {
    if (pid) process.kill(pid, 'SIGTERM');
    await fs.rm(dir, { recursive: true, force: true });
    return;
  }
  if (pid) {
    process.kill(pid, 'SIGHUP');
    return;
  }
  // it forks into the background and writes aardvark.pid; the foreground exits at once
  await new Promise<void>((resolve, reject) => {
    // its own session: a Ctrl-C meant for this berth must not reach the server
    const child = spawn(aardvarkBinary(), ['--config', dir, '-p', '53', 'run'], {
      stdio: 'ignore',
      cwd: '/',
      detached: true,
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(failedPrecondition(`aardvark-dns exited ${code}`)),
    );
  });
}
