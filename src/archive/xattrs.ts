/** The extended attributes that are content (not overlayfs' own bookkeeping, not SELinux labels). */
import { lgetxattr, llistxattr } from '../sys/native.js';
import { isOverlayXattr } from './overlay-format.js';

/** A file's content xattrs, sorted by name; undefined when it has none (or the file system has none). */
export function contentXattrs(p: string): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = llistxattr(p).filter((n) => !isOverlayXattr(n) && n !== 'security.selinux');
  } catch {
    return undefined; // a file system without xattrs
  }
  if (names.length === 0) return undefined;
  const map = new Map<string, Buffer>();
  for (const n of names.sort()) {
    const v = lgetxattr(p, n);
    if (v) map.set(n, v);
  }
  return map;
}
