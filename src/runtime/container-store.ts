/**
 * Container records: one directory per container under the state root.
 *
 *   containers/<id>/container.json   what the container is (config, host config, mounts, state)
 *   containers/<id>/upper, work      its overlay upper and work directories
 *   containers/<id>/rootfs           where its root file system is mounted while it runs
 *   containers/<id>/config.json      its OCI runtime spec (the directory is the bundle)
 *   containers/<id>/hostname|hosts|resolv.conf   per-container files bind-mounted into it
 *   containers/<id>/<id>-json.log    its log, in Docker's json-file format
 *   containers.lock                  taken by every change, so names stay unique
 *
 * Records are written atomically; readers never see a half-written one.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { conflict, notFound } from '../core/errors.js';
import { readJsonFile, writeFileAtomic } from '../sys/atomic-file.js';
import { withFileLock } from '../sys/lock.js';
import type { ContainerRecord } from './container-record.js';

export class ContainerStore {
  private readonly lockFile: string;

  constructor(readonly root: string) {
    this.lockFile = path.join(root, '..', 'metadata', 'containers.lock');
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  private file(id: string): string {
    return path.join(this.root, id, 'container.json');
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    return readJsonFile<ContainerRecord>(this.file(id));
  }

  async list(): Promise<ContainerRecord[]> {
    const ids = await fs.readdir(this.root).catch(() => [] as string[]);
    const records = await Promise.all(
      ids.filter((i) => /^[0-9a-f]{64}$/.test(i)).map((i) => this.get(i)),
    );
    return records.filter((r): r is ContainerRecord => r !== undefined);
  }

  /** Find a container by full ID, exact name, or unique ID prefix, as Docker does. */
  async resolve(input: string): Promise<ContainerRecord> {
    const name = input.startsWith('/') ? input.slice(1) : input;
    if (/^[0-9a-f]{64}$/.test(input)) {
      const r = await this.get(input);
      if (r) return r;
    }
    const all = await this.list();
    const byName = all.find((r) => r.name === name);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(input)) {
      const matches = all.filter((r) => r.id.startsWith(input));
      if (matches.length > 1) throw conflict(`multiple IDs found with provided prefix: ${input}`);
      if (matches.length === 1) return matches[0]!;
    }
    throw notFound(`No such container: ${input}`);
  }

  /** Run `fn` with every container record locked against other writers. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockFile, fn);
  }

  /** Add a record; its name must be free (the caller holds the lock). */
  async add(record: ContainerRecord, existing?: ContainerRecord[]): Promise<void> {
    checkNameFree(record.name, existing ?? (await this.list()));
    await fs.mkdir(this.dir(record.id), { recursive: true, mode: 0o710 });
    await writeFileAtomic(this.file(record.id), JSON.stringify(record));
  }

  async save(record: ContainerRecord): Promise<void> {
    await writeFileAtomic(this.file(record.id), JSON.stringify(record));
  }

  /** Change a record under the lock. */
  async update(
    id: string,
    fn: (r: ContainerRecord) => void | Promise<void>,
  ): Promise<ContainerRecord> {
    return this.locked(async () => {
      const r = await this.get(id);
      if (!r) throw notFound(`No such container: ${id}`);
      await fn(r);
      await this.save(r);
      return r;
    });
  }

  async remove(id: string): Promise<void> {
    // a monitor that is still finishing (its last log line, its exit record) may write into the
    // directory while it goes: ENOTEMPTY then means try again, a few times
    await fs.rm(this.dir(id), { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
}

/** Docker's conflict for a name in use (the caller holds the lock while it matters). */
export function checkNameFree(name: string, existing: readonly ContainerRecord[]): void {
  const clash = existing.find((r) => r.name === name);
  if (clash) {
    throw conflict(
      `Conflict. The container name "/${name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }
}
