/**
 * Paths inside a container, resolved as the container itself sees them: symlinks are followed
 * relative to the container's root (an absolute target starts again at the root, `..` stops at
 * it), and the container's bind mounts (volumes, binds, /etc/hosts…) lead to their host
 * directories. Nothing a container wrote can make a path leave its root. The same resolver with
 * root `/` and no mounts is the host's own view, and rooted at a directory it keeps an archive's
 * entries inside that directory.
 *
 * Paths given to and returned by this class are absolute, in the scope's terms (`/etc/passwd`);
 * `hostPath` turns a resolved one into the path to open.
 */
import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { invalidArgument } from '../core/errors.js';

export interface ScopeMount {
  /** Where the container sees it (absolute, symlinks resolved). */
  destination: string;
  /** The host directory or file. */
  source: string;
  readOnly: boolean;
}

const MAX_LINKS = 255;

const parts = (p: string) => p.split('/').filter((x) => x !== '' && x !== '.');

export class ScopedFs {
  private readonly mounts: ScopeMount[];

  /**
   * @param root the host directory that is `/` in this scope
   * @param mounts mounts inside it; their destinations are resolved here, as runc resolved them
   * @param label how paths are named in messages (default: as they are in the scope)
   */
  constructor(
    readonly root: string,
    mounts: ScopeMount[] = [],
    private readonly label: (p: string) => string = (p) => p,
  ) {
    const bare = mounts.length > 0 ? new ScopedFs(root) : undefined;
    this.mounts = mounts
      .map((m) => ({ ...m, destination: bare!.resolve(m.destination, true) }))
      .sort((a, b) => b.destination.length - a.destination.length);
  }

  /** A path as messages should show it. */
  display(p: string): string {
    return this.label(p);
  }

  /** The mount a resolved path lies in, or undefined for the root file system. */
  mountOf(p: string): ScopeMount | undefined {
    return this.mounts.find((m) => p === m.destination || p.startsWith(`${m.destination}/`));
  }

  /** Whether a resolved path is exactly a mount point. */
  isMountPoint(p: string): boolean {
    return this.mounts.some((m) => m.destination === p);
  }

  /** The host path of a resolved path. */
  hostPath(p: string): string {
    const m = this.mountOf(p);
    return m ? path.join(m.source, p.slice(m.destination.length)) : path.join(this.root, p);
  }

  /** lstat of a resolved path; undefined when it does not exist (or a parent is no directory). */
  lstat(p: string): Stats | undefined {
    try {
      return fs.lstatSync(this.hostPath(p));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  /**
   * Resolve the symlinks of `p` inside the scope: every component but the last, and the last
   * too when `followFinal`. Components that do not exist are kept as they are. Returns a clean
   * absolute path.
   */
  resolve(p: string, followFinal: boolean): string {
    let resolved: string[] = [];
    let pending = parts(p);
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const candidate = [...resolved, part];
      if (pending.length === 0 && !followFinal) {
        resolved = candidate;
        break;
      }
      const at = `/${candidate.join('/')}`;
      if (this.lstat(at)?.isSymbolicLink()) {
        if (++links > MAX_LINKS)
          throw invalidArgument(`too many levels of symbolic links: ${this.display(p)}`);
        const target = fs.readlinkSync(this.hostPath(at));
        if (target.startsWith('/')) resolved = [];
        pending = [...parts(target), ...pending];
        continue;
      }
      resolved = candidate;
    }
    return `/${resolved.join('/')}`;
  }

  /** Create the missing directories of a resolved path (0755, owned by whoever runs berth). */
  mkdirAll(p: string): void {
    let at = '';
    for (const part of parts(p)) {
      at = this.resolve(`${at}/${part}`, true);
      const st = this.lstat(at);
      if (!st) fs.mkdirSync(this.hostPath(at), { mode: 0o755 });
      else if (!st.isDirectory()) throw invalidArgument(`${this.display(at)}: not a directory`);
    }
  }
}

// ---- Docker's path rules for cp (moby pkg/archive/copy.go) -------------------------------

/** Whether the last component of `p` is `.` (`dir/.` means the directory's contents). */
export function specifiesCurrentDir(p: string): boolean {
  const trimmed = p.replace(/(.)\/+$/, '$1');
  return trimmed === '.' || trimmed.endsWith('/.');
}

/** Whether `p` asserts a directory: a trailing `/` or a last component `.`. */
export const assertsDirectory = (p: string) => p.endsWith('/') || specifiesCurrentDir(p);

/** Add back to a cleaned path the trailing `/` or `/.` the original had (Docker's rule). */
export function preserveTrailing(clean: string, original: string): string {
  let out = clean;
  if (specifiesCurrentDir(original) && !specifiesCurrentDir(out))
    out += out.endsWith('/') ? '.' : '/.';
  if (original.endsWith('/') && !out.endsWith('/')) out += '/';
  return out;
}

/** Clean `p` lexically (as Go's filepath.Clean), keeping a trailing `/` or `/.`. */
export function cleanPreserving(p: string): string {
  const clean = path.posix.normalize(p);
  return preserveTrailing(clean.length > 1 ? clean.replace(/\/$/, '') : clean, p);
}

/** The directory and the entry name of `p`, keeping a final `.` (SplitPathDirEntry). */
export function splitDirEntry(p: string): { dir: string; base: string } {
  const clean = path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  if (specifiesCurrentDir(p)) return { dir: clean, base: '.' };
  return { dir: path.posix.dirname(clean), base: path.posix.basename(clean) || '/' };
}
