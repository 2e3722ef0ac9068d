/**
 * Media types of the OCI image spec and of Docker's image manifest v2 schema 2, and the
 * questions the rest of berth asks about them.
 */
import { invalidArgument } from './errors.js';

// OCI image spec (media-types.md).
export const ociDescriptor = 'application/vnd.oci.descriptor.v1+json';
export const ociLayoutHeader = 'application/vnd.oci.layout.header.v1+json';
export const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
export const ociIndex = 'application/vnd.oci.image.index.v1+json';
export const ociConfig = 'application/vnd.oci.image.config.v1+json';
export const ociEmpty = 'application/vnd.oci.empty.v1+json';
export const ociLayer = 'application/vnd.oci.image.layer.v1.tar';
export const ociLayerGzip = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const ociLayerZstd = 'application/vnd.oci.image.layer.v1.tar+zstd';
/** Deprecated by image-spec 1.1 but still found in the wild (Windows base layers). */
export const ociLayerNondistributable = 'application/vnd.oci.image.layer.nondistributable.v1.tar';
export const ociLayerNondistributableGzip =
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
export const ociLayerNondistributableZstd =
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd';

// Docker image manifest v2, schema 2.
export const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';
export const dockerManifestList = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const dockerConfig = 'application/vnd.docker.container.image.v1+json';
export const dockerLayer = 'application/vnd.docker.image.rootfs.diff.tar';
export const dockerLayerGzip = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const dockerLayerZstd = 'application/vnd.docker.image.rootfs.diff.tar.zstd';
export const dockerForeignLayerGzip = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
/** Docker's schema 1 manifests, which berth recognises only to refuse them. */
export const dockerManifestSchema1 = 'application/vnd.docker.distribution.manifest.v1+json';
export const dockerManifestSchema1Signed =
  'application/vnd.docker.distribution.manifest.v1+prettyjws';

/** The layer type of BuildKit's attestation manifests (in-toto statements). */
export const inTotoLayer = 'application/vnd.in-toto+json';

const manifestTypes: ReadonlySet<string> = new Set([ociManifest, dockerManifest]);
const indexTypes: ReadonlySet<string> = new Set([ociIndex, dockerManifestList]);
const layerCompressions: ReadonlyMap<string, 'none' | 'gzip' | 'zstd'> = new Map([
  [ociLayer, 'none'],
  [ociLayerGzip, 'gzip'],
  [ociLayerZstd, 'zstd'],
  [ociLayerNondistributable, 'none'],
  [ociLayerNondistributableGzip, 'gzip'],
  [ociLayerNondistributableZstd, 'zstd'],
  [dockerLayer, 'none'],
  [dockerLayerGzip, 'gzip'],
  [dockerLayerZstd, 'zstd'],
  [dockerForeignLayerGzip, 'gzip'],
]);

/** Docker media types → their OCI equivalents (same document shapes, other names). */
const dockerToOci: ReadonlyMap<string, string> = new Map([
  [dockerManifestList, ociIndex],
  [dockerManifest, ociManifest],
  [dockerConfig, ociConfig],
  [dockerLayer, ociLayer],
  [dockerLayerGzip, ociLayerGzip],
  [dockerLayerZstd, ociLayerZstd],
  [dockerForeignLayerGzip, ociLayerNondistributableGzip],
]);

/** The OCI media type for a Docker schema 2 media type; any other type is returned as is. */
export function toOciMediaType(mediaType: string): string {
  return dockerToOci.get(mediaType) ?? mediaType;
}

/** True for an image manifest (OCI or Docker schema 2), not an index. */
export function isManifestType(mediaType: string): boolean {
  return manifestTypes.has(mediaType);
}

/** True for an image index or Docker manifest list. */
export function isIndexType(mediaType: string): boolean {
  return indexTypes.has(mediaType);
}

/** True for the media type of a filesystem layer (OCI or Docker, any compression). */
export function isLayerType(mediaType: string): boolean {
  return layerCompressions.has(mediaType);
}

/** How a layer blob of this media type is compressed; InvalidArgument for non-layer types. */
export function layerCompression(mediaType: string): 'none' | 'gzip' | 'zstd' {
  const compression = layerCompressions.get(mediaType);
  if (compression === undefined) {
    throw invalidArgument(`unsupported layer media type "${mediaType}"`);
  }
  return compression;
}
