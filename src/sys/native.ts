/**
 * Typed access to the native addon (native/berth_native.c): the system calls Node.js lacks.
 *
 * The addon is loaded on first use, not at import, so commands that never need it pay nothing.
 * It is found by walking up from this module's directory to `native/build/Release/`, which works
 * both from source (src/sys/) and from the bundle (dist/); `BERTH_NATIVE` names the file
 * explicitly. Failures throw Errors shaped like node:fs errors (`code`, `errno`, `syscall`,
 * `path`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BerthError } from '../core/errors.js';

/** A lock operation for {@link flock}: shared, exclusive, or unlock. */
export type FlockOp = 'sh' | 'ex' | 'un';

interface NativeAddon {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Uint8Array): void;
  lgetxattr(path: string, name: string): Buffer | undefined;
  lremovexattr(path: string, name: string): void;
  llistxattr(path: string): string[];
  flock(fd: number, op: FlockOp, nonBlocking: boolean): boolean;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount2(target: string, flags: number): void;
  netnsCreate(path: string): void;
  readdirStats(path: string): [string[], Float64Array];
}

const RELATIVE = path.join('native', 'build', 'Release', 'berth_native.node');
let addon: NativeAddon | undefined;

/** Where the addon would be loaded from, or undefined when it cannot be found. */
export function nativeAddonPath(): string | undefined {
  const override = process.env['BERTH_NATIVE'];
  if (override) return existsSync(override) ? path.resolve(override) : undefined;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function load(): NativeAddon {
  if (addon) return addon;
  const file = nativeAddonPath();
  if (!file) {
    const where = process.env['BERTH_NATIVE']
      ? ` (BERTH_NATIVE=${process.env['BERTH_NATIVE']})`
      : '';
    throw new BerthError(
      'FailedPrecondition',
      `native addon not built${where}: run npm run build:native`,
    );
  }
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (e) {
    throw new BerthError(
      'FailedPrecondition',
      `native addon ${file} failed to load (${(e as Error).message}): run npm run build:native`,
      { cause: e },
    );
  }
  return addon;
}

/**
 * Creates a device node or FIFO. `mode` includes the file type (`fs.constants.S_IFCHR`,
 * `S_IFBLK`, `S_IFIFO`) and the permission bits (subject to the umask).
 */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  load().mknod(path, mode, major, minor);
}

/** Sets an extended attribute on `path` itself, never following a final symlink. */
export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  load().lsetxattr(path, name, value);
}

/** Reads an extended attribute of `path` itself; undefined when the attribute is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  return load().lgetxattr(path, name);
}

/** Removes an extended attribute of `path` itself; one that is not set is no error. */
export function lremovexattr(path: string, name: string): void {
  load().lremovexattr(path, name);
}

/** Lists the extended attribute names of `path` itself (those the caller may see). */
export function llistxattr(path: string): string[] {
  return load().llistxattr(path);
}

/**
 * flock(2) on an open file descriptor. With `nonBlocking`, returns false instead of waiting when
 * a conflicting lock is held; otherwise it blocks the whole thread, so the event loop should
 * only ever use the non-blocking form (see sys/lock.ts).
 */
export function flock(fd: number, op: FlockOp, nonBlocking: boolean): boolean {
  return load().flock(fd, op, nonBlocking);
}

/** mount(2) flags berth uses. */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MNT_DETACH = 0x2;

/** mount(2): `fstype` and `data` may be empty strings. */
export function mount(
  source: string,
  target: string,
  fstype: string,
  flags: number,
  data: string,
): void {
  load().mount(source, target, fstype, flags, data);
}

/** umount2(2). */
export function umount2(target: string, flags = 0): void {
  load().umount2(target, flags);
}

/**
 * Creates a new, empty network namespace pinned by a bind mount on `path` (created here; it
 * must not exist), as `ip netns add` does. Undo with umount2(path, MNT_DETACH) and unlink.
 */
export function netnsCreate(path: string): void {
  load().netnsCreate(path);
}

/** The lstat fields berth reads, as both fs.Stats and readdirStats give them. */
export interface FileStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  dev: number;
  ino: number;
  nlink: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

const S_IFMT = 0o170000;

/** One entry of readdirStats. */
class EntryStat implements FileStat {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly dev: number;
  readonly ino: number;
  readonly nlink: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;

  constructor(f: Float64Array, at: number) {
    this.mode = f[at]!;
    this.uid = f[at + 1]!;
    this.gid = f[at + 2]!;
    this.size = f[at + 3]!;
    this.dev = f[at + 4]!;
    this.ino = f[at + 5]!;
    this.nlink = f[at + 6]!;
    this.atimeMs = f[at + 8]!;
    this.mtimeMs = f[at + 9]!;
    this.ctimeMs = f[at + 10]!;
  }

  isFile(): boolean {
    return (this.mode & S_IFMT) === 0o100000;
  }

  isDirectory(): boolean {
    return (this.mode & S_IFMT) === 0o040000;
  }

  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === 0o120000;
  }
}

/** Numbers per entry in readdirStats' array (native/berth_native.c, READDIR_FIELDS). */
const READDIR_FIELDS = 12;

/**
 * A directory's entries with their lstat, in one call (readdir order; an entry removed meanwhile
 * is left out): for walks of many files, where fs.lstatSync's Stats objects cost more than the
 * system calls.
 */
export function readdirStats(dir: string): { name: string; stat: FileStat }[] {
  const [names, fields] = load().readdirStats(dir);
  return names.map((name, i) => ({ name, stat: new EntryStat(fields, i * READDIR_FIELDS) }));
}
