/**
 * `load`: images from a tar archive in Docker's format (manifest.json; both the legacy layout and
 * Docker 25's OCI-based one) or an OCI image layout (index.json). Blobs stream into the content
 * store as the archive is read; layers are then unpacked and verified against their diff IDs.
 * On an error, the images loaded before it stay; blobs and snapshots only the failed part added
 * are removed again.
 */
import path from 'node:path';
import { decompressDetected } from '../archive/compression.js';
import { readTar } from '../archive/tar-reader.js';
import type { Digest } from '../core/digest.js';
import { invalidArgument } from '../core/errors.js';
import * as mt from '../core/media-types.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../core/oci.js';
import { selectManifest } from '../core/oci.js';
import { parseOciDocument } from '../core/oci-schema.js';
import { familiarString, parseReference, type Reference, toFamiliar } from '../core/reference.js';
import type { BlobInfo } from '../content/store.js';
import { detectCompression } from '../archive/compression.js';
import type { Stores } from './stores.js';
import { discardUnreferenced } from './gc.js';
import { unpackLayers } from './unpack.js';
import { storeImage, type StoredImage } from './write.js';

export interface LoadedImage extends StoredImage {
  tags: string[];
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const META = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const MAX_META = 16 << 20;

class ArchiveContents {
  readonly meta = new Map<string, Buffer>();
  readonly files = new Map<string, BlobInfo>();
  readonly links = new Map<string, string>();
  /** Blobs this load added to the store (removed again if the load fails). */
  readonly added: Digest[] = [];
  /** Snapshots this load unpacked. */
  readonly unpacked: Digest[] = [];

  blob(name: string, what: string): BlobInfo {
    let p = path.posix.normalize(name).replace(/^\.\//, '');
    for (let i = 0; i < 16 && this.links.has(p); i++) p = this.links.get(p)!;
    const b = this.files.get(p);
    if (!b)
      throw invalidArgument(`invalid image archive: ${what} ${JSON.stringify(name)} is missing`);
    return b;
  }
}

async function readArchive(
  s: Stores,
  source: AsyncIterable<Uint8Array>,
  c: ArchiveContents,
): Promise<void> {
  const { stream } = await decompressDetected(source);
  for await (const { header, body } of readTar(stream)) {
    const name = path.posix.normalize(header.name).replace(/^\.\//, '').replace(/\/$/, '');
    if (header.type === 'symlink' || header.type === 'hardlink') {
      const target =
        header.type === 'symlink'
          ? path.posix.join(path.posix.dirname(name), header.linkname)
          : header.linkname;
      c.links.set(name, path.posix.normalize(target).replace(/^\.\//, ''));
      continue;
    }
    if (header.type !== 'file') continue;
    if (META.has(name) || /^[^/]+\/(json|VERSION)$/.test(name)) {
      if (header.size > MAX_META)
        throw invalidArgument(`invalid image archive: ${name} is too large`);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      c.meta.set(name, Buffer.concat(chunks));
      continue;
    }
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    const expected = m ? { digest: `sha256:${m[1]}`, size: header.size } : { size: header.size };
    const info = await s.content.ingest(body, expected).catch((e: Error) => {
      throw invalidArgument(`invalid image archive: ${name}: ${e.message}`, e);
    });
    if (info.created) c.added.push(info.digest);
    c.files.set(name, info);
  }
}

async function layerDescriptor(s: Stores, blob: BlobInfo): Promise<Descriptor> {
  let head: Buffer = Buffer.alloc(0);
  for await (const chunk of s.content.stream(blob.digest)) {
    head = chunk.subarray(0, 4);
    break;
  }
  const compression = detectCompression(head);
  const mediaType =
    compression === 'gzip'
      ? mt.ociLayerGzip
      : compression === 'zstd'
        ? mt.ociLayerZstd
        : mt.ociLayer;
  return { mediaType, digest: blob.digest, size: blob.size };
}

const loaded = (stored: StoredImage, tags: Reference[]): LoadedImage => ({
  ...stored,
  retagged: stored.retagged.map((r) => ({ ...r, tag: toFamiliar(r.tag) })),
  tags: tags.map(familiarString),
});

function parseTags(names: readonly string[]): Reference[] {
  return names.map((n) => {
    try {
      return parseReference(n);
    } catch (e) {
      throw invalidArgument(
        `invalid image archive: bad image name ${JSON.stringify(n)}: ${(e as Error).message}`,
      );
    }
  });
}

async function loadDocker(s: Stores, c: ArchiveContents): Promise<LoadedImage[]> {
  let entries: DockerManifestEntry[];
  try {
    entries = JSON.parse(c.meta.get('manifest.json')!.toString()) as DockerManifestEntry[];
    if (!Array.isArray(entries)) throw new Error('not a list');
  } catch (e) {
    throw invalidArgument(`invalid image archive: manifest.json: ${(e as Error).message}`);
  }
  const out: LoadedImage[] = [];
  for (const entry of entries) {
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) {
      throw invalidArgument('invalid image archive: manifest.json entry without Config or Layers');
    }
    const configBlob = c.blob(entry.Config, 'config');
    const config = parseOciDocument<ImageConfig>('config', await s.content.read(configBlob.digest));
    const layers = await Promise.all(
      entry.Layers.map((l) => layerDescriptor(s, c.blob(l, 'layer'))),
    );
    await unpackLayers(
      s,
      layers.map((l) => l.digest),
      config.rootfs.diff_ids,
      c.unpacked,
    );
    const tags = entry.RepoTags ?? [];
    const stored = await storeImage(s, { config, layers, tags: parseTags(tags) });
    out.push(loaded(stored, parseTags(tags)));
  }
  return out;
}

const imageNameOf = (d: Descriptor): string | undefined => {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full) return full;
  const ref = d.annotations?.['org.opencontainers.image.ref.name'];
  return ref && /[:/]/.test(ref) ? ref : undefined;
};

async function loadOci(s: Stores, c: ArchiveContents, platform: Platform): Promise<LoadedImage[]> {
  const index = parseOciDocument<ImageIndex>('index', c.meta.get('index.json')!);
  const out: LoadedImage[] = [];
  for (const top of index.manifests) {
    let desc = top;
    if (mt.isIndexType(desc.mediaType)) {
      const nested = parseOciDocument<ImageIndex>(
        'index',
        await s.content.read(c.blob(`blobs/sha256/${desc.digest.slice(7)}`, 'index').digest),
      );
      const chosen = selectManifest(nested, platform);
      if (!chosen)
        throw invalidArgument(
          `invalid image archive: no manifest for this platform in ${desc.digest}`,
        );
      desc = chosen;
    }
    if (!mt.isManifestType(desc.mediaType)) continue;
    const manifestBlob = c.blob(`blobs/sha256/${desc.digest.slice(7)}`, 'manifest');
    const manifest = parseOciDocument<ImageManifest>(
      'manifest',
      await s.content.read(manifestBlob.digest),
    );
    const configBlob = c.blob(`blobs/sha256/${manifest.config.digest.slice(7)}`, 'config');
    const config = parseOciDocument<ImageConfig>('config', await s.content.read(configBlob.digest));
    for (const l of manifest.layers) c.blob(`blobs/sha256/${l.digest.slice(7)}`, 'layer');
    await unpackLayers(
      s,
      manifest.layers.map((l) => l.digest),
      config.rootfs.diff_ids,
      c.unpacked,
    );
    const name = imageNameOf(top);
    const tags = name ? parseTags([name]) : [];
    const stored = await storeImage(s, {
      config,
      layers: manifest.layers,
      manifest: { digest: desc.digest, mediaType: manifest.mediaType ?? mt.ociManifest },
      tags,
    });
    out.push(loaded(stored, tags));
  }
  return out;
}

/** Load every image of an archive stream. */
export async function loadArchive(
  s: Stores,
  source: AsyncIterable<Uint8Array>,
  platform: Platform,
): Promise<LoadedImage[]> {
  const c = new ArchiveContents();
  try {
    await readArchive(s, source, c);
    if (c.meta.has('manifest.json')) return await loadDocker(s, c);
    if (c.meta.has('index.json')) return await loadOci(s, c, platform);
    throw invalidArgument('invalid image archive: no manifest.json or index.json in it');
  } catch (e) {
    // images loaded before the failure stay; what only the failed part added goes
    await discardUnreferenced(s, { snapshots: c.unpacked, blobs: c.added });
    throw e;
  }
}
