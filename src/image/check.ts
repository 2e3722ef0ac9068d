/**
 * `system check`: verify every blob (its bytes hash to its name), every snapshot (complete,
 * consistent chain), and every image (its manifest, config, layers and snapshots exist); find
 * the leftovers of crashed writers and orphaned content; repair what can be repaired.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { chainIds } from '../core/digest.js';
import { isAtomicTempName } from '../sys/atomic-file.js';
import { processAlive } from '../sys/process.js';
import { collectGarbage, imageRoots } from './gc.js';
import type { ImageDb } from './store.js';
import { withGcLock, type Stores } from './stores.js';
import { unpackLayers } from './unpack.js';

export interface CheckReport {
  /** Problems found, each with what was done about it. */
  findings: { problem: string; repaired: boolean }[];
}

export async function checkStores(s: Stores, opts: { repair: boolean }): Promise<CheckReport> {
  const findings: CheckReport['findings'] = [];
  const found = (problem: string, repaired: boolean) => findings.push({ problem, repaired });
  const { repair } = opts;
  await withGcLock(s, async () => {
    // 1. leftovers of writers that died (kill -9, crash, power loss)
    for (const f of await s.content.abandonedIngests()) {
      if (repair) await fs.rm(f, { force: true });
      found(`partial blob write left by a crashed process: ${f}`, repair);
    }
    for (const d of await s.snapshots.strays()) {
      if (repair) await fs.rm(d, { recursive: true, force: true });
      found(`incomplete snapshot left by a crashed process: ${d}`, repair);
    }
    const metaDir = path.join(s.root, 'metadata');
    for (const n of await fs.readdir(metaDir).catch(() => [] as string[])) {
      if (!isAtomicTempName(n) || processAlive(Number(/tmp-(\d+)-/.exec(n)?.[1]))) continue;
      if (repair) await fs.rm(path.join(metaDir, n), { force: true });
      found(`partial metadata write left by a crashed process: ${n}`, repair);
    }

    // 2. every blob's bytes
    for (const blob of await s.content.list()) {
      if (await s.content.verify(blob.digest)) continue;
      if (repair) await s.content.delete(blob.digest);
      found(`corrupt blob ${blob.digest} (content does not match its digest)`, repair);
    }

    // 3. every snapshot's structure
    for (const snap of await s.snapshots.list()) {
      const expected = snap.parent ? chainIds([snap.parent, snap.diffId])[1] : snap.diffId;
      const fsOk = await fs.stat(s.snapshots.fsDir(snap.chainId)).then(
        (st) => st.isDirectory(),
        () => false,
      );
      const parentOk = !snap.parent || (await s.snapshots.has(snap.parent));
      if (expected === snap.chainId && fsOk && parentOk) continue;
      if (repair) await s.snapshots.remove(snap.chainId);
      found(
        `broken snapshot ${snap.chainId} (${!fsOk ? 'files missing' : !parentOk ? 'parent missing' : 'chain ID mismatch'})`,
        repair,
      );
    }

    // 4. every image, and the names pointing at it
    const dangling = await s.images.update((db: ImageDb) => {
      const bad = Object.entries(db.tags).filter(([, id]) => !db.images[id]);
      if (repair) for (const [tag] of bad) delete db.tags[tag];
      return bad.map(([tag]) => tag);
    });
    for (const tag of dangling) found(`tag ${tag} points at a missing image`, repair);
    const db = await s.images.read();
    for (const img of Object.values(db.images)) {
      const missing = [];
      for (const d of [img.manifest, img.id, ...img.layers])
        if (!(await s.content.has(d))) missing.push(d);
      if (missing.length > 0) {
        found(
          `image ${img.id} is missing blobs ${missing.join(', ')}; remove it with berth rmi and load or pull it again`,
          false,
        );
        continue;
      }
      const config = JSON.parse((await s.content.read(img.id)).toString()) as {
        rootfs: { diff_ids: string[] };
      };
      const unpacked = await Promise.all(img.chainIds.map((c) => s.snapshots.has(c)));
      if (unpacked.every(Boolean)) continue;
      if (repair) await unpackLayers(s, img.layers, config.rootfs.diff_ids);
      found(`image ${img.id} had layers that were not unpacked`, repair);
    }

    // 5. content nothing references
    const orphans = await collectGarbage(s, await imageRoots(s, await s.images.read()), {
      dryRun: !repair,
    });
    for (const b of orphans.blobs) found(`orphaned blob ${b.digest} (${b.size} bytes)`, repair);
    for (const x of orphans.snapshots) found(`orphaned snapshot ${x.chainId}`, repair);
  });
  return { findings };
}
