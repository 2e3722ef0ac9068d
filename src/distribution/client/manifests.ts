/**
 * Manifests on the wire: what berth accepts (OCI and Docker schema 2 manifests and indexes;
 * schema 1 is refused), classification of a fetched document, and fetching one with its digest
 * verified (a document fetched by digest must hash to it; one fetched by tag must hash to the
 * `Docker-Content-Digest` the registry announces).
 */
import { sha256Digest, type Digest } from '../../core/digest.js';
import { invalidArgument } from '../../core/errors.js';
import * as mt from '../../core/media-types.js';
import type { ImageIndex, ImageManifest } from '../../core/oci.js';
import { parseOciDocument } from '../../core/oci-schema.js';
import type { RegistryClient } from './http.js';

export const manifestAccept = [
  mt.ociManifest,
  mt.ociIndex,
  mt.dockerManifest,
  mt.dockerManifestList,
];

/** Manifests larger than this are refused (the spec's suggested limit is 4 MiB). */
export const maxManifestSize = 4 << 20;

export type Classified =
  | { kind: 'index'; mediaType: string; doc: ImageIndex }
  | { kind: 'manifest'; mediaType: string; doc: ImageManifest };

/**
 * What a fetched document is, from its `mediaType` field, else the Content-Type, else its
 * shape (`manifests` makes an index). InvalidArgument for schema 1 and other types.
 */
export function classifyManifest(bytes: Uint8Array, contentType = ''): Classified {
  let raw: { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
  try {
    raw = JSON.parse(Buffer.from(bytes).toString()) as typeof raw;
  } catch {
    throw invalidArgument('invalid manifest: not JSON');
  }
  const header = contentType.split(';')[0]!.trim();
  let mediaType = typeof raw.mediaType === 'string' ? raw.mediaType : header;
  if (raw.schemaVersion === 1 || mediaType.startsWith(mt.dockerManifestSchema1))
    throw invalidArgument(
      'unsupported manifest format: Docker Image manifest version 2, schema 1 is no longer supported; push the image again with a current client',
    );
  if (!mt.isIndexType(mediaType) && !mt.isManifestType(mediaType))
    mediaType = Array.isArray(raw.manifests) ? mt.ociIndex : mt.ociManifest;
  if (mt.isIndexType(mediaType))
    return { kind: 'index', mediaType, doc: parseOciDocument<ImageIndex>('index', bytes) };
  return { kind: 'manifest', mediaType, doc: parseOciDocument<ImageManifest>('manifest', bytes) };
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  classified: Classified;
}

/** GET a manifest by tag or digest; errors are the registry's (see RegistryClient.fail). */
export async function fetchManifest(
  client: RegistryClient,
  repo: string,
  reference: string,
): Promise<FetchedManifest> {
  const res = await client.send({
    method: 'GET',
    url: `/v2/${repo}/manifests/${reference}`,
    headers: { accept: manifestAccept.join(', ') },
  });
  if (res.status !== 200) throw await client.fail(res, 'GET');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxManifestSize) {
      res.body.destroy();
      throw invalidArgument(`manifest ${reference} is larger than ${maxManifestSize} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const digest = sha256Digest(bytes);
  const expected = reference.includes(':')
    ? reference
    : /^sha256:/.test(res.headers['docker-content-digest'] ?? '')
      ? res.headers['docker-content-digest']!
      : undefined;
  if (expected !== undefined && expected !== digest)
    throw invalidArgument(
      `manifest verification failed for digest ${expected}: the content hashes to ${digest}`,
    );
  const classified = classifyManifest(bytes, res.headers['content-type']);
  return { bytes, digest, mediaType: classified.mediaType, classified };
}
