/**
 * Named volumes (the `local` driver): a directory that outlives the containers using it.
 *
 *   volumes/<name>/_data        the volume's files (what containers mount)
 *   volumes/<name>/volume.json  { name, driver, labels, options, createdAt }
 *
 * Which containers use a volume is the engine's business (it knows the containers); this store
 * only keeps the volumes themselves.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { conflict, invalidArgument, notFound } from '../core/errors.js';
import { readJsonFile, writeFileAtomic } from '../sys/atomic-file.js';
import { withFileLock } from '../sys/lock.js';

export interface Volume {
  name: string;
  driver: 'local';
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string;
  /** Where its files are on the host. */
  mountpoint: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export class VolumeStore {
  constructor(readonly root: string) {}

  private dir(name: string): string {
    return path.join(this.root, name);
  }

  private lock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.root, '.lock'), fn);
  }

  async get(name: string): Promise<Volume | undefined> {
    if (!NAME.test(name)) return undefined;
    const v = await readJsonFile<Omit<Volume, 'mountpoint'>>(
      path.join(this.dir(name), 'volume.json'),
    );
    return v && { ...v, mountpoint: path.join(this.dir(name), '_data') };
  }

  async inspect(name: string): Promise<Volume> {
    const v = await this.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  async list(): Promise<Volume[]> {
    const names = await fs.readdir(this.root).catch(() => [] as string[]);
    const vols = await Promise.all(names.map((n) => this.get(n)));
    return vols
      .filter((v): v is Volume => v !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Create a volume (an anonymous one gets a random 64-hex name). Creating one that exists
   * returns it, as Docker does. `created` tells whether it is new (for copy-up).
   */
  async create(
    name: string | undefined,
    opts: {
      labels?: Record<string, string>;
      driver?: string;
      options?: Record<string, string>;
    } = {},
  ): Promise<{ volume: Volume; created: boolean }> {
    const n = name ?? randomBytes(32).toString('hex');
    if (!NAME.test(n)) {
      throw invalidArgument(
        `create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    if (opts.driver && opts.driver !== 'local')
      throw invalidArgument(`volume driver ${opts.driver} is not supported (only local)`);
    if (opts.options && Object.keys(opts.options).length > 0) {
      throw invalidArgument(
        `volume options are not supported by berth's local driver: ${Object.keys(opts.options).join(', ')}`,
      );
    }
    return this.lock(async () => {
      const existing = await this.get(n);
      if (existing) return { volume: existing, created: false };
      await fs.mkdir(path.join(this.dir(n), '_data'), { recursive: true, mode: 0o755 });
      const v = {
        name: n,
        driver: 'local' as const,
        labels: opts.labels ?? {},
        options: {},
        createdAt: new Date().toISOString(),
      };
      await writeFileAtomic(path.join(this.dir(n), 'volume.json'), JSON.stringify(v));
      return { volume: { ...v, mountpoint: path.join(this.dir(n), '_data') }, created: true };
    });
  }

  /** Remove a volume; `inUseBy` lists the containers using it (then it is refused). */
  async remove(name: string, inUseBy: string[]): Promise<void> {
    await this.inspect(name);
    if (inUseBy.length > 0) {
      throw conflict(`remove ${name}: volume is in use - [${inUseBy.join(', ')}]`);
    }
    await this.lock(async () => {
      const trash = path.join(this.root, `.rm-${process.pid}-${randomBytes(4).toString('hex')}`);
      await fs.rename(this.dir(name), trash);
      await fs.rm(trash, { recursive: true, force: true });
    });
  }

  /** Bytes used by a volume's files. */
  async size(name: string): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) total += (await fs.lstat(p)).size;
      }
    };
    await walk(path.join(this.dir(name), '_data'));
    return total;
  }
}
