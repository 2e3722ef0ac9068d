/** `import`: a root filesystem tarball becomes a single-layer image. */
import { decompressDetected } from '../archive/compression.js';
import { applyLayer } from '../archive/extract.js';
import { applyChanges } from '../core/config-change.js';
import type { Digest } from '../core/digest.js';
import type { ContainerConfig, ImageConfig, Platform } from '../core/oci.js';
import type { Reference } from '../core/reference.js';
import { discardUnreferenced } from './gc.js';
import { commitDirAsLayer } from './layer-from-dir.js';
import type { Stores } from './stores.js';
import { storeImage, type StoredImage } from './write.js';

export interface ImportOptions {
  changes?: string[];
  message?: string;
  /** Shown in history: the file name, or `-` for stdin. */
  source: string;
  platform: Platform;
  tag?: Reference;
  /** Clamp file mtimes (reproducible layers). */
  sourceDateEpoch?: number;
  /** The image's creation time (default now, or SOURCE_DATE_EPOCH). */
  created?: string;
}

/**
 * Unpack a rootfs tar (plain, gzip or zstd) into a new snapshot, write its deterministic layer
 * blob, and record the image. A bad tarball leaves no snapshot and no blob behind.
 */
export async function importRootfs(
  s: Stores,
  source: AsyncIterable<Uint8Array>,
  opts: ImportOptions,
): Promise<StoredImage> {
  const containerConfig = applyChanges({}, opts.changes ?? []); // bad changes fail before any work
  const { stream } = await decompressDetected(source);
  const pending = await s.snapshots.prepare();
  let size: number;
  try {
    ({ size } = await applyLayer(pending.dir, stream, []));
  } catch (e) {
    await pending.discard();
    throw e;
  }
  const layer = await commitDirAsLayer(s, pending, {
    size,
    sourceDateEpoch: opts.sourceDateEpoch,
    chainId: (diffId) => diffId,
  });
  try {
    return await storeImage(s, {
      config: importConfig(layer.diffId, containerConfig, opts),
      layers: [layer.descriptor],
      tags: opts.tag ? [opts.tag] : [],
    });
  } catch (e) {
    await discardUnreferenced(s, { snapshots: [layer.chainId], blobs: [layer.descriptor.digest] });
    throw e;
  }
}

/** The config of an imported image; for an uncompressed layer the blob digest is the diff ID. */
export function importConfig(
  diffId: Digest,
  config: ContainerConfig,
  opts: ImportOptions,
): ImageConfig {
  const created =
    opts.created ??
    (opts.sourceDateEpoch !== undefined
      ? new Date(opts.sourceDateEpoch * 1000)
      : new Date()
    ).toISOString();
  return {
    created,
    architecture: opts.platform.architecture,
    os: opts.platform.os,
    ...(opts.platform.variant ? { variant: opts.platform.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: '', comment: opts.message || `Imported from ${opts.source}` }],
  };
}
