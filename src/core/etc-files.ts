/** The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, as Docker writes them. */

export interface HostEntry {
  ip: string;
  names: string[];
}

/** /etc/hosts: Docker's standard entries, the container's own address, then `--add-host`s. */
export function hostsFile(own: HostEntry[], extra: HostEntry[] = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extra.map((e) => `${e.ip}\t${e.names.join(' ')}`),
    ...own.map((e) => `${e.ip}\t${e.names.join(' ')}`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * /etc/resolv.conf from the host's: `--dns` replaces the nameservers, `--dns-search` the search
 * list. Without a network namespace of its own (`none`) a loopback resolver of the host cannot be
 * reached, so loopback nameservers are dropped there, as Docker does.
 */
export function resolvConf(
  host: string,
  opts: { dns?: string[]; dnsSearch?: string[]; dropLoopback?: boolean } = {},
): string {
  const lines = host.split('\n');
  const keep = lines.filter((l) => !/^\s*(nameserver|search|domain)\s/.test(l) && l.trim() !== '');
  let servers = lines
    .filter((l) => /^\s*nameserver\s/.test(l))
    .map((l) => l.trim().split(/\s+/)[1]!);
  if (opts.dropLoopback) servers = servers.filter((s) => !/^127\.|^::1$/.test(s));
  if (opts.dns && opts.dns.length > 0) servers = opts.dns;
  const search =
    opts.dnsSearch && opts.dnsSearch.length > 0
      ? opts.dnsSearch
      : lines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  return (
    [
      ...(search.length > 0 ? [`search ${search.join(' ')}`] : []),
      ...servers.map((s) => `nameserver ${s}`),
      ...keep.filter((l) => !l.startsWith('#')),
    ].join('\n') + '\n'
  );
}
