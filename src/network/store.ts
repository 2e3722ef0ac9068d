/**
 * Networks and their endpoints, on disk:
 *
 *   networks/<id>.json   one network: driver, address plan, options, and its endpoints (the
 *                        containers attached now, each with its address)
 *   networks/.lock       every change happens under it (addresses are handed out here)
 *
 * The predefined networks (bridge, host, none) are made on first use, as Docker has them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { conflict, invalidArgument, notFound } from '../core/errors.js';
import { readJsonFile, writeFileAtomic } from '../sys/atomic-file.js';
import { withFileLock } from '../sys/lock.js';
import type { PublishedPort } from './firewall.js';

export type NetworkDriver = 'bridge' | 'macvlan' | 'host' | 'null';

/** A container's attachment to a network. */
export interface Endpoint {
  containerId: string;
  containerName: string;
  endpointId: string;
  /** The container's address, with the prefix length ("172.18.0.2/16"); none for host/null. */
  address?: string;
  mac?: string;
  /** Names it answers to on this network besides its own (--network-alias, --hostname). */
  aliases: string[];
  /** The host side of its veth pair (bridge driver). */
  hostInterface?: string;
  /** Its interface in the container (eth0, eth1…). */
  ifname?: string;
  /** Host ports published to it (the container's first network only). */
  ports?: PublishedPort[];
}

export interface NetworkRecord {
  id: string;
  name: string;
  driver: NetworkDriver;
  created: string;
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** subnet/gateway/range (bridge and macvlan). */
  ipam?: { subnet: string; gateway: string; ipRange?: string };
  /** The bridge device (bridge) or parent interface (macvlan). */
  device?: string;
  /** bridge, host and none: made by berth, never removed. */
  predefined: boolean;
  endpoints: Record<string, Endpoint>;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const PREDEFINED = ['bridge', 'host', 'none'] as const;

export class NetworkStore {
  constructor(readonly root: string) {}

  private file(id: string): string {
    return path.join(this.root, `${id}.json`);
  }

  /** Run `fn` with every network change excluded (across berth processes). */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.root, '.lock'), fn);
  }

  async list(): Promise<NetworkRecord[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const all = await Promise.all(
      names
        .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
        .map((n) => readJsonFile<NetworkRecord>(path.join(this.root, n))),
    );
    return all.filter((n): n is NetworkRecord => n !== undefined);
  }

  /** By full name, full ID, or unique ID prefix (Docker's order). */
  async find(ref: string): Promise<NetworkRecord | undefined> {
    const all = await this.list();
    const byName = all.find((n) => n.name === ref);
    if (byName) return byName;
    const byId = all.find((n) => n.id === ref);
    if (byId) return byId;
    const prefixed = ref.length > 0 ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (prefixed.length > 1) throw invalidArgument(`network ${ref} is ambiguous`);
    return prefixed[0];
  }

  async resolve(ref: string): Promise<NetworkRecord> {
    const n = await this.find(ref);
    if (!n) throw notFound(`network ${ref} not found`);
    return n;
  }

  /** Save a network (the caller holds the lock). */
  async save(n: NetworkRecord): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    await writeFileAtomic(this.file(n.id), JSON.stringify(n, null, 2) + '\n');
  }

  /** A new network record (the caller holds the lock and has checked its plan). */
  async add(
    n: Omit<NetworkRecord, 'id' | 'created' | 'endpoints' | 'predefined'> & {
      predefined?: boolean;
    },
  ): Promise<NetworkRecord> {
    if (!NAME.test(n.name))
      throw invalidArgument(
        `invalid network name "${n.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    if ((await this.list()).some((x) => x.name === n.name))
      throw conflict(`network with name ${n.name} already exists`);
    const record: NetworkRecord = {
      ...n,
      predefined: n.predefined ?? false,
      id: randomBytes(32).toString('hex'),
      created: new Date().toISOString(),
      endpoints: {},
    };
    await this.save(record);
    return record;
  }

  async remove(id: string): Promise<void> {
    await fs.rm(this.file(id), { force: true });
  }
}
