/**
 * Snapshots: unpacked layers, one read-only directory per chain ID, in overlayfs format.
 *
 *   snapshots/<chain hex>/fs          the layer's own files (lowerdir material)
 *   snapshots/<chain hex>/meta.json   { chainId, parent, diffId, size, created }
 *   snapshots/tmp/<pid>-<rand>/       an unpacking in progress
 *
 * A snapshot becomes visible only by an atomic rename of a complete directory, so a crash
 * never leaves a half-unpacked snapshot under a chain ID. Mounting is not done here: callers
 * get lower directories (data) and mount them where they need them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { digestHex, type Digest } from '../core/digest.js';
import { notFound } from '../core/errors.js';
import { applyLayer } from '../archive/extract.js';
import { fsyncDir, readJsonFile, writeFileAtomic } from '../sys/atomic-file.js';
import { ownerPid, processAlive } from '../sys/process.js';
import { drain } from '../sys/streams.js';

export interface SnapshotInfo {
  chainId: Digest;
  parent?: Digest;
  diffId: Digest;
  /** Bytes of file data in this layer. */
  size: number;
  created: string;
}

/** A snapshot being prepared in a private directory. */
export interface PendingSnapshot {
  /** The directory to fill (it becomes `fs`). */
  dir: string;
  /** Publish it under its chain ID; if that exists already, this copy is discarded. */
  commit(info: Omit<SnapshotInfo, 'created'>): Promise<SnapshotInfo>;
  /** Throw it away. */
  discard(): Promise<void>;
}

export class SnapshotStore {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  private dirOf(chainId: Digest): string {
    return path.join(this.root, digestHex(chainId));
  }

  /** The directory with a snapshot's files. */
  fsDir(chainId: Digest): string {
    return path.join(this.dirOf(chainId), 'fs');
  }

  async info(chainId: Digest): Promise<SnapshotInfo | undefined> {
    return readJsonFile<SnapshotInfo>(path.join(this.dirOf(chainId), 'meta.json'));
  }

  async has(chainId: Digest): Promise<boolean> {
    return (await this.info(chainId)) !== undefined;
  }

  /** The lower directories of a chain, top-most first (overlayfs `lowerdir` order). */
  async lowerDirs(chainId: Digest | undefined): Promise<string[]> {
    const dirs: string[] = [];
    for (let id = chainId; id !== undefined;) {
      const info = await this.info(id);
      if (!info) throw notFound(`snapshot ${id} not found`);
      dirs.push(this.fsDir(id));
      id = info.parent;
    }
    return dirs;
  }

  /** Start a snapshot in a private temporary directory. */
  async prepare(): Promise<PendingSnapshot> {
    const work = path.join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const dir = path.join(work, 'fs');
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    const discard = () => fs.rm(work, { recursive: true, force: true });
    return {
      dir,
      discard,
      commit: async (base) => {
        const info: SnapshotInfo = { ...base, created: new Date().toISOString() };
        if (await this.has(info.chainId)) {
          await discard();
          return (await this.info(info.chainId))!;
        }
        await writeFileAtomic(path.join(work, 'meta.json'), JSON.stringify(info));
        try {
          await fs.rename(work, this.dirOf(info.chainId));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
          await discard(); // another process published the same chain first
        }
        await fsyncDir(this.root);
        return (await this.info(info.chainId))!;
      },
    };
  }

  /**
   * Unpack a layer (an uncompressed tar stream) on top of `parent`, unless the chain is
   * unpacked already (then the stream is drained). `diffId` is checked by the caller, who
   * hashes the stream; `verify` runs after unpacking and before publishing.
   */
  async unpack(
    tar: AsyncIterable<Uint8Array>,
    ids: { chainId: Digest; parent?: Digest; diffId: Digest },
    verify: () => void = () => undefined,
  ): Promise<SnapshotInfo> {
    const existing = await this.info(ids.chainId);
    if (existing) {
      await drain(tar);
      verify();
      return existing;
    }
    const lowers = await this.lowerDirs(ids.parent);
    const pending = await this.prepare();
    try {
      const { size } = await applyLayer(pending.dir, tar, lowers);
      verify();
      return await pending.commit({ ...ids, size });
    } catch (e) {
      await pending.discard();
      throw e;
    }
  }

  async remove(chainId: Digest): Promise<void> {
    const dir = this.dirOf(chainId);
    // rename first so a half-removed snapshot is never visible under its chain ID
    const trash = path.join(this.tmpDir, `${process.pid}-rm-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(this.tmpDir, { recursive: true });
    try {
      await fs.rename(dir, trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await fs.rm(trash, { recursive: true, force: true });
  }

  async list(): Promise<SnapshotInfo[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch {
      return [];
    }
    const out: SnapshotInfo[] = [];
    for (const n of names) {
      if (n === 'tmp') continue;
      const info = await readJsonFile<SnapshotInfo>(path.join(this.root, n, 'meta.json'));
      if (info) out.push(info);
    }
    return out;
  }

  /** Directories under the snapshot root that are not complete snapshots (crash leftovers). */
  async strays(): Promise<string[]> {
    const out: string[] = [];
    for (const n of await fs.readdir(this.root).catch(() => [] as string[])) {
      if (n === 'tmp') continue;
      if (!(await readJsonFile(path.join(this.root, n, 'meta.json'))))
        out.push(path.join(this.root, n));
    }
    for (const n of await fs.readdir(this.tmpDir).catch(() => [] as string[])) {
      if (!processAlive(ownerPid(n))) out.push(path.join(this.tmpDir, n));
    }
    return out;
  }
}
