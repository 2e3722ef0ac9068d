/** Turning a filled snapshot directory into a published snapshot and its layer blob. */
import { createHash } from 'node:crypto';
import { writeLayer } from '../archive/layer-writer.js';
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
  },
): Promise<DirLayer> {
  try {
    const hash = createHash('sha256');
    const layer = writeLayer(pending.dir, { sourceDateEpoch: opts.sourceDateEpoch });
    const blob = await s.content.ingest(
      (async function* () {
        for await (const chunk of layer) {
          hash.update(chunk);
          yield chunk;
        }
      })(),
    );
    const diffId: Digest = `sha256:${hash.digest('hex')}`;
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
