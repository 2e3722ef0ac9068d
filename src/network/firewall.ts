/**
 * berth's packet filtering and NAT: one nftables table per state root, rebuilt whole from the
 * networks' records on every change (one atomic `nft -f`), so there are no rule handles to
 * track and a lost or stale table heals itself. When no network is in use, there is no table.
 *
 * - masquerade for the subnets of non-internal networks leaving through another interface;
 * - published ports: DNAT maps keyed by (host address, protocol, port) and (protocol, port) for
 *   "any address", for traffic from outside (prerouting) and from the host itself (output);
 *   connections from the host's loopback are masqueraded so replies find their way back
 *   (with route_localnet on the bridge);
 * - internal networks: nothing in or out except between their own containers.
 *
 * Another engine's iptables FORWARD policy may be DROP (Docker sets it, and with br_netfilter
 * even traffic between two containers on one bridge passes through it): each active bridge gets
 * an ACCEPT pair at the top of iptables' FORWARD chain, removed with the bridge.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { run } from '../sys/exec.js';

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  containerIp: string;
  containerPort: number;
}

export interface FirewallState {
  bridges: { device: string; subnet: string; internal: boolean }[];
  ports: PublishedPort[];
}

/** `berth` for the default state root, `berth_<hash>` for others (tests, side by side). */
export function tableName(root: string): string {
  if (root === '/var/lib/berth') return 'berth';
  return 'berth_' + createHash('sha256').update(root).digest('hex').slice(0, 8);
}

const elements = (items: string[]) => (items.length ? `elements = { ${items.join(', ')} }` : '');
const anyAddress = (ip: string) => ip === '' || ip === '0.0.0.0';

/** The whole table for a state (pure). */
export function renderTable(name: string, s: FirewallState): string {
  const any = s.ports.filter((p) => anyAddress(p.hostIp));
  const byIp = s.ports.filter((p) => !anyAddress(p.hostIp));
  const target = (p: PublishedPort) => `${p.containerIp} . ${p.containerPort}`;
  const masq = s.bridges.filter((b) => !b.internal);
  const internal = s.bridges.filter((b) => b.internal);
  const q = (d: string) => `"${d}"`;
  return `table ip ${name} {
  map published_any {
    type inet_proto . inet_service : ipv4_addr . inet_service
    ${elements(any.map((p) => `${p.protocol} . ${p.hostPort} : ${target(p)}`))}
  }
  map published_ip {
    type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
    ${elements(byIp.map((p) => `${p.hostIp} . ${p.protocol} . ${p.hostPort} : ${target(p)}`))}
  }
  set masquerade_nets {
    type ipv4_addr; flags interval
    ${elements(masq.map((b) => b.subnet))}
  }
  set bridges {
    type ifname
    ${elements(s.bridges.map((b) => q(b.device)))}
  }
  set internal_bridges {
    type ifname
    ${elements(internal.map((b) => q(b.device)))}
  }
  chain publish {
    dnat to ip daddr . meta l4proto . th dport map @published_ip
    dnat to meta l4proto . th dport map @published_any
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local jump publish
  }
  chain output {
    type nat hook output priority -100; policy accept;
    fib daddr type local jump publish
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 127.0.0.0/8 ct status dnat masquerade
    ip saddr @masquerade_nets oifname != @bridges masquerade
  }
  chain forward {
    type filter hook forward priority -1; policy accept;
    iifname @internal_bridges oifname != @internal_bridges drop
    oifname @internal_bridges iifname != @internal_bridges drop
  }
}
`;
}

async function nft(script: string): Promise<void> {
  await run('nft', ['-f', '-'], { input: script, timeoutMs: 10_000 });
}

/** Make the table match `state` (atomically), or remove it when there is nothing to keep. */
export async function applyFirewall(name: string, state: FirewallState): Promise<void> {
  if (state.bridges.length === 0 && state.ports.length === 0) {
    await removeFirewall(name);
    return;
  }
  // declaring first makes the delete valid when the table does not exist yet
  await nft(`table ip ${name}\ndelete table ip ${name}\n${renderTable(name, state)}`);
}

export async function removeFirewall(name: string): Promise<void> {
  await nft(`table ip ${name}\ndelete table ip ${name}\n`).catch(() => undefined);
}

const forwardRules = (device: string) => [
  `-I FORWARD -i ${device} -j ACCEPT`,
  `-I FORWARD -o ${device} -j ACCEPT`,
];

async function iptablesRestore(lines: string[]): Promise<void> {
  await run('iptables-restore', ['--noflush'], {
    input: `*filter\n${lines.join('\n')}\nCOMMIT\n`,
    timeoutMs: 10_000,
  });
}

/** FORWARD accepts for a bridge now in use (replacing any left from before). */
export async function acceptForward(device: string): Promise<void> {
  await dropForward(device);
  await iptablesRestore(forwardRules(device));
}

export async function dropForward(device: string): Promise<void> {
  // -D fails when the rule is absent, and one failure aborts the batch: one rule per run
  for (const rule of forwardRules(device))
    await iptablesRestore([rule.replace('-I ', '-D ')]).catch(() => undefined);
}

/** Replies to connections from the host's loopback, DNATed to a container, may leave lo. */
export async function allowLocalnet(device: string): Promise<void> {
  await fs.writeFile(`/proc/sys/net/ipv4/conf/${device}/route_localnet`, '1');
}
