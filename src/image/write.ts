/** Recording an image: config and manifest blobs, its record, and its names. */
import { chainIds, type Digest } from '../core/digest.js';
import { internal } from '../core/errors.js';
import * as mt from '../core/media-types.js';
import type { Descriptor, ImageConfig, ImageManifest } from '../core/oci.js';
import { validateOciDocument } from '../core/oci-schema.js';
import { referenceString, type Reference } from '../core/reference.js';
import type { ImageRecord } from './store.js';
import type { Stores } from './stores.js';

export interface NewImage {
  config: ImageConfig;
  /**
   * The config's bytes as they came (a pull): kept exactly, since the image ID is their digest.
   * Otherwise the config is serialized here.
   */
  configBytes?: Buffer;
  /** Layer blobs in the content store, bottom first, matching `config.rootfs.diff_ids`. */
  layers: Descriptor[];
  /** An existing manifest to keep (load, pull); otherwise an OCI manifest is written. */
  manifest?: { digest: Digest; mediaType: string };
  tags?: Reference[];
  repoDigests?: string[];
  /** A build step's result: kept for the build cache, hidden from `images` (see ImageRecord). */
  intermediate?: boolean;
}

export interface StoredImage {
  record: ImageRecord;
  /** Images that lost a tag to this one, with the tags they lost. */
  retagged: { id: Digest; tag: string }[];
}

/** Canonical JSON bytes of a document (stable key order as written). */
export const jsonBytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));

/** Write config (and manifest, unless given), then record the image and move its tags. */
export async function storeImage(s: Stores, img: NewImage): Promise<StoredImage> {
  validateOciDocument('config', img.config);
  const configBytes = img.configBytes ?? jsonBytes(img.config);
  const config = await s.content.put(configBytes);
  let manifest = img.manifest;
  if (!manifest) {
    const doc: ImageManifest = {
      schemaVersion: 2,
      mediaType: mt.ociManifest,
      config: { mediaType: mt.ociConfig, digest: config.digest, size: config.size },
      layers: img.layers,
    };
    validateOciDocument('manifest', doc);
    const m = await s.content.put(jsonBytes(doc));
    manifest = { digest: m.digest, mediaType: mt.ociManifest };
  }
  const chain = chainIds(img.config.rootfs.diff_ids);
  let size = 0;
  for (const id of chain) {
    const info = await s.snapshots.info(id);
    if (!info) throw internal(`layer ${id} of image ${config.digest} is not unpacked`);
    size += info.size;
  }
  const now = new Date().toISOString();
  return s.images.update((db) => {
    const prev = db.images[config.digest];
    const record: ImageRecord = {
      id: config.digest,
      manifest: prev?.manifest ?? manifest.digest,
      manifestMediaType: prev?.manifestMediaType ?? manifest.mediaType,
      layers: prev?.layers ?? img.layers.map((l) => l.digest),
      chainIds: chain,
      repoDigests: [...new Set([...(prev?.repoDigests ?? []), ...(img.repoDigests ?? [])])],
      size,
      created: img.config.created ?? now,
      added: prev?.added ?? now,
      ...(prev?.registryBlobs ? { registryBlobs: prev.registryBlobs } : {}),
      ...(img.config.config?.Labels ? { labels: img.config.config.Labels } : {}),
      // an image stays a build intermediate only until something else stores it
      ...(img.intermediate && (prev === undefined || prev.intermediate)
        ? { intermediate: true }
        : {}),
    };
    db.images[record.id] = record;
    const retagged: StoredImage['retagged'] = [];
    for (const ref of img.tags ?? []) {
      const tag = referenceString(ref);
      const old = db.tags[tag];
      if (old && old !== record.id) retagged.push({ id: old, tag });
      db.tags[tag] = record.id;
    }
    return { record, retagged };
  });
}
