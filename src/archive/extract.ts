/**
 * Safe application of a layer tarball to a snapshot directory, in overlayfs format.
 *
 * The directory receives only this layer's changes; `lowers` (top-most first) are the parent
 * layers, consulted to refuse writes through their symlinks, to copy up hardlink targets and
 * directory metadata, and to decide where a whiteout is needed. Any entry that would land
 * outside the root (absolute, `..`, through a symlink of this or a lower layer, a hardlink to
 * outside) rejects the whole layer: the caller discards the directory.
 *
 * File system calls are synchronous on purpose: a layer is thousands of tiny operations, and
 * a round trip through libuv's thread pool per call costs more than the call itself. (A server
 * that must stay responsive runs this in a worker thread.)
 */
import fs, { constants, type Stats } from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../core/errors.js';
import { lsetxattr, mknod } from '../sys/native.js';
import {
  OPAQUE_WHITEOUT,
  WHITEOUT_PREFIX,
  entryPath,
  joinRel,
  splitPath,
  unsafeEntry,
} from './entry-path.js';
import { devMajor, devMinor } from './devices.js';
import { MergedView } from './merged-view.js';
import { isWhiteout, makeWhiteout, markOpaque } from './overlay-format.js';
import type { TarHeader } from './tar-header.js';
import { readTar } from './tar-reader.js';
import type { ByteStream } from './chunk-reader.js';

export interface ApplyResult {
  /** Bytes of regular-file data written. */
  size: number;
  entries: number;
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

const lstatOrUndefined = (p: string): Stats | undefined =>
  fs.lstatSync(p, { throwIfNoEntry: false });

class LayerApplier {
  private readonly lower: MergedView;
  /** Relative directories known to be real directories of this layer. */
  private readonly dirs = new Set<string>(['']);
  /** Directory mtimes to restore after all entries are written. */
  private readonly dirTimes = new Map<string, number>();
  size = 0;
  entries = 0;
  /** The mtime of the entry being applied. */
  private currentMtime = 0;

  constructor(
    private readonly root: string,
    lowers: readonly string[],
  ) {
    this.lower = new MergedView(lowers);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** Make sure every component of `rel` is a directory of this layer, never a symlink. */
  private ensureDir(rel: string, entryName: string): void {
    if (this.dirs.has(rel)) return;
    const { parent } = splitPath(rel);
    this.ensureDir(parent, entryName);
    const p = this.abs(rel);
    const st = lstatOrUndefined(p);
    if (st?.isDirectory()) {
      this.dirs.add(rel);
      return;
    }
    if (st?.isSymbolicLink()) throw unsafeEntry(entryName, `path goes through the symlink ${rel}`);
    if (st && isWhiteout(st)) {
      // deleted earlier in this layer and now re-created: hide what the lowers had
      fs.unlinkSync(p);
      fs.mkdirSync(p, { mode: 0o755 });
      markOpaque(p);
      this.dirs.add(rel);
      return;
    }
    if (st)
      throw invalidArgument(
        `invalid layer entry ${JSON.stringify(entryName)}: ${rel} is not a directory`,
      );
    const below = this.lower.lookup(rel);
    if (below?.stat.isSymbolicLink() || below?.blockedAt) {
      const at = below.blockedAt ?? rel;
      if (below.stat.isSymbolicLink()) {
        throw unsafeEntry(entryName, `path goes through the symlink ${at} of a lower layer`);
      }
      throw invalidArgument(
        `invalid layer entry ${JSON.stringify(entryName)}: ${at} is not a directory`,
      );
    }
    if (below && !below.stat.isDirectory()) {
      throw invalidArgument(
        `invalid layer entry ${JSON.stringify(entryName)}: ${rel} is not a directory`,
      );
    }
    fs.mkdirSync(p, { mode: 0o755 });
    if (below) {
      // copy-up of the directory's metadata, as overlayfs would do
      fs.chownSync(p, below.stat.uid, below.stat.gid);
      fs.chmodSync(p, below.stat.mode & 0o7777);
      this.dirTimes.set(rel, below.stat.mtimeMs / 1000);
    } else {
      // a parent the tarball never listed: stamp it like the entry that needed it, so the same
      // tarball always gives the same snapshot (and the same layer digest when re-written)
      this.dirTimes.set(rel, this.currentMtime);
    }
    this.dirs.add(rel);
  }

  /** Remove whatever this layer has at `rel`, unless both old and new are directories. */
  private clear(rel: string, keepDir: boolean): void {
    const p = this.abs(rel);
    const st = lstatOrUndefined(p);
    if (!st) return;
    if (keepDir && st.isDirectory()) return;
    fs.rmSync(p, { recursive: true, force: true });
    if (st.isDirectory()) {
      for (const d of this.dirs) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
    }
  }

  private setMetadata(p: string, h: TarHeader, isLink: boolean): void {
    fs.lchownSync(p, h.uid, h.gid);
    if (!isLink) fs.chmodSync(p, h.mode & 0o7777);
    for (const [name, value] of h.xattrs) lsetxattr(p, name, value);
    if (!isLink) fs.utimesSync(p, h.mtime, h.mtime);
    else fs.lutimesSync(p, h.mtime, h.mtime);
  }

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    this.entries++;
    this.currentMtime = h.mtime;
    const rel = entryPath(h.name);
    const { parent, base } = splitPath(rel);
    if (rel === '') {
      if (h.type !== 'directory') throw unsafeEntry(h.name, 'the root must be a directory');
      this.setMetadata(this.root, h, false);
      this.dirTimes.set('', h.mtime);
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(h.name, parent, base);
    this.ensureDir(parent, h.name);
    const p = this.abs(rel);
    switch (h.type) {
      case 'directory':
        this.clear(rel, true);
        if (!lstatOrUndefined(p)) fs.mkdirSync(p, { mode: 0o700 });
        this.dirs.add(rel);
        this.setMetadata(p, h, false);
        this.dirTimes.set(rel, h.mtime);
        return;
      case 'file':
        this.clear(rel, false);
        await this.writeFile(p, h, body);
        return;
      case 'symlink':
        this.clear(rel, false);
        fs.symlinkSync(h.linkname, p);
        this.setMetadata(p, h, true);
        return;
      case 'hardlink':
        return this.hardlink(h, rel);
      case 'char':
      case 'block':
      case 'fifo': {
        this.clear(rel, false);
        const type = h.type === 'char' ? S_IFCHR : h.type === 'block' ? S_IFBLK : S_IFIFO;
        mknod(p, type | (h.mode & 0o7777), h.devmajor, h.devminor);
        this.setMetadata(p, h, false);
        return;
      }
      default:
        throw invalidArgument(
          `unsupported layer entry ${JSON.stringify(h.name)}: tar type '${h.typeflag}'`,
        );
    }
  }

  private async writeFile(p: string, h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    // O_EXCL: never open through something that is already there
    const fd = fs.openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      for await (const chunk of body) {
        for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
        this.size += chunk.length;
      }
      fs.fchownSync(fd, h.uid, h.gid);
      fs.fchmodSync(fd, h.mode & 0o7777);
    } finally {
      fs.closeSync(fd);
    }
    for (const [name, value] of h.xattrs) lsetxattr(p, name, value);
    fs.utimesSync(p, h.mtime, h.mtime);
  }

  private hardlink(h: TarHeader, rel: string): void {
    const target = entryPath(h.linkname);
    if (target === '') throw unsafeEntry(h.name, 'hardlink to the root');
    if (target === rel) throw unsafeEntry(h.name, 'hardlink to itself');
    this.ensureDir(splitPath(target).parent, h.name);
    const targetPath = this.abs(target);
    const own = lstatOrUndefined(targetPath);
    this.clear(rel, false);
    const p = this.abs(rel);
    if (own && !own.isDirectory() && !isWhiteout(own)) {
      fs.linkSync(targetPath, p);
      return;
    }
    const below = own ? undefined : this.lower.lookup(target);
    if (!below || below.blockedAt || below.stat.isDirectory()) {
      throw invalidArgument(
        `invalid layer entry ${JSON.stringify(h.name)}: hardlink target ${JSON.stringify(h.linkname)} does not exist in the layer or below`,
      );
    }
    // overlayfs cannot link across layers: copy the lower file up, keeping its metadata
    const st = below.stat;
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(below.path), p);
    else if (st.isFile()) {
      fs.copyFileSync(below.path, p);
      this.size += st.size;
    } else mknod(p, st.mode, devMajor(st.rdev), devMinor(st.rdev));
    fs.lchownSync(p, st.uid, st.gid);
    if (!st.isSymbolicLink()) {
      fs.chmodSync(p, st.mode & 0o7777);
      fs.utimesSync(p, st.atime, st.mtime);
    }
  }

  private whiteout(name: string, parent: string, base: string): void {
    this.ensureDir(parent, name);
    if (base === OPAQUE_WHITEOUT) {
      markOpaque(this.abs(parent));
      return;
    }
    const hidden = base.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..' || hidden.startsWith(WHITEOUT_PREFIX)) {
      throw unsafeEntry(name, 'whiteout of an invalid name');
    }
    const rel = joinRel(parent, hidden);
    this.clear(rel, false);
    // only lowers need hiding; in a base layer a whiteout has nothing to hide
    if (this.lower.lookup(rel)) makeWhiteout(this.abs(rel));
  }

  /** Directory mtimes last, deepest first, since writing into a directory changes its mtime. */
  finish(): void {
    const entries = [...this.dirTimes].sort(([a], [b]) => b.length - a.length);
    for (const [rel, mtime] of entries) fs.utimesSync(this.abs(rel), mtime, mtime);
  }
}

/**
 * Apply an (uncompressed) layer tar stream to `root`. On error the directory is left as it is:
 * it is a private temporary directory, and the caller removes it.
 */
export async function applyLayer(
  root: string,
  tar: ByteStream,
  lowers: readonly string[] = [],
): Promise<ApplyResult> {
  const applier = new LayerApplier(root, lowers);
  for await (const { header, body } of readTar(tar)) await applier.apply(header, body);
  applier.finish();
  return { size: applier.size, entries: applier.entries };
}
