/**
 * IPv4 networks and address management (IPAM), pure: CIDR parsing and formatting, overlap
 * tests, picking a free subnet from Docker's default pools, and handing out addresses.
 * Addresses are unsigned 32-bit numbers inside, dotted quads at the edges.
 */
import { invalidArgument } from './errors.js';

export interface Ipv4Net {
  /** The network address (host bits zero). */
  base: number;
  prefix: number;
}

export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0')))
      return undefined;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parse `a.b.c.d/len`; `strict` refuses host bits (as Docker does for --subnet). */
export function parseCidr(s: string, what = 'subnet'): Ipv4Net & { address: number } {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s);
  const address = m ? parseIpv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32))
    throw invalidArgument(`invalid ${what}: ${s}`);
  return { base: (address & mask(prefix)) >>> 0, prefix, address };
}

export function formatCidr(n: Ipv4Net): string {
  return `${formatIpv4(n.base)}/${n.prefix}`;
}

export function size(n: Ipv4Net): number {
  return 2 ** (32 - n.prefix);
}

export function contains(n: Ipv4Net, address: number): boolean {
  return (address & mask(n.prefix)) >>> 0 === n.base;
}

export function overlaps(a: Ipv4Net, b: Ipv4Net): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/**
 * Docker's default address pools for local networks: 172.17.0.0/16 … 172.31.0.0/16, then
 * 192.168.0.0/20 … 192.168.240.0/20.
 */
export function* defaultPools(): Generator<Ipv4Net> {
  for (let b = 17; b <= 31; b++) yield { base: parseIpv4(`172.${b}.0.0`)!, prefix: 16 };
  for (let c = 0; c < 256; c += 16) yield { base: parseIpv4(`192.168.${c}.0`)!, prefix: 20 };
}

/** The first pool subnet that overlaps nothing in use (routes, other networks), if any. */
export function pickSubnet(inUse: Ipv4Net[]): Ipv4Net | undefined {
  for (const pool of defaultPools()) if (!inUse.some((u) => overlaps(u, pool))) return pool;
  return undefined;
}

/** A network's address plan: where containers get their addresses from. */
export interface AddressPlan {
  subnet: Ipv4Net;
  gateway: number;
  /** --ip-range: dynamic addresses come from here (default: the whole subnet). */
  range?: Ipv4Net;
}

/** Check --gateway and --ip-range against --subnet, with Docker's messages. */
export function addressPlan(subnet: string, gateway?: string, ipRange?: string): AddressPlan {
  const net = parseCidr(subnet);
  if (net.prefix > 30) throw invalidArgument(`subnet ${subnet} is too small for containers`);
  let gw = (net.base + 1) >>> 0;
  if (gateway) {
    const g = parseIpv4(gateway);
    if (g === undefined) throw invalidArgument(`invalid gateway address: ${gateway}`);
    if (!contains(net, g)) throw invalidArgument(`no matching subnet for gateway ${gateway}`);
    gw = g;
  }
  let range: Ipv4Net | undefined;
  if (ipRange) {
    range = parseCidr(ipRange, 'ip-range');
    if (!contains(net, range.base) || range.prefix < net.prefix)
      throw invalidArgument(`no matching subnet for range ${ipRange}`);
  }
  return { subnet: { base: net.base, prefix: net.prefix }, gateway: gw, range };
}

/** Whether `address` may be given to a container (--ip): in the subnet, not reserved. */
export function assignable(plan: AddressPlan, address: number): boolean {
  const last = (plan.subnet.base + size(plan.subnet) - 1) >>> 0;
  return (
    contains(plan.subnet, address) &&
    address !== plan.subnet.base &&
    address !== last &&
    address !== plan.gateway
  );
}

/** The next free address for a container, searching from the start of the range. */
export function allocate(plan: AddressPlan, used: ReadonlySet<number>): number | undefined {
  const from = plan.range ?? plan.subnet;
  for (let i = 0; i < size(from); i++) {
    const a = (from.base + i) >>> 0;
    if (assignable(plan, a) && !used.has(a)) return a;
  }
  return undefined;
}

/** Docker's MAC address for a container IP: 02:42 followed by the address bytes. */
export function macFor(address: number): string {
  const bytes = [
    0x02,
    0x42,
    address >>> 24,
    (address >>> 16) & 255,
    (address >>> 8) & 255,
    address & 255,
  ];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
