/**
 * Tar entries of a file tree, and entries of a tar stream, in one shape (`WriteEntry`), so that
 * cp and export can write them as a tar or extract them without a tar in between.
 *
 * A tree is read through a ScopedFs, so it may span the container's mounts. Order is Go's
 * filepath.Walk order (depth first, names sorted by bytes), as Docker writes its archives;
 * owners are numeric, mtimes whole seconds, a file seen twice (same inode) is a hardlink to its
 * first name, and sockets are skipped as Docker skips them.
 */
import fs, { createReadStream, type Stats } from 'node:fs';
import path from 'node:path';
import { devMajor, devMinor } from '../archive/devices.js';
import type { ByteStream } from '../archive/chunk-reader.js';
import type { HeaderInput } from '../archive/tar-header.js';
import { readTar } from '../archive/tar-reader.js';
import type { WriteEntry } from '../archive/tar-writer.js';
import { contentXattrs } from '../archive/xattrs.js';
import { invalidArgument } from '../core/errors.js';
import type { ScopedFs } from './scoped-fs.js';

const SMALL_FILE = 1 << 20;

/** Names in Go's order: by their bytes. */
export const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The entry for one file (undefined for a socket), given the names seen so far by inode. */
function entryOf(
  host: string,
  st: Stats,
  name: string,
  links: Map<string, string>,
): WriteEntry | undefined {
  const base = {
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: Math.floor(st.mtimeMs / 1000),
    size: 0,
    xattrs: contentXattrs(host),
  };
  if (st.isDirectory()) return { header: { ...base, name: `${name}/`, type: 'directory' } };
  if (st.isSymbolicLink())
    return { header: { ...base, name, type: 'symlink', linkname: fs.readlinkSync(host) } };
  if (st.isFIFO()) return { header: { ...base, name, type: 'fifo' } };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const type = st.isCharacterDevice() ? 'char' : 'block';
    const dev = { devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
    return { header: { ...base, name, type, ...dev } };
  }
  if (!st.isFile()) return undefined;
  const key = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1 ? links.get(key) : undefined;
  if (first !== undefined) return { header: { ...base, name, type: 'hardlink', linkname: first } };
  if (st.nlink > 1) links.set(key, name);
  const body =
    st.size <= SMALL_FILE
      ? [fs.readFileSync(host)]
      : createReadStream(host, { highWaterMark: 1 << 20 });
  return { header: { ...base, name, type: 'file', size: st.size }, body };
}

/**
 * The entries of the tree at `start` (a resolved path of `view`): `start` itself named `name`
 * (unless `includeSelf` is false), then everything below it named `name/…` (or `…` when
 * `name` is empty).
 */
export function* treeEntries(
  view: ScopedFs,
  start: string,
  name: string,
  includeSelf = true,
): Generator<WriteEntry> {
  const links = new Map<string, string>();
  function* visit(at: string, entryName: string, self: boolean): Generator<WriteEntry> {
    const host = view.hostPath(at);
    const st = fs.lstatSync(host);
    if (self) {
      const entry = entryOf(host, st, entryName, links);
      if (entry) yield entry;
    }
    if (!st.isDirectory()) return;
    for (const child of fs.readdirSync(host).sort(byteOrder)) {
      yield* visit(path.posix.join(at, child), entryName ? `${entryName}/${child}` : child, true);
    }
  }
  yield* visit(start, name, includeSelf);
}

const SUPPORTED = new Set(['file', 'hardlink', 'symlink', 'char', 'block', 'directory', 'fifo']);

/** The entries of a tar stream (a cp source given as `-`). */
export async function* tarEntries(source: ByteStream): AsyncGenerator<WriteEntry> {
  for await (const { header, body } of readTar(source)) {
    if (!SUPPORTED.has(header.type)) {
      throw invalidArgument(
        `unsupported tar entry ${JSON.stringify(header.name)}: type '${header.typeflag}'`,
      );
    }
    yield { header: header as HeaderInput, body };
  }
}

/** Regular-file bytes in a tree (what `cp` reports as copied). */
export function contentSize(view: ScopedFs, start: string): number {
  const st = view.lstat(start);
  if (!st) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const child of fs.readdirSync(view.hostPath(start)))
    total += contentSize(view, path.posix.join(start, child));
  return total;
}
