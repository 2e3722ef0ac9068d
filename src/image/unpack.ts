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
    const info = await unpackLayer(s, s.content.stream(layers[i]!), {
      chainId: chain[i]!,
      parent: i > 0 ? chain[i - 1] : undefined,
      diffId: diffIds[i]!,
      blob: layers[i]!,
    });
    created.push(info.chainId);
    out.push(info);
  }
  return out;
}

/**
 * Unpack one layer from `source` (its blob's bytes, compressed or not, as they come: from the
 * store, or from a download still in progress) into the snapshot `chainId` on top of `parent`.
 * The uncompressed content must hash to `diffId`, or nothing is published.
 */
export async function unpackLayer(
  s: Stores,
  source: AsyncIterable<Uint8Array>,
  ids: { chainId: Digest; parent?: Digest; diffId: Digest; blob: Digest },
): Promise<SnapshotInfo> {
  const { stream } = await decompressDetected(source);
  const hash = createHash('sha256');
  const tar = tap(stream, (c) => hash.update(c));
  return s.snapshots.unpack(
    tar,
    { chainId: ids.chainId, parent: ids.parent, diffId: ids.diffId },
    () => {
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== ids.diffId) {
        throw invalidArgument(
          `layer ${ids.blob} does not match its diff ID ${ids.diffId} (content hashes to ${actual})`,
        );
      }
    },
  );
}
