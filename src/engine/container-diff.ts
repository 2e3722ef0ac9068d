/**
 * `diff`: what a container changed, from its overlay upper directory, as Docker reports it
 * (moby pkg/archive/changes.go `changes` with `overlayDeletedFile`): a whiteout is a deletion,
 * an entry the image has is a change, anything else an addition; a directory the image has with
 * the same metadata is not reported itself, but is reported (once, as changed) before the first
 * file added to or deleted from it. Order is Go's walk order.
 *
 * Docker keeps the mount points it makes for every container (/etc/hosts, /proc…) in a separate
 * "init" layer, so they never show. berth has no such layer: runc makes them in the upper
 * directory, and they are left out here (and from commits) by the same rule.
 */
import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { MergedView } from '../archive/merged-view.js';
import { isOpaque, isWhiteout } from '../archive/overlay-format.js';
import { rootfsPaths } from '../runtime/rootfs.js';
import type { FileDeps } from './container-fs.js';
import { byteOrder } from './tree-tar.js';

export type ChangeKind = 'C' | 'A' | 'D';

export interface Change {
  kind: ChangeKind;
  path: string;
}

/** Docker's init-layer paths: mount points every container gets. */
const INIT_PATHS = new Set([
  '/.dockerenv',
  '/dev',
  '/dev/console',
  '/dev/pts',
  '/dev/shm',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/mtab',
  '/etc/resolv.conf',
  '/proc',
  '/sys',
]);
const isInitAncestor = (p: string) =>
  p === '/' || [...INIT_PATHS].some((i) => i.startsWith(`${p}/`));

const rel = (p: string) => p.slice(1);

/** One container's upper directory over its image's layers. */
export class UpperScan {
  readonly lower: MergedView;
  private readonly kids = new Map<string, string[]>();

  constructor(
    readonly upper: string,
    lowerDirs: string[],
  ) {
    this.lower = new MergedView(lowerDirs);
  }

  stat(p: string): Stats {
    return fs.lstatSync(path.join(this.upper, p));
  }

  /** Names in an upper directory, in Go's order. */
  children(p: string): string[] {
    let names = this.kids.get(p);
    if (!names) {
      names = fs.readdirSync(path.join(this.upper, p)).sort(byteOrder);
      this.kids.set(p, names);
    }
    return names;
  }

  /**
   * Whether the upper entry at `p` is only what the runtime made for a mount: an empty file or
   * directory at an init path that the image does not have, or a directory made to hold such.
   */
  madeByRuntime(p: string): boolean {
    if (!isInitAncestor(p) && !INIT_PATHS.has(p)) return false;
    if (this.lower.lookup(rel(p))) return false;
    const st = this.stat(p);
    if (st.isDirectory()) {
      const names = this.children(p);
      if (!INIT_PATHS.has(p) && names.length === 0) return false;
      return names.every((n) => this.madeByRuntime(path.posix.join(p, n)));
    }
    return INIT_PATHS.has(p) && st.isFile() && st.size === 0;
  }

  /** Whether a directory holds something the runtime made (then its mtime tells nothing). */
  holdsRuntimeEntries(p: string): boolean {
    return (
      isInitAncestor(p) && this.children(p).some((n) => this.madeByRuntime(path.posix.join(p, n)))
    );
  }

  /** Whether a directory the image has is the same in the upper directory. */
  sameDirectory(p: string, st: Stats, below: Stats): boolean {
    const sameMeta = st.mode === below.mode && st.uid === below.uid && st.gid === below.gid;
    if (!sameMeta) return false;
    return this.holdsRuntimeEntries(p) || Math.floor(st.mtimeMs) === Math.floor(below.mtimeMs);
  }

  /**
   * Upper entries a commit leaves out: what the runtime made, and directories the image has
   * that are in the upper directory only because the runtime made something in them.
   */
  runtimeOnly(): Set<string> {
    const out = new Set<string>();
    const visit = (p: string): boolean => {
      let only = true;
      for (const n of this.children(p)) {
        const c = path.posix.join(p, n);
        if (this.madeByRuntime(c)) out.add(c);
        else if (!isInitAncestor(c) || !this.stat(c).isDirectory()) only = false;
        else if (visit(c) && this.unchangedDir(c)) out.add(c);
        else only = false;
      }
      return only;
    };
    visit('/');
    return out;
  }

  private unchangedDir(p: string): boolean {
    const below = this.lower.lookup(rel(p));
    if (!below?.stat.isDirectory()) return false;
    const st = this.stat(p);
    const same = st.mode === below.stat.mode && st.uid === below.stat.uid;
    return same && st.gid === below.stat.gid && !isOpaque(path.join(this.upper, p));
  }

  /** The changes, as Docker lists them. */
  changes(): Change[] {
    const out: Change[] = [];
    const changedDirs = new Set<string>();
    const visit = (dir: string) => {
      for (const name of this.children(dir)) {
        const p = path.posix.join(dir, name);
        if (this.madeByRuntime(p)) continue;
        const st = this.stat(p);
        const kind = this.kindOf(p, st);
        if (kind) {
          if (st.isDirectory()) changedDirs.add(p);
          const parent = path.posix.dirname(p);
          if (kind !== 'C' && parent !== '/' && !changedDirs.has(parent)) {
            out.push({ kind: 'C', path: parent });
            changedDirs.add(parent);
          }
          out.push({ kind, path: p });
        }
        if (st.isDirectory()) visit(p);
      }
    };
    visit('/');
    return out;
  }

  private kindOf(p: string, st: Stats): ChangeKind | undefined {
    if (isWhiteout(st)) return 'D';
    const below = this.lower.lookup(rel(p));
    if (st.isDirectory() && below && isOpaque(path.join(this.upper, p))) return 'D'; // as Docker
    if (!below) return 'A';
    if (st.isDirectory() && below.stat.isDirectory() && this.sameDirectory(p, st, below.stat))
      return undefined;
    return 'C';
  }
}

/** Open the scan of a container's upper directory. */
export async function scanContainer(d: FileDeps, idOrName: string): Promise<UpperScan> {
  const { record } = await d.containers.view(idOrName);
  const { upper } = rootfsPaths(d.containers.containers.dir(record.id));
  const lowers = await d.stores.snapshots.lowerDirs(record.chainId);
  fs.mkdirSync(upper, { recursive: true, mode: 0o755 });
  return new UpperScan(upper, lowers);
}

/** `diff CONTAINER`. */
export async function containerChanges(d: FileDeps, idOrName: string): Promise<Change[]> {
  return (await scanContainer(d, idOrName)).changes();
}
