/** Turning a filled snapshot directory into a published snapshot and its layer blob. */
import { writeLayer, type LayerWriteOptions } from '../archive/layer-writer.js';
import type { Digest } from '../core/digest.js';
import * as mt from '../core/media-types.js';
import type { Descriptor } from '../core/oci.js';
import type { PendingSnapshot } from '../snapshot/store.js';
import type { Stores } from './stores.js';

export interface DirLayer {
  descriptor: Descriptor;
  diffId: Digest;
  chainId: Digest;
}

/**
 * Write the deterministic layer tarball of `pending.dir` (uncompressed, so its digest is its
 * diff ID) and publish the snapshot on top of `parent`. Discards the snapshot on failure.
 */
export async function commitDirAsLayer(
  s: Stores,
  pending: PendingSnapshot,
  opts: {
    parent?: Digest;
    size: number;
    sourceDateEpoch?: number;
    chainId: (diffId: Digest) => Digest;
    /** The directory was filled by berth (see LayerWriteOptions.written). */
    written?: LayerWriteOptions['written'];
  },
): Promise<DirLayer> {
  try {
    const layer = writeLayer(pending.dir, {
      sourceDateEpoch: opts.sourceDateEpoch,
      written: opts.written,
    });
    // the blob is the uncompressed tar, so its digest is the diff ID (hashed once, by ingest)
    const blob = await s.content.ingest(layer);
    const diffId: Digest = blob.digest;
    const chainId = opts.chainId(diffId);
    await pending.commit({ chainId, parent: opts.parent, diffId, size: opts.size });
    return {
      descriptor: { mediaType: mt.ociLayer, digest: blob.digest, size: blob.size },
      diffId,
      chainId,
    };
  } catch (e) {
    await pending.discard();
    throw e;
  }
}
