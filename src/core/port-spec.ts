/**
 * Docker's port syntaxes, parsed and printed with Docker's rules and wording:
 *
 * - `-p`/`--publish`: `[ip:][hostPort:]containerPort[/proto]` as go-connections' `nat.ParsePortSpec`
 *   reads it (after docker/cli's `convertToStandardNotation`, which turns the long form
 *   `target=80,published=8080,protocol=udp` into the short one). One {@link PortMapping} per
 *   container port.
 * - `--expose` and image `ExposedPorts` keys: `port[-end][/proto]`, as docker/cli's `parse`.
 * - `"80/tcp"` keys and the `HostConfig.PortBindings` / `ExposedPorts` JSON shapes.
 * - The PORTS column of `docker ps`: docker/cli's `DisplayablePorts`, with its sort, grouping
 *   and range compaction.
 *
 * Port 0 as a container port is rejected (Docker would accept it and fail later).
 */
import { invalidArgument } from './errors.js';

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** One published container port. */
export interface PortMapping {
  /** Host address to bind, without brackets; '' = all addresses. */
  hostIp: string;
  /** Host port; 0 = let the engine pick one. */
  hostPort: number;
  /** With a host range for a single container port (`8000-8010:80`): pick one of hostPort..hostPortEnd. */
  hostPortEnd?: number;
  containerPort: number;
  protocol: PortProtocol;
}

/** An `--expose` value or an image `ExposedPorts` key: ports `port..portEnd`. */
export interface ExposedPort {
  port: number;
  portEnd: number;
  protocol: PortProtocol;
}

/** An entry of the API's container-list `Ports` (docker's `PortSummary`). */
export interface PortSummary {
  privatePort: number;
  /** `Type` in the API: tcp, udp or sctp. */
  protocol: string;
  publicPort?: number;
  /** Host address; absent or '' when the port is exposed but not published. */
  ip?: string;
}

export type PortBindingsJson = Record<string, { HostIp: string; HostPort: string }[]>;

const protocols: ReadonlySet<string> = new Set(['tcp', 'udp', 'sctp']);

function checkProto(proto: string): PortProtocol {
  if (!protocols.has(proto)) throw invalidArgument(`invalid proto: ${proto}`);
  return proto as PortProtocol;
}

/** go-connections' `SplitProtoPort`: `port[/proto]`, tcp by default, both '' without a port. */
function splitProtoPort(raw: string): { proto: string; port: string } {
  const slash = raw.indexOf('/');
  const port = slash < 0 ? raw : raw.slice(0, slash);
  const proto = slash < 0 ? '' : raw.slice(slash + 1);
  if (port === '') return { proto: '', port: '' };
  return { proto: proto === '' ? 'tcp' : proto, port };
}

/** A decimal port number 0-65535 (leading zeros allowed, as strconv does), else undefined. */
function portNumber(s: string): number | undefined {
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** `port` or `start-end`, as go-connections' `parsePortRange`; undefined when invalid. */
function portRange(s: string): [number, number] | undefined {
  const dash = s.indexOf('-');
  const start = portNumber(dash < 0 ? s : s.slice(0, dash));
  if (start === undefined) return undefined;
  if (dash < 0 || s.slice(0, dash) === s.slice(dash + 1)) return [start, start];
  const end = portNumber(s.slice(dash + 1));
  return end === undefined || end < start ? undefined : [start, end];
}

function ipv4Bytes(s: string): number[] | undefined {
  const fields = s.split('.');
  if (fields.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const f of fields) {
    // Go rejects leading zeros ("01") as ambiguous octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(f) || Number(f) > 255) return undefined;
    bytes.push(Number(f));
  }
  return bytes;
}

function ipv6Bytes(s: string): number[] | undefined {
  const groups = (part: string, v4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (const [i, f] of fields.entries()) {
      if (v4Tail && i === fields.length - 1 && f.includes('.')) {
        const v4 = ipv4Bytes(f);
        if (!v4) return undefined;
        out.push(...v4);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) {
        const n = parseInt(f, 16);
        out.push(n >> 8, n & 0xff);
      } else return undefined;
    }
    return out;
  };
  const halves = s.split('::');
  if (halves.length === 1) {
    const all = groups(s, true);
    return all?.length === 16 ? all : undefined;
  }
  if (halves.length !== 2) return undefined;
  const head = groups(halves[0]!, false);
  const tail = groups(halves[1]!, true);
  // "::" must stand for at least one group of zeros.
  if (!head || !tail || head.length + tail.length > 14) return undefined;
  return [...head, ...new Array<number>(16 - head.length - tail.length).fill(0), ...tail];
}

/** Go's `net.ParseIP` (no zones): the address bytes, 4 or 16 of them, or undefined. */
function ipBytes(s: string): number[] | undefined {
  return s.includes(':') ? ipv6Bytes(s) : ipv4Bytes(s);
}

/** The host part of `[addr]`, as `net.SplitHostPort(ip + ":")` does it, with its errors. */
function unbracket(ip: string): string {
  const hostport = ip + ':';
  const end = hostport.indexOf(']');
  let reason: string | undefined;
  if (end < 0) reason = "missing ']' in address";
  else if (end + 1 !== hostport.length - 1)
    reason = hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address';
  else if (hostport.indexOf('[', 1) >= 0) reason = "unexpected '[' in address";
  else if (hostport.indexOf(']', end + 1) >= 0) reason = "unexpected ']' in address";
  if (reason) throw invalidArgument(`invalid IP address ${ip}: address ${hostport}: ${reason}`);
  return hostport.slice(1, end);
}

/** docker/cli's `convertToStandardNotation`: `target=80,published=8080,protocol=udp` → `8080:80/udp`. */
function standardNotation(spec: string): string {
  if (!spec.includes('=')) return spec;
  const params: Record<string, string> = { protocol: 'tcp' };
  for (const param of spec.split(',')) {
    const eq = param.indexOf('=');
    if (eq <= 0) {
      throw invalidArgument(
        `invalid publish opts format (should be name=value but got '${param}')`,
      );
    }
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ''}:${params.target ?? ''}/${params.protocol}`;
}

/** One `-p`/`--publish` value: one mapping per container port. */
export function parsePublish(spec: string): PortMapping[] {
  const raw = standardNotation(spec);
  const parts = raw.split(':');
  const n = parts.length;
  let ip = n > 2 ? parts.slice(0, n - 2).join(':') : '';
  const hostPort = n > 1 ? parts[n - 2]! : '';
  const { proto, port: containerPort } = splitProtoPort(parts[n - 1]!);
  if (containerPort === '') throw invalidArgument(`no port specified: ${raw}<empty>`);
  const protocol = checkProto(proto.toLowerCase());

  if (ip.startsWith('[')) ip = unbracket(ip);
  if (ip !== '' && !ipBytes(ip)) throw invalidArgument(`invalid IP address: ${ip}`);

  const container = portRange(containerPort);
  if (!container || container[0] === 0)
    throw invalidArgument(`invalid containerPort: ${containerPort}`);
  const [start, end] = container;

  let [hostStart, hostEnd] = [0, 0];
  if (hostPort !== '') {
    const host = portRange(hostPort);
    if (!host) throw invalidArgument(`invalid hostPort: ${hostPort}`);
    [hostStart, hostEnd] = host;
    // A host range with a single container port is the range to pick the host port from.
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw invalidArgument(
        `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`,
      );
    }
  }

  const count = end - start + 1;
  return Array.from({ length: count }, (_, i) => {
    const m: PortMapping = {
      hostIp: ip,
      hostPort: hostPort === '' ? 0 : hostStart + i,
      containerPort: start + i,
      protocol,
    };
    if (count === 1 && hostStart !== hostEnd) m.hostPortEnd = hostEnd;
    return m;
  });
}

/** strconv.ParseUint(s, 10, 16) as go-connections' exported `ParsePortRange` words its errors. */
function parseUint16(s: string): number {
  const n = portNumber(s);
  if (n !== undefined) return n;
  const why = /^[0-9]+$/.test(s) ? 'value out of range' : 'invalid syntax';
  // JSON.stringify quotes the way Go's %q does for printable text.
  throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: ${why}`);
}

/** go-connections' exported `ParsePortRange` (used for --expose): only the first two `-` parts count. */
function exposeRange(ports: string): [number, number] {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const [a, b] = ports.split('-');
  const start = parseUint16(a!);
  const end = parseUint16(b!);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** An `--expose` value (`80`, `80-90/udp`) or an image `ExposedPorts` key (`80/tcp`). */
export function parseExpose(spec: string): ExposedPort {
  if (spec.includes(':')) throw invalidArgument(`invalid port format for --expose: ${spec}`);
  const { proto, port } = splitProtoPort(spec);
  let range: [number, number];
  try {
    range = exposeRange(port);
  } catch (e) {
    throw invalidArgument(
      `invalid range format for --expose: ${spec}, error: ${(e as Error).message}`,
    );
  }
  if (range[0] === 0) throw invalidArgument(`invalid containerPort: ${port}`);
  return { port: range[0], portEnd: range[1], protocol: checkProto(proto.toLowerCase()) };
}

/** Docker's port key: `80/tcp`. */
export const portKey = (port: number, protocol: PortProtocol = 'tcp'): string =>
  `${port}/${protocol}`;

/** A single-port key (`80/tcp`, or `80` for tcp), with moby's `network.ParsePort` wording. */
export function parsePortKey(key: string): { port: number; protocol: PortProtocol } {
  if (key === '') throw invalidArgument('invalid port: value is empty');
  const slash = key.indexOf('/');
  const num = slash < 0 ? key : key.slice(0, slash);
  const proto = slash < 0 ? '' : key.slice(slash + 1);
  const port = portNumber(num);
  if (port === undefined) {
    const why =
      num === ''
        ? 'value is empty'
        : /^[0-9]+$/.test(num)
          ? 'value out of range'
          : 'invalid syntax';
    throw invalidArgument(`invalid port '${num}': ${why}`);
  }
  return { port, protocol: checkProto(proto === '' ? 'tcp' : proto.toLowerCase()) };
}

/** `HostConfig.PortBindings` for these mappings, in order (a key may get several bindings). */
export function portBindingsJson(mappings: readonly PortMapping[]): PortBindingsJson {
  const out: PortBindingsJson = {};
  for (const m of mappings) {
    let hostPort = m.hostPort === 0 && m.hostPortEnd === undefined ? '' : String(m.hostPort);
    if (m.hostPortEnd !== undefined && m.hostPortEnd !== m.hostPort)
      hostPort += `-${m.hostPortEnd}`;
    (out[portKey(m.containerPort, m.protocol)] ??= []).push({
      HostIp: m.hostIp,
      HostPort: hostPort,
    });
  }
  return out;
}

/** `Config.ExposedPorts` for these mappings (published ports are exposed too). */
export function exposedPortsJson(
  ports: readonly (PortMapping | ExposedPort)[],
): Record<string, Record<string, never>> {
  const out: Record<string, Record<string, never>> = {};
  for (const p of ports) {
    const [first, last] =
      'containerPort' in p ? [p.containerPort, p.containerPort] : [p.port, p.portEnd];
    for (let port = first; port <= last; port++) out[portKey(port, p.protocol)] = {};
  }
  return out;
}

/** Go's `net.JoinHostPort`. */
const joinHostPort = (host: string, port: string) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** netip.Addr's order: no address, then IPv4, then IPv6, each by its bytes. */
function compareIp(a: string, b: string): number {
  const [x, y] = [ipBytes(a) ?? [], ipBytes(b) ?? []];
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePorts(i: PortSummary, j: PortSummary): number {
  if (i.privatePort !== j.privatePort) return i.privatePort - j.privatePort;
  const ip = compareIp(i.ip ?? '', j.ip ?? '');
  if (ip !== 0) return ip;
  if ((i.publicPort ?? 0) !== (j.publicPort ?? 0)) return (i.publicPort ?? 0) - (j.publicPort ?? 0);
  return i.protocol < j.protocol ? -1 : i.protocol > j.protocol ? 1 : 0;
}

function formGroup(key: string, first: number, last: number): string {
  const parts = key.split('/');
  const [ip, type] = parts.length > 1 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/**
 * The PORTS column of `docker ps`, e.g. `0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/tcp`.
 * Consecutive ports are compacted into ranges only where the host port equals the container
 * port (`0.0.0.0:8000-8001->8000-8001/tcp`) or nothing is published (`80-81/tcp`); other
 * mappings are listed one by one, after the groups.
 */
export function formatPortsColumn(ports: readonly PortSummary[]): string {
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const p of [...ports].sort(comparePorts)) {
    const current = p.privatePort;
    let key = p.protocol;
    if (p.ip) {
      if (p.publicPort !== current) {
        const host = joinHostPort(p.ip, String(p.publicPort ?? 0));
        hostMappings.push(`${host}->${p.privatePort}/${p.protocol}`);
        continue;
      }
      key = `${p.ip}/${p.protocol}`;
    }
    const group = groups.get(key);
    if (group && current === group.last + 1) {
      group.last = current;
      continue;
    }
    if (group) result.push(formGroup(key, group.first, group.last));
    // A Map keeps the order keys were first created in, as Docker's groupMapKeys does.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}
