/**
 * A container's root file system: an overlay mount of the image's read-only snapshots (shared by
 * every container of the image) under the container's own upper directory. Twenty containers of
 * one image cost twenty small upper directories, not twenty copies.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { MNT_DETACH, mount, umount2 } from '../sys/native.js';

export interface RootfsPaths {
  upper: string;
  work: string;
  rootfs: string;
}

export const rootfsPaths = (containerDir: string): RootfsPaths => ({
  upper: path.join(containerDir, 'upper'),
  work: path.join(containerDir, 'work'),
  rootfs: path.join(containerDir, 'rootfs'),
});

/** Whether something is mounted at `target` (from /proc/self/mountinfo). */
export async function isMounted(target: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const escaped = target.replace(
    /[ \t\n\\]/g,
    (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
  );
  return info.split('\n').some((line) => line.split(' ')[4] === escaped);
}

/** Mount the overlay (idempotent: an existing mount is kept). `lowerDirs` top-most first. */
const MS_RDONLY = 1;

export async function mountRootfs(containerDir: string, lowerDirs: string[]): Promise<string> {
  const p = rootfsPaths(containerDir);
  for (const d of [p.upper, p.work, p.rootfs]) await fs.mkdir(d, { recursive: true, mode: 0o755 });
  if (await isMounted(p.rootfs)) return p.rootfs;
  if (lowerDirs.length === 0) throw new Error('an image needs at least one layer');
  const options = `lowerdir=${lowerDirs.join(':')},upperdir=${p.upper},workdir=${p.work}`;
  mount('overlay', p.rootfs, 'overlay', 0, options);
  return p.rootfs;
}

/** Unmount it if mounted (lazily: nothing may keep it busy once the container is gone). */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const { rootfs } = rootfsPaths(containerDir);
  if (!(await isMounted(rootfs))) return;
  try {
    umount2(rootfs, MNT_DETACH);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  }
}

/**
 * Layers as one read-only tree (COPY --from): a single layer is used as it is; several are
 * mounted as an overlay without an upper directory, under a temporary directory.
 */
export async function mountReadOnly(
  lowerDirs: string[],
): Promise<{ root: string; release: () => Promise<void> }> {
  if (lowerDirs.length === 0) {
    const root = await fs.mkdtemp('/tmp/berth-empty-');
    return { root, release: () => fs.rm(root, { recursive: true, force: true }) };
  }
  if (lowerDirs.length === 1) return { root: lowerDirs[0]!, release: () => Promise.resolve() };
  const root = await fs.mkdtemp('/tmp/berth-layers-');
  try {
    mount('overlay', root, 'overlay', MS_RDONLY, `lowerdir=${lowerDirs.join(':')}`);
  } catch (e) {
    await fs.rm(root, { recursive: true, force: true });
    throw e;
  }
  return {
    root,
    release: async () => {
      umount2(root, MNT_DETACH);
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
