/**
 * What the server needs to know of a pushed manifest, checked as distribution checks it: JSON
 * that validates against the image-spec schema of its kind, a media type that agrees between
 * the body and the `Content-Type`, and the list of what it references. Pure.
 */
import type { Descriptor, ImageIndex, ImageManifest } from '../../core/oci.js';
import { parseOciDocument, validateOciDocument } from '../../core/oci-schema.js';
import {
  dockerManifestSchema1,
  dockerManifestSchema1Signed,
  isIndexType,
  isManifestType,
  ociIndex,
  ociManifest,
} from '../../core/media-types.js';
import { registryError } from './errors.js';

/** The largest manifest accepted (distribution's limit). */
export const maxManifestBytes = 4 << 20;

export interface ManifestSummary {
  mediaType: string;
  kind: 'manifest' | 'index';
  /** Blobs (config, layers) that must be in the repository; foreign layers (`urls`) excluded. */
  blobs: string[];
  /** Manifests an index lists, which must be in the repository. */
  manifests: string[];
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

function kindOf(mediaType: string | undefined, doc: Record<string, unknown>): 'manifest' | 'index' {
  if (mediaType !== undefined && isIndexType(mediaType)) return 'index';
  if (mediaType !== undefined && isManifestType(mediaType)) return 'manifest';
  if (mediaType !== undefined) {
    throw registryError('MANIFEST_INVALID', `unsupported manifest media type "${mediaType}"`);
  }
  return Array.isArray(doc.manifests) ? 'index' : 'manifest';
}

/**
 * Parses and validates manifest bytes pushed with `contentType`. Throws MANIFEST_INVALID with
 * the first problem.
 */
export function summarizeManifest(body: Uint8Array, contentType?: string): ManifestSummary {
  const ct = contentType?.split(';')[0]!.trim() || undefined;
  if (ct === dockerManifestSchema1 || ct === dockerManifestSchema1Signed) {
    throw registryError('MANIFEST_INVALID', 'schema 1 manifests are not supported');
  }
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    doc = parsed as Record<string, unknown>;
  } catch (e) {
    throw registryError('MANIFEST_INVALID', `manifest is not JSON: ${(e as Error).message}`);
  }
  const bodyType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  // distribution: a mediaType in the body must agree with the Content-Type it was pushed with
  if (bodyType !== undefined && ct !== undefined && ct !== 'application/json' && ct !== bodyType) {
    throw registryError(
      'MANIFEST_INVALID',
      `manifest media type "${bodyType}" does not match Content-Type "${ct}"`,
    );
  }
  const generic =
    ct === undefined || ct === 'application/json' || ct === 'application/octet-stream';
  const declared = bodyType ?? (generic ? undefined : ct);
  const kind = kindOf(declared, doc);
  const mediaType = declared ?? (kind === 'index' ? ociIndex : ociManifest);
  try {
    if (kind === 'index') {
      const index = parseOciDocument<ImageIndex>('index', body);
      return {
        mediaType,
        kind,
        blobs: [],
        manifests: index.manifests.map((d) => d.digest),
        subject: index.subject?.digest,
        artifactType: index.artifactType,
        annotations: index.annotations,
      };
    }
    // image-spec 1.1 allows a manifest without layers (artifacts; the conformance suite pushes
    // one, distribution accepts it), where the 1.0 schema berth validates with wants one: such
    // a manifest is validated as if its config were its layer.
    const noLayers = Array.isArray(doc.layers) && doc.layers.length === 0;
    if (noLayers) validateOciDocument('manifest', { ...doc, layers: [doc.config] });
    const m = noLayers
      ? (doc as unknown as ImageManifest)
      : parseOciDocument<ImageManifest>('manifest', body);
    const local = (d: Descriptor) => !(d.urls && d.urls.length > 0);
    return {
      mediaType,
      kind,
      blobs: [m.config, ...m.layers].filter(local).map((d) => d.digest),
      manifests: [],
      subject: m.subject?.digest,
      artifactType: m.artifactType ?? m.config.mediaType,
      annotations: m.annotations,
    };
  } catch (e) {
    throw registryError('MANIFEST_INVALID', (e as Error).message);
  }
}

/** The descriptor of a referrer in a referrers response (distribution-spec "Listing Referrers"). */
export function referrerDescriptor(digest: string, size: number, s: ManifestSummary): Descriptor {
  const d: Descriptor = { mediaType: s.mediaType, digest, size };
  if (s.artifactType !== undefined) d.artifactType = s.artifactType;
  if (s.annotations !== undefined && Object.keys(s.annotations).length > 0)
    d.annotations = s.annotations;
  return d;
}
