/**
 * Host network devices through iproute2: bridges, veth pairs, macvlan. Every change is one
 * `ip -batch` run (an exec costs more than the work).
 */
import { existsSync } from 'node:fs';
import { parseCidr, type Ipv4Net } from '../core/ipnet.js';
import { run } from '../sys/exec.js';

export async function ipBatch(commands: string[]): Promise<void> {
  await run('ip', ['-batch', '-'], { input: commands.join('\n') + '\n', timeoutMs: 10_000 });
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** A bridge with the gateway address, up (idempotent). */
export async function ensureBridge(name: string, gatewayCidr: string): Promise<void> {
  if (linkExists(name)) return;
  await ipBatch([
    `link add ${name} type bridge`,
    `addr add ${gatewayCidr} dev ${name}`,
    `link set ${name} up`,
  ]).catch((e: Error) => {
    if (!linkExists(name)) throw e; // another berth made it meanwhile: fine
  });
}

export async function deleteLink(name: string): Promise<void> {
  if (linkExists(name)) await ipBatch([`link del ${name}`]).catch(() => undefined);
}

/** A veth pair: `host` on the bridge, its peer as `eth0` in the namespace file `netns`. */
export async function addVeth(host: string, bridge: string, netns: string, ifname: string) {
  await ipBatch([
    `link add ${host} type veth peer name ${ifname} netns ${netns}`,
    `link set ${host} master ${bridge} up`,
  ]);
}

/** A macvlan device on `parent`, moved into the namespace file `netns` as `ifname`. */
export async function addMacvlan(parent: string, tmpName: string, netns: string, ifname: string) {
  await ipBatch([
    `link add ${tmpName} link ${parent} type macvlan mode bridge`,
    `link set ${tmpName} netns ${netns}`,
  ]);
  return { rename: `link set ${tmpName} name ${ifname}` };
}

/** The IPv4 destinations routed on the host (to choose subnets that collide with none). */
export async function hostRoutes(): Promise<Ipv4Net[]> {
  const { stdout } = await run('ip', ['-4', '-o', 'route', 'show', 'table', 'all']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((d) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d))
    .map((d) => parseCidr(d.includes('/') ? d : `${d}/32`, 'route'));
}
