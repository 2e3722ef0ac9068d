/** `rmi`: untag or delete images with Docker's rules, then collect what nothing references. */
import type { Digest } from '../core/digest.js';
import { conflict } from '../core/errors.js';
import { toFamiliar } from '../core/reference.js';
import { collectGarbage, imageRoots } from './gc.js';
import { resolveImage, tagsOf, type ImageDb } from './store.js';
import { withGcLock, type Stores } from './stores.js';

/** Containers that use an image (by image ID), which the engine knows and this layer does not. */
export type ImageUsers = Map<Digest, { id: string; running: boolean }[]>;

export interface RemoveResult {
  untagged: string[];
  deleted: Digest[];
}

const shortId = (id: Digest) => id.slice(7, 19);

/**
 * Decide and apply one removal in the metadata: by name, drop that name (and the image with its
 * last name); by ID, drop the image with all its names, which needs `force` when it has several.
 */
export function removeFromDb(
  db: ImageDb,
  input: string,
  force: boolean,
  users: ImageUsers = new Map(),
): RemoveResult {
  const { record, byName } = resolveImage(db, input);
  const tags = tagsOf(db, record.id);
  const out: RemoveResult = { untagged: [], deleted: [] };
  const using = users.get(record.id) ?? [];
  const lastName = !byName || tags.length + record.repoDigests.length <= 1;
  if (using.length > 0 && lastName) {
    // Docker's rules: a running container's image cannot go; a stopped one's only untagged
    const running = using.find((u) => u.running);
    if (running) {
      throw conflict(
        `conflict: unable to delete ${shortId(record.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`,
      );
    }
    if (!force) {
      throw conflict(
        byName
          ? `conflict: unable to remove repository reference "${toFamiliar(byName)}" (must force) - container ${shortId(using[0]!.id)} is using its referenced image ${shortId(record.id)}`
          : `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is being used by stopped container ${shortId(using[0]!.id)}`,
      );
    }
    for (const t of byName ? [byName] : tags) {
      delete db.tags[t];
      out.untagged.push(toFamiliar(t));
    }
    return out;
  }
  if (byName && !byName.includes('@')) {
    delete db.tags[byName];
    out.untagged.push(toFamiliar(byName));
    if (tags.length > 1) return out;
  } else if (byName) {
    record.repoDigests = record.repoDigests.filter((d) => d !== byName);
    out.untagged.push(toFamiliar(byName));
    if (tags.length > 0 || record.repoDigests.length > 0) return out;
  } else {
    const repos = new Set(tags.map((t) => t.replace(/:[^:/]+$/, '')));
    if (repos.size > 1 && !force) {
      throw conflict(
        `conflict: unable to delete ${shortId(record.id)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    for (const t of tags) {
      delete db.tags[t];
      out.untagged.push(toFamiliar(t));
    }
  }
  for (const d of record.repoDigests) out.untagged.push(toFamiliar(d));
  delete db.images[record.id];
  out.deleted.push(record.id);
  return out;
}

/** Remove images (see removeFromDb) and then the layers only they used. */
export async function removeImages(
  s: Stores,
  inputs: string[],
  opts: { force?: boolean; users?: ImageUsers },
  report: (input: string, result: RemoveResult | Error) => void,
): Promise<void> {
  for (const input of inputs) {
    try {
      const result = await s.images.update((db) =>
        removeFromDb(db, input, opts.force ?? false, opts.users),
      );
      if (result.deleted.length > 0) {
        const freed = await withGcLock(s, async () =>
          collectGarbage(s, await imageRoots(s, await s.images.read())),
        );
        result.deleted.push(...freed.snapshots.map((x) => x.chainId));
      }
      report(input, result);
    } catch (e) {
      report(input, e as Error);
    }
  }
}
