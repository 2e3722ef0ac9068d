/**
 * Extracting archive entries into a directory, with Docker's rules for cp (moby
 * pkg/archive `Untar` with NoOverwriteDirNonDir): missing parents are made, an existing file is
 * replaced, an existing directory is merged with a directory entry, and a directory is never
 * replaced by a non-directory nor the other way round.
 *
 * Every entry is placed through a ScopedFs: its parents are resolved inside the scope, so a
 * symlink (one that was there, or one the archive made) never leads outside it. For a container
 * the scope is its root (Docker extracts in a chroot); for the host it is the destination
 * directory itself. The last component is never followed: an existing symlink is replaced.
 */
import fs, { constants } from 'node:fs';
import path from 'node:path';
import type { HeaderInput } from '../archive/tar-header.js';
import type { WriteEntry } from '../archive/tar-writer.js';
import { invalidArgument } from '../core/errors.js';
import { lsetxattr, mknod } from '../sys/native.js';
import type { ScopedFs } from './scoped-fs.js';

export interface ExtractOptions {
  /** Owner of what is written: each entry's own ids, fixed ids, or (absent) whoever runs berth. */
  owner?: 'entry' | { uid: number; gid: number };
  /** Throws when a (resolved) path may not be written, as a read-only mount. */
  checkWritable?: (p: string) => void;
}

const DEVICE_TYPES = { char: constants.S_IFCHR, block: constants.S_IFBLK, fifo: constants.S_IFIFO };
const WRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const quote = (s: string) => JSON.stringify(s);

/** An entry's name relative to the destination (`.` for the destination itself). */
function relativeName(name: string, shownDest: string): string {
  const rel = path.posix.normalize(name).replace(/^\/+/, '').replace(/\/+$/, '') || '.';
  if (rel === '..' || rel.startsWith('../'))
    throw invalidArgument(`${quote(name)} is outside of ${quote(shownDest)}`);
  return rel;
}

async function writeFile(host: string, entry: WriteEntry): Promise<void> {
  const fd = fs.openSync(host, WRITE_FLAGS, 0o600);
  let written = 0;
  try {
    for await (const chunk of entry.body ?? []) {
      for (let off = 0; off < chunk.length;) off += fs.writeSync(fd, chunk, off);
      written += chunk.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (written !== entry.header.size)
    throw invalidArgument(`${entry.header.name} changed size while it was copied`);
}

function setXattrs(host: string, xattrs: Map<string, Buffer> | undefined): void {
  for (const [name, value] of xattrs ?? []) {
    try {
      lsetxattr(host, name, value);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EPERM') throw e;
    }
  }
}

/**
 * Owner, mode and xattrs of what was just made. Files and directories are opened without
 * following a symlink, so that nothing swapped in meanwhile is changed instead.
 */
function setMetadata(host: string, h: HeaderInput, owner?: { uid: number; gid: number }): void {
  if (h.type === 'symlink') {
    if (owner) fs.lchownSync(host, owner.uid, owner.gid);
  } else if (h.type === 'file' || h.type === 'directory') {
    const dir = h.type === 'directory' ? constants.O_DIRECTORY : 0;
    const fd = fs.openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | dir);
    try {
      if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
      fs.fchmodSync(fd, h.mode & 0o7777);
    } finally {
      fs.closeSync(fd);
    }
  } else {
    if (owner) fs.lchownSync(host, owner.uid, owner.gid);
    fs.chmodSync(host, h.mode & 0o7777);
  }
  setXattrs(host, h.xattrs);
}

/**
 * Extract `entries` into `dest`, a resolved, existing directory of `view`. Directory mtimes are
 * set last, since writing into a directory changes its mtime.
 */
export async function extractEntries(
  view: ScopedFs,
  dest: string,
  entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>,
  opts: ExtractOptions = {},
): Promise<void> {
  const dirTimes: [string, number][] = [];
  const shownDest = view.display(dest);
  for await (const entry of entries) {
    const h = entry.header;
    const rel = relativeName(h.name, shownDest);
    let at = dest;
    if (rel !== '.') {
      const parent = view.resolve(path.posix.join(dest, path.posix.dirname(rel)), true);
      opts.checkWritable?.(parent);
      view.mkdirAll(parent);
      at = path.posix.join(parent, path.posix.basename(rel));
      opts.checkWritable?.(at);
    }
    const host = view.hostPath(at);
    const isDir = h.type === 'directory';
    const existing = view.lstat(at);
    if (existing) {
      const shown = quote(view.display(at));
      if (existing.isDirectory() && !isDir)
        throw invalidArgument(
          `cannot overwrite directory ${shown} with non-directory ${quote(shownDest)}`,
        );
      if (!existing.isDirectory() && isDir)
        throw invalidArgument(
          `cannot overwrite non-directory ${shown} with directory ${quote(shownDest)}`,
        );
      if (rel === '.') continue; // the destination keeps its own metadata
      if (!isDir) {
        if (view.isMountPoint(at)) throw invalidArgument(`cannot replace mount point ${shown}`);
        fs.rmSync(host, { force: true });
      }
    }
    switch (h.type) {
      case 'directory':
        if (!existing) fs.mkdirSync(host, { mode: 0o700 });
        break;
      case 'file':
        await writeFile(host, entry);
        break;
      case 'symlink':
        fs.symlinkSync(h.linkname ?? '', host);
        break;
      case 'hardlink': {
        const target = view.resolve(
          path.posix.join(dest, relativeName(h.linkname ?? '', shownDest)),
          false,
        );
        const st = view.lstat(target);
        if (!st || st.isDirectory())
          throw invalidArgument(`invalid hardlink ${quote(h.name)} -> ${quote(h.linkname ?? '')}`);
        fs.linkSync(view.hostPath(target), host);
        continue; // the target's owner, mode and times are the link's
      }
      default:
        mknod(host, DEVICE_TYPES[h.type] | (h.mode & 0o7777), h.devmajor ?? 0, h.devminor ?? 0);
    }
    const owner = opts.owner === 'entry' ? { uid: h.uid, gid: h.gid } : opts.owner;
    setMetadata(host, h, owner);
    if (isDir) dirTimes.push([host, h.mtime]);
    else fs.lutimesSync(host, h.mtime, h.mtime);
  }
  for (const [host, mtime] of dirTimes) fs.lutimesSync(host, mtime, mtime);
}
