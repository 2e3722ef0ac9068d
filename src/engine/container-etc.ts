/**
 * A networked container's /etc/hosts and /etc/resolv.conf, rewritten at each start once its
 * addresses are known (as Docker does): its own address and name, `--add-host` entries with
 * `host-gateway` resolved, `host.docker.internal` for the host; on user-defined networks the
 * network's DNS server (at the gateway), elsewhere the host's resolvers.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { hostsFile, resolvConf, type HostEntry } from '../core/etc-files.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import type { Joined } from './networks.js';

export async function writeNetworkFiles(
  dir: string,
  record: ContainerRecord,
  joined: Joined[],
): Promise<void> {
  const primary = joined[0];
  if (!primary) return;
  const gateway = primary.network.ipam!.gateway;
  const extra: HostEntry[] = record.hostConfig.extraHosts.map((h) => {
    const i = h.lastIndexOf(':');
    const ip = h.slice(i + 1);
    return { names: [h.slice(0, i)], ip: ip === 'host-gateway' ? gateway : ip };
  });
  if (!extra.some((e) => e.names.includes('host.docker.internal')))
    extra.push({ names: ['host.docker.internal'], ip: gateway });
  const own: HostEntry[] = joined.map((j) => ({
    ip: j.endpoint.address!.split('/')[0]!,
    names: [record.config.Hostname],
  }));
  // written in place: the files are bind-mounted into the container (on a restart, too)
  await fs.writeFile(path.join(dir, 'hosts'), hostsFile(own, extra));
  const userNetwork = joined.find((j) => !j.network.predefined && j.network.driver === 'bridge');
  const host = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const dns = record.hostConfig.dns.length > 0 ? record.hostConfig.dns : undefined;
  await fs.writeFile(
    path.join(dir, 'resolv.conf'),
    resolvConf(host, {
      dns: dns ?? (userNetwork ? [userNetwork.network.ipam!.gateway] : undefined),
      dnsSearch: record.hostConfig.dnsSearch,
      dropLoopback: true,
    }),
  );
}
