/**
 * How a snapshot directory records deletions, in overlayfs' own format so that it can be a
 * lower or upper directory as it is: a whiteout is a character device 0/0, an opaque directory
 * carries the xattr `trusted.overlay.opaque=y`.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import {
  lgetxattr,
  llistxattr,
  lremovexattr,
  lsetxattr,
  mknod,
  readdirStats,
} from '../sys/native.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
const S_IFCHR = 0o020000;

export const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

export function isOpaque(path: string): boolean {
  return lgetxattr(path, OPAQUE_XATTR)?.toString() === 'y';
}

export function markOpaque(path: string): void {
  lsetxattr(path, OPAQUE_XATTR, Buffer.from('y'));
}

export function makeWhiteout(path: string): void {
  mknod(path, S_IFCHR | 0o000, 0, 0);
}

/** xattrs that describe the overlay itself, never content. */
export const isOverlayXattr = (name: string) => name.startsWith('trusted.overlay.');

/**
 * Make an unmounted overlay upper directory a snapshot directory, in place: the overlay's own
 * bookkeeping (origin, impure, uuid, redirect… xattrs, which point at the old lower layers) is
 * removed, opaque markers and whiteouts stay. Returns the bytes of the regular files in it.
 */
export function adoptUpperDir(dir: string): number {
  let bytes = 0;
  const clean = (p: string) => {
    for (const name of llistxattr(p))
      if (isOverlayXattr(name) && name !== OPAQUE_XATTR) lremovexattr(p, name);
  };
  const visit = (d: string) => {
    clean(d);
    for (const { name, stat } of readdirStats(d)) {
      const p = path.join(d, name);
      if (stat.isDirectory()) visit(p);
      else {
        if (stat.isFile()) bytes += stat.size;
        clean(p);
      }
    }
  };
  visit(dir);
  return bytes;
}
