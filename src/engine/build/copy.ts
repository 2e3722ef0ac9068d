/**
 * COPY and ADD as a layer, without a container: the sources (from the build context, or from
 * another stage's or image's file system) are copied into a new snapshot directory on top of
 * the current image, owned by root (or --chown), with --chmod applied; the directories on the
 * way to the destination keep the mode and owner the image gives them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SMALL_LAYER_FILE } from '../../archive/layer-writer.js';
import { MergedView } from '../../archive/merged-view.js';
import { invalidArgument } from '../../core/errors.js';
import { readdirStats, type FileStat } from '../../sys/native.js';

export interface CopySource {
  /** The directory sources are relative to (the context, or a stage's root). */
  root: string;
  /**
   * .dockerignore's verdict on a relative path (context only): `exclude` leaves it out but walks
   * a directory (a `!` pattern may take back something inside), `prune` skips it whole.
   */
  decide?: (rel: string, isDir: boolean) => 'keep' | 'exclude' | 'prune';
}

/** A file to copy: where it is, and where it goes (relative to the destination). */
export interface CopyItem {
  host: string;
  rel: string;
  /** Its lstat, taken once by the walk. */
  st?: FileStat;
  /** Its path relative to the source root (the name --explain-cache gives). */
  from?: string;
}

const lstat = (p: string) => fs.lstatSync(p);

const hasWildcard = (p: string) => /[*?[]/.test(p);

/** A glob segment as a RegExp (Go's filepath.Match: *, ?, [...]). */
function segmentRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw invalidArgument(`syntax error in pattern: ${glob}`);
      re += '[' + glob.slice(i + 1, end).replace(/^!/, '^') + ']';
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) re += '\\' + glob[++i];
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The relative paths a source names (wildcards expanded), or an error when none exists. */
export function resolveSource(src: CopySource, pattern: string): string[] {
  const clean = path.posix
    .normalize('/' + pattern)
    .slice(1)
    .replace(/\/$/, '');
  if (!hasWildcard(clean)) {
    if (clean !== '' && !fs.existsSync(path.join(src.root, clean)))
      throw invalidArgument(`failed to compute cache key: "/${clean}": not found`);
    if (
      clean !== '' &&
      src.decide?.(clean, false) === 'exclude' &&
      !fs.statSync(path.join(src.root, clean)).isDirectory()
    )
      throw invalidArgument(
        `failed to compute cache key: "/${clean}": not found (excluded by .dockerignore)`,
      );
    return [clean];
  }
  let matches = [''];
  for (const seg of clean.split('/')) {
    const next: string[] = [];
    for (const base of matches) {
      if (!hasWildcard(seg)) {
        const rel = base ? `${base}/${seg}` : seg;
        if (fs.existsSync(path.join(src.root, rel))) next.push(rel);
        continue;
      }
      const re = segmentRegExp(seg);
      const dir = path.join(src.root, base);
      for (const name of fs.readdirSync(dir).sort()) {
        const rel = base ? `${base}/${name}` : name;
        if (re.test(name) && (src.decide?.(rel, false) ?? 'keep') === 'keep') next.push(rel);
      }
    }
    matches = next;
  }
  if (matches.length === 0)
    throw invalidArgument(
      `failed to compute cache key: no source files were specified by "${pattern}"`,
    );
  return matches;
}

/** Every file under a source path, depth first in name order, skipping excluded ones. */
function walk(
  src: CopySource,
  rel: string,
  into: string,
  out: CopyItem[],
  keep = true,
  st: FileStat = lstat(path.join(src.root, rel)),
): void {
  const host = path.join(src.root, rel);
  if (keep) out.push({ host, rel: into, st, from: rel });
  if (!st.isDirectory()) return;
  const entries = readdirStats(host).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const { name, stat } of entries) {
    const child = rel ? `${rel}/${name}` : name;
    const verdict = src.decide?.(child, stat.isDirectory()) ?? 'keep';
    if (verdict === 'prune') continue;
    walk(src, child, into ? `${into}/${name}` : name, out, verdict === 'keep', stat);
  }
}

/**
 * What a COPY copies: each source path and where it lands relative to the destination.
 * Docker's rules: a directory source copies its contents; a file lands at the destination
 * itself unless it is a directory (ends with `/`, or several sources).
 */
export function copyItems(
  src: CopySource,
  sources: string[],
  destIsDir: boolean,
  /** COPY --parents: each source keeps its path (from the root) under the destination. */
  parents = false,
): { items: CopyItem[]; destIsDir: boolean } {
  const resolved = sources.flatMap((s) => resolveSource(src, s));
  const asDir = destIsDir || resolved.length > 1 || parents;
  if (resolved.length > 1 && !destIsDir)
    throw invalidArgument(
      'When using COPY with more than one source file, the destination must be a directory and end with a /',
    );
  const items: CopyItem[] = [];
  for (const rel of resolved) {
    const host = path.join(src.root, rel);
    if (fs.lstatSync(host).isDirectory()) {
      const inner: CopyItem[] = [];
      walk(src, rel, parents ? rel : '', inner);
      items.push(...inner.filter((i) => i.rel !== ''));
      if (inner.length === 1 && !parents) items.push({ host, rel: '' }); // an empty directory: just the destination
    } else {
      items.push({ host, rel: parents ? rel : asDir ? path.posix.basename(rel) : '' });
    }
  }
  return { items, destIsDir: asDir };
}

/**
 * File digests remembered by identity (device, inode, size, mtime and ctime): a file
 * whose identity has not changed is not read again (a no-change rebuild hashes nothing).
 */
export type DigestMemo = Map<string, string>;

function fileDigest(host: string, st: FileStat, memo: DigestMemo | undefined): string {
  // the times as floating-point milliseconds keep their nanoseconds to within ~0.2 µs
  const id = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const known = memo?.get(id);
  if (known) return known;
  const digest = createHash('sha256').update(fs.readFileSync(host)).digest('hex');
  memo?.set(id, digest);
  return digest;
}

/** The cache key part of a COPY: names, modes, sizes and contents of what it reads (no times). */
export function contentDigest(
  items: CopyItem[],
  memo?: DigestMemo,
  /** Filled with each file's own digest by its path under `root` (for --explain-cache). */
  files?: Record<string, string>,
  root = '/',
): string {
  const h = createHash('sha256');
  for (const i of items) {
    const st = i.st ?? lstat(i.host);
    const content = st.isFile()
      ? fileDigest(i.host, st, memo)
      : st.isSymbolicLink()
        ? fs.readlinkSync(i.host)
        : '';
    h.update(`${i.rel}\0${st.mode}\0${content}\0`);
    if (files) files[i.from ?? path.relative(root, i.host)] = `${st.mode.toString(8)}:${content}`;
  }
  return h.digest('hex');
}

/** What a copy wrote: its bytes, and the small files' contents for the layer writer. */
export interface Written {
  bytes: number;
  /** Small files' contents by their path in the layer (so the layer tar need not read them). */
  bodies: Map<string, Buffer>;
}

/** At most this much is kept for the tar; beyond it the layer writer reads files again. */
const BODIES_LIMIT = 64 << 20;

/**
 * Fill `layerDir` (an empty snapshot directory) with the copy: the destination's parents as
 * the image has them, then the items. Nothing is written through a symlink: a later source that
 * lands on an earlier one's name replaces it, and one that would land under a symlink this copy
 * made is refused (it would point out of the layer).
 */
export function writeCopy(
  layerDir: string,
  lowers: string[],
  dest: string,
  items: CopyItem[],
  opts: { uid: number; gid: number; chmod?: number },
): Written {
  const view = new MergedView(lowers);
  // the parents of the destination, with the image's metadata (new ones: 0755 root)
  const parts = dest.split('/').filter(Boolean);
  for (let i = 1; i < parts.length + (items.every((x) => x.rel !== '') ? 1 : 0); i++) {
    const rel = parts.slice(0, i).join('/');
    const dir = path.join(layerDir, rel);
    const found = view.lookup(rel);
    fs.mkdirSync(dir, { recursive: true });
    if (found?.stat.isDirectory()) {
      fs.chmodSync(dir, found.stat.mode & 0o7777);
      fs.lchownSync(dir, found.stat.uid, found.stat.gid);
      fs.utimesSync(dir, found.stat.atime, found.stat.mtime);
    } else {
      fs.chmodSync(dir, 0o755);
      fs.lchownSync(dir, 0, 0);
    }
  }
  const out: Written = { bytes: 0, bodies: new Map() };
  let kept = 0;
  const made = new Set<string>(); // directories known to exist: one mkdir each, not one per file
  const links: string[] = []; // symlinks this copy made (layer paths)
  for (const item of items) {
    const rel = path.posix.join(dest, item.rel);
    const target = path.join(layerDir, rel);
    out.bodies.delete(rel); // an earlier source's body for this name is replaced
    const st = item.st ?? fs.lstatSync(item.host);
    if (links.length > 0) {
      // a directory on a symlink's name would be made (and chmod-ed) through it too
      const through = links.find((l) => (rel === l ? st.isDirectory() : rel.startsWith(l + '/')));
      if (through)
        throw invalidArgument(`cannot copy to "/${rel}": "/${through}" is a symbolic link`);
    }
    const parent = path.dirname(target);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const mode = opts.chmod ?? st.mode & 0o7777;
    if (st.isDirectory()) {
      made.add(target);
      fs.mkdirSync(target, { recursive: true });
      fs.chmodSync(target, mode);
      fs.lchownSync(target, opts.uid, opts.gid);
      fs.utimesSync(target, st.atimeMs / 1000, st.mtimeMs / 1000);
    } else if (st.isSymbolicLink()) {
      replace(target, () => fs.symlinkSync(fs.readlinkSync(item.host), target));
      fs.lchownSync(target, opts.uid, opts.gid);
      links.push(rel);
    } else if (st.isFile()) {
      if (st.size > SMALL_LAYER_FILE) {
        replace(target, () => fs.copyFileSync(item.host, target, fs.constants.COPYFILE_EXCL));
        fs.lchownSync(target, opts.uid, opts.gid);
        fs.chmodSync(target, mode);
        fs.utimesSync(target, st.atimeMs / 1000, st.mtimeMs / 1000);
      } else {
        const body = fs.readFileSync(item.host);
        const fd = replace(target, () => fs.openSync(target, 'wx', 0o600));
        try {
          fs.writeFileSync(fd, body); // all of it (a single write may be short)
          fs.fchownSync(fd, opts.uid, opts.gid);
          fs.fchmodSync(fd, mode); // after the owner: chown clears set-id bits
          fs.futimesSync(fd, st.atimeMs / 1000, st.mtimeMs / 1000);
        } finally {
          fs.closeSync(fd);
        }
        if (kept + body.length <= BODIES_LIMIT) {
          out.bodies.set(rel, body);
          kept += body.length;
        }
      }
      out.bytes += st.size;
    } // devices, sockets and fifos are not copied
  }
  return out;
}

/** Make `target` with `make`; an entry already there (an earlier source's) is removed first. */
function replace<T>(target: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    fs.rmSync(target, { recursive: true, force: true });
    return make();
  }
}
