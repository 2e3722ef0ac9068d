/**
 * `cp` between a container and the host, with Docker's semantics (docker/cli
 * cli/command/container/cp.go, moby daemon/archive*.go and pkg/archive/copy.go): the source is
 * archived under its own name, and that archive is extracted at the destination, renamed to the
 * destination's name when the destination is not an existing directory. `dir/.` copies the
 * contents of dir; a trailing `/` asserts a directory; `-` is a tar stream on stdout or stdin.
 *
 * Paths inside the container are resolved inside its root (ScopedFs), on the host as the host
 * resolves them. Files written into a container are owned by its root unless `archive` keeps the
 * source's owners (Docker's documented `-a`); files written on the host belong to whoever runs
 * berth, or with `archive` to the source's owners.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WriteEntry } from '../archive/tar-writer.js';
import { writeTar } from '../archive/tar-writer.js';
import { invalidArgument, notFound } from '../core/errors.js';
import { checkWritable, withContainerFs, type ContainerFs, type FileDeps } from './container-fs.js';
import { validateOutputPath } from './output-file.js';
import {
  ScopedFs,
  assertsDirectory,
  cleanPreserving,
  preserveTrailing,
  specifiesCurrentDir,
  splitDirEntry,
} from './scoped-fs.js';
import { extractEntries } from './tree-extract.js';
import { contentSize, tarEntries, treeEntries } from './tree-tar.js';

export interface CopyOptions {
  /** `-L`: copy what a symlink source points to, under the link's name. */
  followLink?: boolean;
  /** `-a`: keep the source's owners. */
  archive?: boolean;
}

export interface CopyResult {
  /** Bytes of regular-file content copied (undefined for a tar stream from stdin). */
  size?: number;
  /** The destination as Docker's "Successfully copied … to …" names it. */
  destination: string;
}

/** A copy source: a resolved path of a scope and the name its archive entries carry. */
interface Source {
  view: ScopedFs;
  path: string;
  isDir: boolean;
  name: string;
}

/** What the destination is (CopyInfo): a resolved path, and whether it exists as what. */
interface Destination {
  path: string;
  exists: boolean;
  isDir: boolean;
}

const hostView = new ScopedFs('/');
const goError = (op: string, p: string, what: string) => invalidArgument(`${op} ${p}: ${what}`);

/** An absolute host path for a user's argument, keeping a trailing `/` or `/.`. */
export const localPath = (p: string) => preserveTrailing(path.resolve(p), p);

/** The name a source's entries carry: the last component of the path as given (`.` kept). */
function entryName(p: string): string {
  if (specifiesCurrentDir(p)) return '.';
  const { base } = splitDirEntry(p);
  return base === '/' ? '.' : base;
}

/**
 * Where to extract and under which name (PrepareArchiveCopy): into an existing directory as
 * the source is named; otherwise into the destination's parent, renamed to its last component.
 */
function prepare(src: Source, dst: Destination): { dir: string; name: string } {
  if (dst.exists && dst.isDir) return { dir: dst.path, name: src.name };
  if (dst.exists && src.isDir) throw invalidArgument('cannot copy directory');
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path))
    throw invalidArgument('no such directory');
  const { dir, base } = splitDirEntry(dst.path);
  return { dir, name: base };
}

/** Rename the entries of a source from `from` to `to` (RebaseArchiveEntries). */
async function* renamed(
  entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>,
  from: string,
  to: string,
) {
  const swap = (n: string) =>
    n === from || n.startsWith(`${from}/`) ? to + n.slice(from.length) : n;
  for await (const e of entries) {
    const h = e.header;
    yield {
      ...e,
      header: {
        ...h,
        name: swap(h.name),
        linkname: h.type === 'hardlink' ? swap(h.linkname ?? '') : h.linkname,
      },
    };
  }
}

const sourceEntries = (src: Source, name: string) =>
  renamed(treeEntries(src.view, src.path, src.name), src.name, name);

// ---- from a container --------------------------------------------------------------------

/** The source in the container (containerArchivePath; `-L` as the CLI does it). */
function containerSource(
  c: ContainerFs,
  container: string,
  srcPath: string,
  follow: boolean,
  toStream: boolean,
): Source {
  const abs = cleanPreserving(`/${srcPath}`);
  const resolved = c.view.resolve(abs, follow || assertsDirectory(abs));
  const st = c.view.lstat(resolved);
  if (!st) throw notFound(`Could not find the file ${srcPath} in container ${container}`);
  if (assertsDirectory(abs) && !st.isDirectory()) throw goError('lstat', abs, 'not a directory');
  // a followed link is named as the link, except in a raw stream (Docker renames on extraction)
  const name = follow && toStream ? entryName(resolved) : entryName(abs);
  return { view: c.view, path: resolved, isDir: st.isDirectory(), name };
}

/** The destination on the host (CopyInfoDestinationPath): symlinks followed, parent must exist. */
function hostDestination(p: string): Destination {
  let at = p;
  for (let n = 0; ; n++) {
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (!st) break;
    if (!st.isSymbolicLink()) return { path: at, exists: true, isDir: st.isDirectory() };
    if (n >= 10) throw invalidArgument(`too many symlinks in ${p}`);
    const target = fs.readlinkSync(at);
    at = path.isAbsolute(target) ? target : path.join(splitDirEntry(at).dir, target);
  }
  const parent = splitDirEntry(at).dir;
  const st = fs.statSync(parent, { throwIfNoEntry: false });
  if (!st) throw goError('stat', parent, 'no such file or directory');
  if (!st.isDirectory()) throw invalidArgument('not a directory');
  return { path: at, exists: false, isDir: false };
}

/**
 * `cp CONTAINER:SRC DEST`: `dest` a host path, or a stream that receives a tar of the source.
 */
export async function copyFromContainer(
  d: FileDeps,
  container: string,
  srcPath: string,
  dest: string | Writable,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const dstPath = typeof dest === 'string' ? localPath(dest) : undefined;
  if (dstPath) validateOutputPath(dstPath);
  return withContainerFs(d, container, async (c) => {
    const src = containerSource(c, container, srcPath, opts.followLink ?? false, !dstPath);
    const size = contentSize(src.view, src.path);
    if (!dstPath) {
      await pipeline(
        Readable.from(writeTar(treeEntries(src.view, src.path, src.name))),
        dest as Writable,
        { end: false },
      );
      return { size, destination: '-' };
    }
    const { dir, name } = prepare(src, hostDestination(dstPath));
    const target = new ScopedFs(dir, [], (p) => path.join(dir, p));
    await extractEntries(target, '/', sourceEntries(src, name), {
      owner: opts.archive ? 'entry' : undefined,
    });
    return { size, destination: dstPath };
  });
}

// ---- into a container --------------------------------------------------------------------

/** The source on the host (CopyInfoSourcePath): a missing source is an error. */
function hostSource(p: string, follow: boolean): Source {
  const abs = localPath(p);
  const resolved = hostView.resolve(abs, follow || assertsDirectory(abs));
  const st = hostView.lstat(resolved);
  if (!st) throw goError('lstat', abs.replace(/(.)\/+$/, '$1'), 'no such file or directory');
  if (assertsDirectory(abs) && !st.isDirectory()) throw goError('lstat', abs, 'not a directory');
  return { view: hostView, path: resolved, isDir: st.isDirectory(), name: entryName(abs) };
}

/** The destination in the container as the CLI stats it: a final symlink is followed. */
function containerDestination(c: ContainerFs, container: string, dstPath: string): Destination {
  const abs = cleanPreserving(`/${dstPath}`);
  let at = c.view.resolve(abs, assertsDirectory(abs));
  let st = c.view.lstat(at);
  const link = st?.isSymbolicLink();
  if (link) {
    at = c.view.resolve(at, true);
    st = c.view.lstat(at);
  }
  if (!st) return { path: link ? at : abs, exists: false, isDir: false }; // a link: its target
  if (st.isCharacterDevice() || st.isBlockDevice())
    throw invalidArgument(
      `destination "${container}:${dstPath}" must be a directory or a regular file: got a device`,
    );
  return {
    path: assertsDirectory(abs) && at !== '/' ? `${at}/` : at,
    exists: true,
    isDir: st.isDirectory(),
  };
}

/** `cp SRC CONTAINER:DEST`: `src` a host path, or a tar stream to extract at DEST. */
export async function copyToContainer(
  d: FileDeps,
  container: string,
  dstPath: string,
  src: string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const source = typeof src === 'string' ? hostSource(src, opts.followLink ?? false) : undefined;
  return withContainerFs(d, container, async (c) => {
    const dst = containerDestination(c, container, dstPath);
    let dir: string;
    let entries: AsyncIterable<WriteEntry>;
    if (source) {
      const prepared = prepare(source, dst);
      dir = prepared.dir;
      entries = sourceEntries(source, prepared.name);
    } else {
      if (!dst.isDir)
        throw invalidArgument(`destination "${container}:${dstPath}" must be a directory`);
      dir = dst.path;
      entries = tarEntries(src as AsyncIterable<Uint8Array> | Iterable<Uint8Array>);
    }
    // the extraction point (containerExtractToDir): every symlink followed, a directory
    const at = c.view.resolve(dir, true);
    const st = c.view.lstat(at);
    if (!st) throw notFound(`Could not find the file ${dir} in container ${container}`);
    if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
    checkWritable(c, at);
    await extractEntries(c.view, at, entries, {
      owner: opts.archive ? 'entry' : { uid: 0, gid: 0 },
      checkWritable: (p) => checkWritable(c, p),
    });
    return {
      size: source ? contentSize(source.view, source.path) : undefined,
      destination: `${container}:${dst.path}`,
    };
  });
}
