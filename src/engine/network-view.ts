/** Docker's JSON for networks (`network inspect`) and a container's NetworkSettings. */
import { formatPortsColumn, parsePortKey, portKey } from '../core/port-spec.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import type { NetworkRecord } from '../network/store.js';
import type { Joined } from './networks.js';

const driverName = (n: NetworkRecord) => n.driver;

/** Docker's NetworkResource. */
export function dockerNetwork(n: NetworkRecord) {
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: driverName(n),
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: n.ipam
        ? [
            {
              Subnet: n.ipam.subnet,
              Gateway: n.ipam.gateway,
              ...(n.ipam.ipRange ? { IPRange: n.ipam.ipRange } : {}),
            },
          ]
        : [],
    },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      Object.values(n.endpoints).map((e) => [
        e.containerId,
        {
          Name: e.containerName,
          EndpointID: e.endpointId,
          MacAddress: e.mac ?? '',
          IPv4Address: e.address ?? '',
          IPv6Address: '',
        },
      ]),
    ),
    Options: n.options,
    Labels: n.labels,
  };
}

/** NetworkSettings.Ports: every exposed port, with its bindings while it runs (else null). */
export function dockerPorts(r: ContainerRecord, joined: Joined[]) {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(r.config.ExposedPorts ?? {})) out[key] = null;
  for (const p of joined[0]?.endpoint.ports ?? []) {
    const key = portKey(p.containerPort, p.protocol);
    (out[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

/** The PORTS column of `ps`. */
export function portsColumn(r: ContainerRecord, joined: Joined[]): string {
  const published = joined[0]?.endpoint.ports ?? [];
  const summaries = Object.keys(r.config.ExposedPorts ?? {}).flatMap((key) => {
    const { port, protocol } = parsePortKey(key);
    const bound = published.filter((p) => p.containerPort === port && p.protocol === protocol);
    if (bound.length === 0) return [{ privatePort: port, protocol }];
    return bound.map((p) => ({
      privatePort: p.containerPort,
      protocol: p.protocol,
      publicPort: p.hostPort,
      ip: p.hostIp,
    }));
  });
  return formatPortsColumn(summaries);
}

/** NetworkSettings, as Docker's inspect shows it. */
export function dockerNetworkSettings(r: ContainerRecord, joined: Joined[], netnsPath: string) {
  const networks: Record<string, unknown> = {};
  const mode = r.hostConfig.networkMode;
  if (mode === 'host' || mode === 'none') networks[mode] = endpointJson(undefined, undefined, []);
  for (const j of joined)
    networks[j.network.name] = endpointJson(j.network, j.endpoint, j.endpoint.aliases);
  // before it runs: the networks it will join, with no address yet
  for (const n of r.networks ?? [])
    if (!joined.some((j) => j.network.name === n.network || j.network.id === n.network))
      networks[n.network] = endpointJson(undefined, undefined, n.aliases);
  const bridge = joined.find((j) => j.network.name === 'bridge');
  const ip = bridge?.endpoint.address?.split('/') ?? ['', '0'];
  return {
    Bridge: '',
    SandboxID: joined.length > 0 ? r.id : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: dockerPorts(r, joined),
    SandboxKey: joined.length > 0 ? netnsPath : '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpoint.endpointId ?? '',
    Gateway: bridge?.network.ipam?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: ip[0],
    IPPrefixLen: Number(ip[1]),
    IPv6Gateway: '',
    MacAddress: bridge?.endpoint.mac ?? '',
    Networks: networks,
  };
}

function endpointJson(
  n: NetworkRecord | undefined,
  e: Joined['endpoint'] | undefined,
  aliases: string[],
) {
  const [ip = '', len = '0'] = e?.address?.split('/') ?? [];
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: aliases.length > 0 ? aliases : null,
    NetworkID: n?.id ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: n?.ipam?.gateway ?? '',
    IPAddress: ip,
    IPPrefixLen: Number(len),
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: e?.mac ?? '',
    DriverOpts: null,
  };
}
