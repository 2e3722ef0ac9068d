/**
 * Validation of OCI documents against the image-spec JSON Schemas (draft-04, in oci-schemas/),
 * plus the checks the upstream validator makes in code because the schemas are looser:
 * well-formed digests, padded base64 `data`, and `KEY=value` config `Env` entries.
 *
 * Ajv and the schemas are set up on first use and each validator is compiled once.
 */
import AjvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { parseDigest } from './digest.js';
import { BerthError, internal, invalidArgument } from './errors.js';
import { toOciMediaType } from './media-types.js';
import configSchema from './oci-schemas/config-schema.json' with { type: 'json' };
import contentDescriptorSchema from './oci-schemas/content-descriptor.json' with { type: 'json' };
import defsDescriptorSchema from './oci-schemas/defs-descriptor.json' with { type: 'json' };
import defsSchema from './oci-schemas/defs.json' with { type: 'json' };
import indexSchema from './oci-schemas/image-index-schema.json' with { type: 'json' };
import layoutSchema from './oci-schemas/image-layout-schema.json' with { type: 'json' };
import manifestSchema from './oci-schemas/image-manifest-schema.json' with { type: 'json' };

/** The documents berth validates. */
export type OciDocumentKind = 'manifest' | 'index' | 'config' | 'descriptor' | 'layout';

const idPrefix = 'https://opencontainers.org';
const base = `${idPrefix}/schema`;

/** The URL of each kind's schema and how it is named in messages. */
const kinds: Readonly<Record<OciDocumentKind, { url: string; label: string }>> = {
  manifest: { url: `${base}/image/manifest`, label: 'image manifest' },
  index: { url: `${base}/image/index`, label: 'image index' },
  config: { url: `${base}/image/config`, label: 'image config' },
  descriptor: { url: `${base}/descriptor`, label: 'content descriptor' },
  layout: { url: `${base}/image/layout`, label: 'oci-layout' },
};

/** Every schema file under each URL its relative `$ref`s may resolve to (as upstream does). */
const schemaFiles: ReadonlyArray<[object, string[]]> = [
  [configSchema, [`${base}/image/config`]],
  [contentDescriptorSchema, [`${base}/descriptor`, `${base}/image/content-descriptor.json`]],
  [defsDescriptorSchema, [`${base}/defs-descriptor.json`, `${base}/image/defs-descriptor.json`]],
  [
    defsSchema,
    [`${base}/defs.json`, `${base}/image/defs.json`, `${base}/image/descriptor/defs.json`],
  ],
  [indexSchema, [`${base}/image/index`]],
  [layoutSchema, [`${base}/image/layout`]],
  [manifestSchema, [`${base}/image/manifest`]],
];

let ajv: InstanceType<typeof AjvDraft04.default> | undefined;
const validators = new Map<OciDocumentKind, ValidateFunction>();

/**
 * A copy of a schema without its `https://opencontainers.org` ids: registered under several
 * URLs, the nested ids would clash. They sit next to `$ref` (ignored by draft-04) or in
 * subtrees without `$ref`, so dropping them changes nothing.
 */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => !(key === 'id' && typeof v === 'string' && v.startsWith(idPrefix)))
      .map(([key, v]) => [key, withoutIds(v)]),
  );
}

function validatorFor(kind: OciDocumentKind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate !== undefined) return validate;
  if (ajv === undefined) {
    ajv = new AjvDraft04.default({ strict: false, validateSchema: false });
    ajvFormats.default(ajv, ['uri', 'date-time']);
    for (const [schema, urls] of schemaFiles) {
      for (const url of urls) ajv.addSchema(withoutIds(schema) as object, url);
    }
  }
  validate = ajv.getSchema(kinds[kind].url);
  if (validate === undefined) throw internal(`no OCI schema for ${kind}`);
  validators.set(kind, validate);
  return validate;
}

/** A copy of `value` with Docker media types in `mediaType` fields replaced by OCI ones. */
function withOciMediaTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withOciMediaTypes);
  if (typeof value !== 'object' || value === null) return value;
  // Object.fromEntries keeps a "__proto__" key as data, as JSON.parse made it.
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === 'mediaType' && typeof v === 'string' ? toOciMediaType(v) : withOciMediaTypes(v),
    ]),
  );
}

function describe(error: ErrorObject): string {
  const message = error.message ?? `fails ${error.keyword}`;
  return error.instancePath === '' ? message : `${error.instancePath} ${message}`;
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const paddedBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** `KEY=value`; unlike the upstream regexp, values may contain newlines (Docker allows them). */
const envEntry = /^[^=]+=/;

/** The descriptors of a schema-valid document, with their JSON pointers. */
function descriptorsOf(kind: OciDocumentKind, doc: Json): Array<[string, Json]> {
  const found: Array<[string, unknown]> = [];
  if (kind === 'descriptor') found.push(['', doc]);
  if (kind === 'manifest') {
    found.push(['/config', doc.config]);
    asArray(doc.layers).forEach((d, i) => found.push([`/layers/${i}`, d]));
  }
  if (kind === 'index')
    asArray(doc.manifests).forEach((d, i) => found.push([`/manifests/${i}`, d]));
  if (kind === 'manifest' || kind === 'index') found.push(['/subject', doc.subject]);
  return found.flatMap(([path, d]) => {
    const o = asObject(d);
    return o === undefined ? [] : [[path, o] as [string, Json]];
  });
}

/** The checks the schemas leave out; returns the first problem, if any. */
function beyondSchema(kind: OciDocumentKind, doc: Json): string | undefined {
  const digestProblem = (path: string, value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    try {
      parseDigest(value);
      return undefined;
    } catch (e) {
      if (e instanceof BerthError) return `${path}: ${e.message}`;
      throw e;
    }
  };
  for (const [path, d] of descriptorsOf(kind, doc)) {
    const problem = digestProblem(`${path}/digest`, d.digest);
    if (problem !== undefined) return problem;
    if (typeof d.data === 'string' && !paddedBase64.test(d.data)) {
      return `${path}/data must be padded base64`;
    }
  }
  if (kind === 'config') {
    const env = asArray(asObject(doc.config)?.Env);
    const bad = env.findIndex((e) => typeof e === 'string' && !envEntry.test(e));
    if (bad >= 0) return `/config/Env/${bad} must have the form KEY=value`;
    const diffIds = asArray(asObject(doc.rootfs)?.diff_ids);
    for (const [i, diffId] of diffIds.entries()) {
      const problem = digestProblem(`/rootfs/diff_ids/${i}`, diffId);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/**
 * Checks `doc` against the OCI schema of `kind` and the upstream validator's extra checks.
 * Docker schema 2 media types are accepted (treated as their OCI equivalents). Throws
 * InvalidArgument naming the document and the first problem, e.g.
 * `invalid image manifest: /layers/0/digest must match pattern "…"`.
 */
export function validateOciDocument(kind: OciDocumentKind, doc: unknown): void {
  const { label } = kinds[kind];
  const converted = withOciMediaTypes(withoutDockerNulls(kind, doc));
  const validate = validatorFor(kind);
  if (!validate(converted)) {
    const first = validate.errors?.[0];
    throw invalidArgument(`invalid ${label}: ${first ? describe(first) : 'does not match schema'}`);
  }
  const object = asObject(converted);
  const problem = object && beyondSchema(kind, object);
  if (problem !== undefined) throw invalidArgument(`invalid ${label}: ${problem}`);
}

/**
 * Docker writes `null` for empty fields of an image config (`"Env": null` from `docker import`,
 * `"Volumes": null`...), which the OCI schema rejects but every engine accepts: such fields are
 * treated as absent.
 */
function withoutDockerNulls(kind: OciDocumentKind, doc: unknown): unknown {
  if (kind !== 'config') return doc;
  const object = asObject(doc);
  if (!object) return doc;
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
  const out = strip(object);
  const config = asObject(out['config']);
  if (config) out['config'] = strip(config);
  return out;
}

/**
 * Parses the JSON bytes of an OCI document and validates it (see {@link validateOciDocument}).
 * Returns the document as parsed, with its original media types.
 */
export function parseOciDocument<T>(kind: OciDocumentKind, bytes: Uint8Array | string): T {
  const { label } = kinds[kind];
  let doc: unknown;
  try {
    const text =
      typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    doc = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(
      `invalid ${label}: not JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  validateOciDocument(kind, doc);
  return withoutDockerNulls(kind, doc) as T;
}
