/**
 * `save`: images as a tar stream, either in Docker's archive format (manifest.json; the layout
 * Docker 25 writes, which is an OCI layout too, so `docker load` of any version reads it) or as
 * a plain OCI image layout. Entries are in a fixed order with zero mtimes: the same images give
 * the same bytes.
 */
import type { Digest } from '../core/digest.js';
import { digestHex } from '../core/digest.js';
import * as mt from '../core/media-types.js';
import type { Descriptor, ImageIndex } from '../core/oci.js';
import { validateOciDocument } from '../core/oci-schema.js';
import { parseReference, toFamiliar } from '../core/reference.js';
import { writeTar, type WriteEntry } from '../archive/tar-writer.js';
import type { ImageRecord } from './store.js';
import type { Stores } from './stores.js';
import { jsonBytes } from './write.js';

export type SaveFormat = 'docker' | 'oci';

export interface SaveItem {
  image: ImageRecord;
  /** Full references to record for it (none when saved by ID). */
  tags: string[];
}

const blobPath = (d: Digest) => `blobs/sha256/${digestHex(d)}`;
const dir = (name: string): WriteEntry => ({
  header: { name, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 },
});
const file = (name: string, data: Buffer): WriteEntry => ({
  header: { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0 },
  body: [data],
});

async function* entries(
  s: Stores,
  items: SaveItem[],
  format: SaveFormat,
): AsyncGenerator<WriteEntry> {
  yield dir('blobs/');
  yield dir('blobs/sha256/');
  const written = new Set<Digest>();
  const index: ImageIndex = { schemaVersion: 2, mediaType: mt.ociIndex, manifests: [] };
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const { image, tags } of items) {
    const manifestBytes = await s.content.read(image.manifest);
    const manifest = JSON.parse(manifestBytes.toString()) as {
      config: Descriptor;
      layers: Descriptor[];
    };
    for (const d of [
      manifest.config.digest,
      ...manifest.layers.map((l) => l.digest),
      image.manifest,
    ]) {
      if (written.has(d)) continue;
      written.add(d);
      const info = await s.content.info(d);
      if (!info)
        throw new Error(`blob ${d} of image ${image.id} is missing: run berth system check`);
      yield {
        header: {
          name: blobPath(d),
          type: 'file',
          mode: 0o644,
          uid: 0,
          gid: 0,
          size: info.size,
          mtime: 0,
        },
        body: s.content.stream(d),
      };
    }
    const desc: Descriptor = {
      mediaType: image.manifestMediaType,
      digest: image.manifest,
      size: manifestBytes.length,
    };
    if (tags.length === 0) index.manifests.push(desc);
    for (const tag of tags) {
      const ref = parseReference(tag);
      index.manifests.push({
        ...desc,
        annotations: {
          'io.containerd.image.name': tag,
          'org.opencontainers.image.ref.name': ref.tag ?? 'latest',
        },
      });
    }
    dockerManifest.push({
      Config: blobPath(manifest.config.digest),
      RepoTags: tags.map((t) => toFamiliar(t)),
      Layers: manifest.layers.map((l) => blobPath(l.digest)),
    });
  }
  validateOciDocument('index', index);
  yield file('index.json', jsonBytes(index));
  if (format === 'docker') yield file('manifest.json', jsonBytes(dockerManifest));
  const layout = { imageLayoutVersion: '1.0.0' };
  validateOciDocument('layout', layout);
  yield file('oci-layout', jsonBytes(layout));
}

/** The archive of `items` as a tar byte stream. */
export function saveArchive(
  s: Stores,
  items: SaveItem[],
  format: SaveFormat,
): AsyncGenerator<Buffer> {
  return writeTar(entries(s, items, format));
}
