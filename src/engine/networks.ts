/**
 * Networks: Docker's network commands, and attaching containers to them when they start
 * (address, veth or macvlan in the container's namespace, published ports, DNS names) and
 * detaching them when they stop. Bridges, firewall rules and the DNS server exist only while a
 * network has containers: an idle berth leaves nothing in the host's network configuration.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { conflict, failedPrecondition, invalidArgument, notFound } from '../core/errors.js';
import {
  addressPlan,
  allocate,
  assignable,
  formatCidr,
  formatIpv4,
  macFor,
  overlaps,
  parseCidr,
  parseIpv4,
  pickSubnet,
  type Ipv4Net,
} from '../core/ipnet.js';
import type { PortMapping } from '../core/port-spec.js';
import { syncDns } from '../network/dns.js';
import {
  acceptForward,
  allowLocalnet,
  applyFirewall,
  dropForward,
  removeFirewall,
  renderTable,
  tableName,
  type FirewallState,
  type PublishedPort,
} from '../network/firewall.js';
import {
  addMacvlan,
  addVeth,
  deleteLink,
  ensureBridge,
  hostRoutes,
  linkExists,
} from '../network/links.js';
import { createNetns, ipBatchIn, removeNetns } from '../network/netns.js';
import { holdPort, type HeldPort } from '../network/port-reservation.js';
import {
  NetworkStore,
  PREDEFINED,
  type Endpoint,
  type NetworkDriver,
  type NetworkRecord,
} from '../network/store.js';
import { withFileLock } from '../sys/lock.js';

/** How a container joins one network (Docker's EndpointsConfig). */
export interface NetworkAttachment {
  network: string;
  aliases: string[];
  ipv4Address?: string;
}

export interface NetworkCreateOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

/** A container as the network layer knows it. */
export interface ContainerRef {
  id: string;
  name: string;
  hostname: string;
}

/** What a container got when it joined its networks. */
export interface Joined {
  network: NetworkRecord;
  endpoint: Endpoint & { ports: PublishedPort[] };
}

/** Host-wide: subnets are chosen, and bridges made, one berth at a time (whatever the root). */
const HOST_LOCK = '/run/lock/berth-networks.lock';

export class NetworkService {
  readonly store: NetworkStore;

  constructor(
    private readonly root: string,
    private readonly runroot: string,
  ) {
    this.store = new NetworkStore(path.join(root, 'networks'));
  }

  netnsPath(containerId: string): string {
    return path.join(this.runroot, 'netns', containerId);
  }

  private get dnsDir(): string {
    return path.join(this.runroot, 'dns');
  }

  /** berth0 for the default root; a name of its own for every other root (tests). */
  private deviceFor(n: Pick<NetworkRecord, 'id' | 'predefined'>): string {
    if (!n.predefined) return `br-${n.id.slice(0, 12)}`;
    if (this.root === '/var/lib/berth') return 'berth0';
    return 'berth' + createHash('sha256').update(this.root).digest('hex').slice(0, 8);
  }

  // ---- network commands ------------------------------------------------------------------

  /** bridge, host and none, made on first use. */
  async ensurePredefined(): Promise<void> {
    const have = new Set((await this.store.list()).map((n) => n.name));
    if (PREDEFINED.every((p) => have.has(p))) return;
    await this.store.locked(async () => {
      const now = new Set((await this.store.list()).map((n) => n.name));
      const base = { internal: false, labels: {}, options: {}, predefined: true };
      if (!now.has('host')) await this.store.add({ ...base, name: 'host', driver: 'host' });
      if (!now.has('none')) await this.store.add({ ...base, name: 'none', driver: 'null' });
      if (!now.has('bridge')) {
        // the subnet is chosen when it first gets a container (see activate)
        const n = await this.store.add({ ...base, name: 'bridge', driver: 'bridge' });
        n.device = this.deviceFor(n);
        await this.store.save(n);
      }
    });
  }

  async list(): Promise<NetworkRecord[]> {
    await this.ensurePredefined();
    return (await this.store.list()).sort((a, b) => a.name.localeCompare(b.name));
  }

  async inspect(ref: string): Promise<NetworkRecord> {
    await this.ensurePredefined();
    return this.store.resolve(ref);
  }

  async create(o: NetworkCreateOptions): Promise<NetworkRecord> {
    await this.ensurePredefined();
    const driver = (o.driver ?? 'bridge') as NetworkDriver;
    if (driver !== 'bridge' && driver !== 'macvlan')
      throw invalidArgument(`plugin "${o.driver}" not found`);
    if ((PREDEFINED as readonly string[]).includes(o.name))
      throw conflict(`network with name ${o.name} already exists`);
    const options = o.options ?? {};
    let parent: string | undefined;
    if (driver === 'macvlan') {
      parent = options['parent'];
      if (!parent)
        throw invalidArgument('macvlan networks need a parent interface: -o parent=IFACE');
      if (!linkExists(parent))
        throw invalidArgument(`-o parent interface was not found on the host: ${parent}`);
    }
    return this.store.locked(() =>
      withFileLock(HOST_LOCK, async () => {
        const all = await this.store.list();
        let subnet = o.subnet;
        if (subnet) {
          const want = parseCidr(subnet);
          if (want.address !== want.base)
            throw invalidArgument(`invalid subnet ${subnet}: it should be ${formatCidr(want)}`);
          const clash = all.find((n) => n.ipam && overlaps(parseCidr(n.ipam.subnet), want));
          if (clash)
            throw conflict(
              `Pool overlaps with other one on this address space (${clash.name}: ${clash.ipam!.subnet})`,
            );
        } else {
          if (o.gateway || o.ipRange)
            throw invalidArgument('a --gateway or --ip-range needs a --subnet');
          subnet = formatCidr(await this.freeSubnet(all));
        }
        const plan = addressPlan(subnet, o.gateway, o.ipRange);
        const record = await this.store.add({
          name: o.name,
          driver,
          internal: o.internal ?? false,
          labels: o.labels ?? {},
          options,
          ipam: {
            subnet,
            gateway: formatIpv4(plan.gateway),
            ...(o.ipRange ? { ipRange: o.ipRange } : {}),
          },
        });
        record.device = parent ?? this.deviceFor(record);
        await this.store.save(record);
        return record;
      }),
    );
  }

  private async freeSubnet(all: NetworkRecord[], except?: string): Promise<Ipv4Net> {
    const inUse = [
      ...(await hostRoutes()),
      ...all.filter((n) => n.ipam && n.id !== except).map((n) => parseCidr(n.ipam!.subnet)),
    ];
    const picked = pickSubnet(inUse);
    if (!picked)
      throw failedPrecondition('could not find an available, non-overlapping IPv4 address pool');
    return picked;
  }

  /** `network rm`: refused while containers are attached, and for the predefined ones. */
  async remove(ref: string): Promise<NetworkRecord> {
    return this.store.locked(async () => {
      const n = await this.inspect(ref);
      if (n.predefined)
        throw failedPrecondition(`${n.name} is a pre-defined network and cannot be removed`);
      if (Object.keys(n.endpoints).length > 0)
        throw failedPrecondition(
          `error while removing network: network ${n.name} id ${n.id} has active endpoints`,
        );
      await this.deactivate(n);
      await this.store.remove(n.id);
      await this.syncHost();
      return n;
    });
  }

  /** `network prune`: every user network without containers. */
  async prune(filter: (n: NetworkRecord) => boolean = () => true): Promise<NetworkRecord[]> {
    return this.store.locked(async () => {
      const gone: NetworkRecord[] = [];
      for (const n of await this.store.list()) {
        if (n.predefined || Object.keys(n.endpoints).length > 0 || !filter(n)) continue;
        await this.deactivate(n);
        await this.store.remove(n.id);
        gone.push(n);
      }
      if (gone.length > 0) await this.syncHost();
      return gone;
    });
  }

  /**
   * `system reset`: every network's bridge, the firewall table, the DNS server and the records
   * go (the caller has removed the containers).
   */
  async reset(): Promise<void> {
    await this.store.locked(async () => {
      for (const n of await this.store.list()) {
        await this.deactivate(n);
        await this.store.remove(n.id);
      }
      await removeFirewall(tableName(this.root));
      await fs.rm(path.join(this.runroot, 'firewall.nft'), { force: true });
      await syncDns(this.dnsDir, []);
    });
  }

  // ---- containers ------------------------------------------------------------------------

  /** Check a container's networks when it is created (Docker refuses unknown ones then). */
  async checkAttachments(attachments: NetworkAttachment[]): Promise<void> {
    await this.ensurePredefined();
    for (const a of attachments) {
      const n = await this.store.find(a.network);
      if (!n) throw notFound(`network ${a.network} not found`);
      if (a.ipv4Address) {
        if (n.predefined)
          throw invalidArgument(
            'user specified IP address is supported on user defined networks only',
          );
        const ip = parseIpv4(a.ipv4Address);
        const plan = addressPlan(n.ipam!.subnet, n.ipam!.gateway, n.ipam!.ipRange);
        if (ip === undefined || !assignable(plan, ip))
          throw invalidArgument(
            `no configured subnet or ip-range contain the IP address ${a.ipv4Address}`,
          );
      }
    }
  }

  /**
   * Join a container's namespace to its networks: the first one carries its default route and
   * its published ports, whose host ports come back held (hand them to the monitor, then
   * release this process's copies). Undone whole on failure.
   */
  async attach(
    container: ContainerRef,
    attachments: NetworkAttachment[],
    ports: PortMapping[],
  ): Promise<{ joined: Joined[]; held: HeldPort[] }> {
    const netns = this.netnsPath(container.id);
    const held: HeldPort[] = [];
    await fs.mkdir(path.dirname(netns), { recursive: true });
    await removeNetns(netns); // a leftover of a crash
    createNetns(netns);
    try {
      return await this.store.locked(async () => {
        const joined: Joined[] = [];
        const inNamespace = ['link set lo up'];
        for (const [i, a] of attachments.entries()) {
          const j = await this.join(container, a, i, i === 0 ? ports : [], held);
          inNamespace.push(...j.inNamespace);
          joined.push(j);
        }
        const gateway = joined.find((j) => !j.network.internal)?.network.ipam?.gateway;
        if (gateway) inNamespace.push(`route add default via ${gateway}`);
        await ipBatchIn(netns, inNamespace);
        await this.syncHost();
        return { joined, held };
      });
    } catch (e) {
      for (const h of held) await h.release();
      await this.detach(container.id).catch(() => undefined);
      throw e;
    }
  }

  /** `network connect` of a running container: one more interface in its namespace. */
  async connect(container: ContainerRef, a: NetworkAttachment): Promise<Joined> {
    return this.store.locked(async () => {
      const mine = (await this.store.list()).filter((n) => n.endpoints[container.id]);
      const taken = new Set(mine.map((n) => n.endpoints[container.id]!.ifname));
      let index = 0;
      while (taken.has(`eth${index}`)) index++;
      const j = await this.join(container, a, index, []);
      try {
        await ipBatchIn(this.netnsPath(container.id), j.inNamespace);
      } catch (e) {
        await this.leave(j.network.id, container.id);
        throw e;
      }
      await this.syncHost();
      return j;
    });
  }

  /** `network disconnect` of a running container. */
  async disconnect(containerId: string, networkRef: string): Promise<void> {
    await this.store.locked(async () => {
      const n = await this.store.resolve(networkRef);
      await this.leave(n.id, containerId);
      await this.syncHost();
    });
  }

  /**
   * One network for one container (the caller holds the lock): an address, the interface in
   * the namespace (the commands to finish it there are returned), its published ports.
   */
  private async join(
    container: ContainerRef,
    a: NetworkAttachment,
    index: number,
    ports: PortMapping[],
    held: HeldPort[] = [],
  ): Promise<Joined & { inNamespace: string[] }> {
    const n = await this.store.resolve(a.network);
    if (n.driver !== 'bridge' && n.driver !== 'macvlan')
      throw invalidArgument(`container cannot be connected to network ${n.name} and others`);
    if (n.endpoints[container.id])
      throw conflict(`endpoint with name ${container.name} already exists in network ${n.name}`);
    // (a predefined bridge without a subnet has never been set up here, whatever links exist)
    if (n.driver === 'bridge' && (!linkExists(n.device!) || !n.ipam)) await this.activate(n);
    const plan = addressPlan(n.ipam!.subnet, n.ipam!.gateway, n.ipam!.ipRange);
    const used = new Set(
      Object.values(n.endpoints).map((e) => parseIpv4(e.address!.split('/')[0]!)!),
    );
    let ip: number | undefined;
    if (a.ipv4Address) {
      ip = parseIpv4(a.ipv4Address)!;
      if (used.has(ip)) throw conflict(`Address already in use: ${a.ipv4Address}`);
    } else {
      ip = allocate(plan, used);
      if (ip === undefined)
        throw failedPrecondition(`no available IPv4 addresses on network ${n.name}`);
    }
    const prefix = parseCidr(n.ipam!.subnet).prefix;
    const ifname = `eth${index}`;
    const mac = macFor(ip);
    const endpoint: Joined['endpoint'] = {
      containerId: container.id,
      containerName: container.name,
      endpointId: randomBytes(32).toString('hex'),
      address: `${formatIpv4(ip)}/${prefix}`,
      mac,
      ifname,
      // Docker's names on a user network: the container's name, its aliases, its short ID
      aliases: n.predefined
        ? []
        : [...new Set([...a.aliases, container.hostname, container.id.slice(0, 12)])],
      ports: [],
    };
    const inNamespace: string[] = [];
    const netns = this.netnsPath(container.id);
    if (n.driver === 'bridge') endpoint.hostInterface = `vb${container.id.slice(0, 10)}${index}`;
    // saved before the device is made: a failure from here on is undone by leave/detach
    n.endpoints[container.id] = endpoint;
    await this.store.save(n);
    try {
      if (endpoint.hostInterface) {
        await addVeth(endpoint.hostInterface, n.device!, netns, ifname);
      } else {
        const tmp = `mv${container.id.slice(0, 10)}${index}`;
        const { rename } = await addMacvlan(n.device!, tmp, netns, ifname);
        inNamespace.push(rename);
      }
      inNamespace.push(
        `link set ${ifname} address ${mac}`,
        `addr add ${endpoint.address} dev ${ifname}`,
        `link set ${ifname} up`,
      );
      if (ports.length > 0) {
        endpoint.ports = await this.reservePorts(formatIpv4(ip), ports, held);
        await this.store.save(n);
      }
    } catch (e) {
      await this.leave(n.id, container.id);
      throw e;
    }
    return { network: n, endpoint, inNamespace };
  }

  /** Take a container off one network (the caller holds the lock). */
  private async leave(networkId: string, containerId: string): Promise<void> {
    const n = (await this.store.list()).find((x) => x.id === networkId);
    const e = n?.endpoints[containerId];
    if (!n || !e)
      throw notFound(`container ${containerId} is not connected to network ${networkId}`);
    delete n.endpoints[containerId];
    await this.store.save(n);
    if (e.hostInterface) await deleteLink(e.hostInterface);
    if (e.ifname && e.hostInterface === undefined)
      await ipBatchIn(this.netnsPath(containerId), [`link del ${e.ifname}`]).catch(() => undefined);
  }

  /** Leave every network (idempotent): addresses, namespace, published ports, names. */
  async detach(containerId: string): Promise<void> {
    await this.store.locked(async () => {
      let changed = false;
      for (const n of await this.store.list()) {
        const e = n.endpoints[containerId];
        if (!e) continue;
        delete n.endpoints[containerId];
        await this.store.save(n);
        // its veths go with its namespace (the kernel deletes both ends): no `ip link del`
        changed = true;
      }
      await removeNetns(this.netnsPath(containerId));
      if (changed) await this.syncHost();
    });
  }

  /** The networks a container is on now, with its endpoint in each. */
  async endpointsOf(containerId: string): Promise<Joined[]> {
    return (await this.store.list())
      .filter((n) => n.endpoints[containerId])
      .map((n) => ({ network: n, endpoint: n.endpoints[containerId] as Joined['endpoint'] }));
  }

  /** Every running container's endpoints, by container ID (for listings). */
  async endpointsByContainer(): Promise<Map<string, Joined[]>> {
    const out = new Map<string, Joined[]>();
    for (const network of await this.store.list())
      for (const e of Object.values(network.endpoints)) {
        const list = out.get(e.containerId) ?? [];
        list.push({ network, endpoint: e as Joined['endpoint'] });
        out.set(e.containerId, list);
      }
    return out;
  }

  /**
   * `system check`: endpoints of containers that are not running (a monitor or berth killed
   * mid-way) and namespace files nobody uses; the firewall and DNS are rebuilt from what is
   * left. Returns what was found.
   */
  async check(live: ReadonlySet<string>, repair: boolean): Promise<string[]> {
    const found: string[] = [];
    for (const n of await this.store.list())
      for (const id of Object.keys(n.endpoints))
        if (!live.has(id)) {
          found.push(
            `network ${n.name} still has an endpoint of container ${id}, which is not running`,
          );
          if (repair) await this.detach(id);
        }
    const dir = path.dirname(this.netnsPath('x'));
    for (const f of await fs.readdir(dir).catch(() => [] as string[]))
      if (!live.has(f)) {
        found.push(`network namespace of a container that is not running: ${path.join(dir, f)}`);
        if (repair) await removeNetns(path.join(dir, f));
      }
    if (repair) await this.store.locked(() => this.syncHost(true));
    return found;
  }

  /**
   * A bridge network's first use: its bridge, forwarding, and (for `bridge`) a subnet that is
   * free now. It stays up, like docker0, until the network is removed (or `system reset`).
   */
  private async activate(n: NetworkRecord): Promise<void> {
    await withFileLock(HOST_LOCK, async () => {
      if (n.driver === 'macvlan') return;
      if (n.predefined && !n.ipam && linkExists(n.device!)) {
        // a bridge named for this root that its records never set up: left by an earlier root
        // at the same path, deleted without `system reset`; made afresh
        await dropForward(n.device!);
        await deleteLink(n.device!);
      }
      if (n.predefined && !linkExists(n.device!)) {
        const all = await this.store.list();
        const inUse = await hostRoutes();
        const current = n.ipam && parseCidr(n.ipam.subnet);
        if (!current || inUse.some((u) => overlaps(u, current))) {
          const subnet = await this.freeSubnet(all, n.id);
          n.ipam = { subnet: formatCidr(subnet), gateway: formatIpv4((subnet.base + 1) >>> 0) };
          await this.store.save(n);
        }
      }
      const prefix = parseCidr(n.ipam!.subnet).prefix;
      await ensureBridge(n.device!, `${n.ipam!.gateway}/${prefix}`);
      await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
      await allowLocalnet(n.device!);
      await acceptForward(n.device!);
    });
  }

  private async deactivate(n: NetworkRecord): Promise<void> {
    if (n.driver !== 'bridge' || !linkExists(n.device!)) return;
    await dropForward(n.device!);
    await deleteLink(n.device!);
  }

  /** Firewall and DNS from the records (the caller holds the store lock). */
  private async syncHost(force = false): Promise<void> {
    const all = await this.store.list();
    const active = all.filter((n) => Object.keys(n.endpoints).length > 0);
    const bridges = all.filter((n) => n.driver === 'bridge' && linkExists(n.device!));
    await this.applyFirewall(force, {
      bridges: bridges.map((n) => ({
        device: n.device!,
        subnet: n.ipam!.subnet,
        internal: n.internal,
      })),
      ports: active.flatMap((n) =>
        Object.values(n.endpoints).flatMap((e) => (e as Joined['endpoint']).ports ?? []),
      ),
    });
    await syncDns(
      this.dnsDir,
      active
        .filter((n) => !n.predefined && n.driver === 'bridge')
        .map((n) => ({
          name: n.name,
          gateway: n.ipam!.gateway,
          records: Object.values(n.endpoints).map((e) => ({
            id: e.containerId,
            ipv4: e.address!.split('/')[0]!,
            names: [e.containerName, ...e.aliases.filter((a) => a !== e.containerName)],
          })),
        })),
    );
  }

  /**
   * The nftables table, rebuilt only when it would change: the last table applied is kept in
   * the runtime directory (`force`, for system check, rebuilds it whatever that says).
   */
  private async applyFirewall(force: boolean, state: FirewallState): Promise<void> {
    const name = tableName(this.root);
    const wanted = renderTable(name, state);
    const applied = path.join(this.runroot, 'firewall.nft');
    if (!force && (await fs.readFile(applied, 'utf8').catch(() => '')) === wanted) return;
    await fs.rm(applied, { force: true });
    await applyFirewall(name, state);
    await fs.mkdir(this.runroot, { recursive: true });
    await fs.writeFile(applied, wanted);
  }

  /**
   * Host ports for the published ports: a port another process listens on, or another
   * container publishes, is refused with Docker's message; port 0 picks a free one.
   */
  private async reservePorts(
    containerIp: string,
    ports: PortMapping[],
    held: HeldPort[],
  ): Promise<PublishedPort[]> {
    const taken = (await this.store.list()).flatMap((n) =>
      Object.values(n.endpoints).flatMap((e) => (e as Joined['endpoint']).ports ?? []),
    );
    const out: PublishedPort[] = [];
    for (const p of ports) {
      const hostIp = p.hostIp || '0.0.0.0';
      const clash = (port: number) =>
        [...taken, ...out].some(
          (t) =>
            t.protocol === p.protocol &&
            t.hostPort === port &&
            (t.hostIp === hostIp || t.hostIp === '0.0.0.0' || hostIp === '0.0.0.0'),
        );
      let hostPort: number | undefined;
      const candidates = p.hostPortEnd
        ? Array.from({ length: p.hostPortEnd - p.hostPort + 1 }, (_, k) => p.hostPort + k)
        : [p.hostPort];
      for (const c of candidates) {
        if (c !== 0 && clash(c)) continue;
        const got = await holdPort(hostIp, c, p.protocol).catch(() => undefined);
        if (got && !clash(got.port)) {
          held.push(got);
          hostPort = got.port;
          break;
        }
        await got?.release();
      }
      if (hostPort === undefined) {
        const shown = p.hostPortEnd ? `${p.hostPort}-${p.hostPortEnd}` : String(p.hostPort);
        throw conflict(`Bind for ${hostIp}:${shown} failed: port is already allocated`);
      }
      out.push({
        hostIp,
        hostPort,
        protocol: p.protocol,
        containerIp,
        containerPort: p.containerPort,
      });
    }
    return out;
  }
}
