/**
 * The OCI image documents as they are on the wire (image-spec v1.1), with their real field
 * names. Docker's schema 2 documents have the same shape with other media types. Validation
 * against the JSON Schemas lives in oci-schema.ts; platform helpers in platform.ts.
 */
import type { Digest } from './digest.js';

export {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
} from './platform.js';

/** An empty JSON object, as used for the values of `ExposedPorts` and `Volumes`. */
export type EmptyObject = Record<string, never>;

/** The platform an image runs on (in an index entry, or the top of an image config). */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** A content descriptor: a typed, sized, digest-addressed pointer to a blob. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** The content itself, base64 (padded), for small blobs. */
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

/** An image manifest (`application/vnd.oci.image.manifest.v1+json` or Docker's v2). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index (`application/vnd.oci.image.index.v1+json` or a Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Docker's health check, as stored in an image config (durations in nanoseconds). */
export interface HealthcheckConfig {
  /** `[]` inherit, `["NONE"]` disabled, `["CMD", ...]` or `["CMD-SHELL", "cmd"]`. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The execution parameters of an image config (`config` in the image config JSON). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, EmptyObject>;
  /** `KEY=value` entries. */
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, EmptyObject> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  /** Docker extensions, outside the OCI schema. */
  Healthcheck?: HealthcheckConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

/** One entry of an image's history, oldest first. */
export interface HistoryEntry {
  /** RFC 3339 date-time. */
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  /** True when this step made no layer (ENV, CMD, ...). */
  empty_layer?: boolean;
}

/** An image config (`application/vnd.oci.image.config.v1+json` or Docker's). */
export interface ImageConfig {
  /** RFC 3339 date-time. */
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/** The `oci-layout` file at the root of an OCI image layout. */
export interface OciLayout {
  imageLayoutVersion: '1.0.0';
}
