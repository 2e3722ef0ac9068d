/** Garbage collection: blobs and snapshots that no image (or other root) references. */
import type { Digest } from '../core/digest.js';
import type { ImageDb } from './store.js';
import type { Stores } from './stores.js';

export interface Roots {
  blobs: Set<Digest>;
  snapshots: Set<Digest>;
}

/** What the images reference: their manifests, configs, layer blobs and snapshot chains. */
export async function imageRoots(s: Stores, db: ImageDb): Promise<Roots> {
  const roots: Roots = { blobs: new Set(), snapshots: new Set() };
  for (const img of Object.values(db.images)) {
    roots.blobs.add(img.manifest).add(img.id);
    for (const l of img.layers) roots.blobs.add(l);
    for (const b of img.registryBlobs ?? []) roots.blobs.add(b);
    for (const c of img.chainIds) roots.snapshots.add(c);
  }
  // a snapshot's parents are needed by it
  for (const c of [...roots.snapshots]) {
    for (let id = (await s.snapshots.info(c))?.parent; id && !roots.snapshots.has(id);) {
      roots.snapshots.add(id);
      id = (await s.snapshots.info(id))?.parent;
    }
  }
  return roots;
}

export interface Collected {
  blobs: { digest: Digest; size: number }[];
  snapshots: { chainId: Digest; size: number }[];
  /** Bytes freed. */
  reclaimed: number;
}

/**
 * Delete every blob and snapshot outside `roots`. The caller holds the GC lock, so no import
 * is half-way through adding content that nothing references yet.
 */
export async function collectGarbage(
  s: Stores,
  roots: Roots,
  opts: { dryRun?: boolean } = {},
): Promise<Collected> {
  const out: Collected = { blobs: [], snapshots: [], reclaimed: 0 };
  const snapshots = await s.snapshots.list();
  // children before parents, so a chain is never left with a missing middle
  const depth = new Map<Digest, number>();
  const byId = new Map(snapshots.map((x) => [x.chainId, x]));
  const depthOf = (id: Digest): number => {
    if (depth.has(id)) return depth.get(id)!;
    const p = byId.get(id)?.parent;
    const d = p ? depthOf(p) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  for (const snap of snapshots.sort((a, b) => depthOf(b.chainId) - depthOf(a.chainId))) {
    if (roots.snapshots.has(snap.chainId)) continue;
    if (!opts.dryRun) await s.snapshots.remove(snap.chainId);
    out.snapshots.push({ chainId: snap.chainId, size: snap.size });
    out.reclaimed += snap.size;
  }
  for (const blob of await s.content.list()) {
    if (roots.blobs.has(blob.digest)) continue;
    if (!opts.dryRun) await s.content.delete(blob.digest);
    out.blobs.push(blob);
    out.reclaimed += blob.size;
  }
  return out;
}

/**
 * Undo an operation that failed part-way: remove the snapshots and blobs it added, unless an
 * image references them (one it recorded before failing, or another that shares them).
 */
export async function discardUnreferenced(
  s: Stores,
  added: { snapshots: Digest[]; blobs: Digest[] },
): Promise<void> {
  const roots = await imageRoots(s, await s.images.read());
  for (const id of [...added.snapshots].reverse())
    if (!roots.snapshots.has(id)) await s.snapshots.remove(id);
  for (const d of added.blobs) if (!roots.blobs.has(d)) await s.content.delete(d);
}
