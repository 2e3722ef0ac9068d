/**
 * A container's file system for cp, export and commit, running or not. A running container's
 * root file system is mounted already; for a stopped one the overlay is mounted for the time of
 * the operation and unmounted after it, whatever happens. A lock per container keeps two such
 * operations from unmounting under each other.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidArgument } from '../core/errors.js';
import type { RuntimeSpec } from '../core/runtime-spec.js';
import type { Stores } from '../image/stores.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import { isMounted, mountRootfs, rootfsPaths, unmountRootfs } from '../runtime/rootfs.js';
import { withFileLock } from '../sys/lock.js';
import type { ContainerService } from './containers.js';
import { ScopedFs, type ScopeMount } from './scoped-fs.js';

/** What a file operation on a container needs: the containers and the image stores. */
export interface FileDeps {
  containers: ContainerService;
  stores: Stores;
}

const LOCK_TIMEOUT_MS = 10 * 60_000;

const CLEANUP_WAIT_MS = 10_000;

const active = (status: string) =>
  status === 'running' || status === 'paused' || status === 'restarting';

/**
 * When a container exits, its monitor has `berth container cleanup` unmount its root file
 * system, a moment later: wait for that (it would unmount a mount made meanwhile), or do it
 * when it never comes (a monitor killed with -9).
 */
async function settle(d: FileDeps, id: string): Promise<void> {
  const deadline = Date.now() + CLEANUP_WAIT_MS;
  for (;;) {
    const stored = await d.containers.containers.get(id);
    if (!stored || !active(stored.state.status)) return; // cleaned up, or never started
    if (active((await d.containers.view(id)).state.status)) return; // running
    if (Date.now() > deadline) return d.containers.cleanup(id, { remove: false });
    await sleep(50);
  }
}

/**
 * Run `fn` with the container's root file system mounted (at `containers/<id>/rootfs`). When
 * berth mounted it for `fn`, it unmounts it after, unless the container was started meanwhile
 * (the mount is then the container's, and its own cleanup unmounts it).
 */
export async function withRootfs<T>(
  d: FileDeps,
  record: ContainerRecord,
  fn: (rootfs: string) => Promise<T>,
): Promise<T> {
  const dir = d.containers.containers.dir(record.id);
  await settle(d, record.id);
  await d.containers.view(record.id); // gone meanwhile (--rm): No such container
  const run = async () => {
    await d.containers.view(record.id);
    const { rootfs } = rootfsPaths(dir);
    if (await isMounted(rootfs)) return fn(rootfs);
    await mountRootfs(dir, await d.stores.snapshots.lowerDirs(record.chainId));
    try {
      return await fn(rootfs);
    } finally {
      const now = await d.containers.view(record.id).catch(() => undefined);
      if (!now || !active(now.state.status)) await unmountRootfs(dir);
    }
  };
  return withFileLock(path.join(dir, 'fs.lock'), run, { timeoutMs: LOCK_TIMEOUT_MS });
}

/** The container's bind mounts (volumes, binds, its /etc files) from its runtime spec. */
async function bindMounts(dir: string): Promise<ScopeMount[]> {
  const text = await fs.readFile(path.join(dir, 'config.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const spec = JSON.parse(text) as RuntimeSpec;
  return spec.mounts
    .filter((m) => m.type === 'bind')
    .map((m) => ({
      destination: m.destination,
      source: m.source,
      readOnly: m.options.includes('ro'),
    }));
}

/** A container's file system as its processes see it: the root plus its bind mounts. */
export interface ContainerFs {
  record: ContainerRecord;
  view: ScopedFs;
}

/**
 * Run `fn` on the named container's file system (mounted for the time of `fn` when the
 * container is not running). Volumes and bind mounts are seen where the container sees them;
 * tmpfs mounts are not (their content lives only inside the running container).
 */
export async function withContainerFs<T>(
  d: FileDeps,
  idOrName: string,
  fn: (c: ContainerFs) => Promise<T>,
): Promise<T> {
  const { record } = await d.containers.view(idOrName);
  return withRootfs(d, record, async (rootfs) => {
    const mounts = await bindMounts(d.containers.containers.dir(record.id));
    return fn({ record, view: new ScopedFs(rootfs, mounts) });
  });
}

/** Docker's checks before writing at `dir` (resolved) of a container: nothing read-only. */
export function checkWritable(c: ContainerFs, dir: string): void {
  const mount = c.view.mountOf(dir);
  if (mount?.readOnly) throw invalidArgument('mounted volume is marked read-only');
  if (!mount && c.record.hostConfig.readonlyRootfs)
    throw invalidArgument('container rootfs is marked read-only');
}
