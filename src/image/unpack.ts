/** Unpacking an image's layer blobs into snapshots, verifying each layer's diff ID. */
import { createHash } from 'node:crypto';
import { decompressDetected, tap } from '../archive/compression.js';
import { chainIds, type Digest } from '../core/digest.js';
import { invalidArgument } from '../core/errors.js';
import type { SnapshotInfo } from '../snapshot/store.js';
import type { Stores } from './stores.js';

/**
 * Make sure the snapshot of every layer exists. `layers[i]` is the blob whose uncompressed
 * content must hash to `diffIds[i]`; a mismatch rejects the layer and publishes nothing.
 */
export async function unpackLayers(
  s: Stores,
  layers: Digest[],
  diffIds: Digest[],
  /** Collects the chain IDs unpacked by this call (those not there before). */
  created: Digest[] = [],
): Promise<SnapshotInfo[]> {
  if (layers.length !== diffIds.length) {
    throw invalidArgument(`image has ${layers.length} layers but ${diffIds.length} diff IDs`);
  }
  const chain = chainIds(diffIds);
  const out: SnapshotInfo[] = [];
  for (let i = 0; i < layers.length; i++) {
    const existing = await s.snapshots.info(chain[i]!);
    if (existing) {
      out.push(existing);
      continue;
    }
    const { stream } = await decompressDetected(s.content.stream(layers[i]!));
    const hash = createHash('sha256');
    const tar = tap(stream, (c) => hash.update(c));
    const info = await s.snapshots.unpack(
      tar,
      { chainId: chain[i]!, parent: i > 0 ? chain[i - 1] : undefined, diffId: diffIds[i]! },
      () => {
        const actual = `sha256:${hash.digest('hex')}`;
        if (actual !== diffIds[i]) {
          throw invalidArgument(
            `layer ${layers[i]} does not match its diff ID ${diffIds[i]} (content hashes to ${actual})`,
          );
        }
      },
    );
    created.push(info.chainId);
    out.push(info);
  }
  return out;
}
