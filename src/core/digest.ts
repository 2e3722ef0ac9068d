/**
 * Content digests as defined by the OCI image spec (descriptor.md, "Digests"):
 *
 *     digest                ::= algorithm ":" encoded
 *     algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
 *     algorithm-component   ::= [a-z0-9]+
 *     algorithm-separator   ::= [+._-]
 *     encoded               ::= [a-zA-Z0-9=_-]+
 *
 * Registered algorithms get a stricter check of the encoded part (lowercase hex of the right
 * length). Unknown algorithms that follow the grammar are accepted, as the OCI validator does.
 */
import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.js';

/** A digest string, `sha256:<64 lowercase hex>` for everything berth computes itself. */
export type Digest = string;

const algorithmPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const encodedPattern = /^[a-zA-Z0-9=_-]+$/;

/** Hex lengths of the algorithms whose encoded part we can check exactly (as go-digest does). */
const hexLengths: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** True when `algorithm` is one whose digests we can check exactly (sha256, sha384, sha512). */
export function isKnownAlgorithm(algorithm: string): boolean {
  return Object.hasOwn(hexLengths, algorithm);
}

/** The sha256 digest of `data` (a string is hashed as its UTF-8 bytes). */
export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Splits a digest into algorithm and encoded part, validating it against the OCI grammar and,
 * for sha256/sha384/sha512, requiring exactly the right number of lowercase hex characters.
 * Throws InvalidArgument `invalid digest "<s>": <reason>`.
 */
export function parseDigest(s: string): { algorithm: string; encoded: string } {
  const fail = (reason: string) => invalidArgument(`invalid digest "${s}": ${reason}`);
  const colon = s.indexOf(':');
  if (colon < 0) throw fail('missing ":" between algorithm and encoded part');
  const algorithm = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  if (algorithm === '') throw fail('missing algorithm');
  if (!algorithmPattern.test(algorithm)) throw fail(`invalid algorithm "${algorithm}"`);
  if (encoded === '') throw fail('missing encoded part');
  if (!encodedPattern.test(encoded)) throw fail('encoded part has invalid characters');
  const hexLength = hexLengths[algorithm];
  if (hexLength !== undefined) {
    if (encoded.length !== hexLength) {
      throw fail(`${algorithm} needs ${hexLength} hex characters, got ${encoded.length}`);
    }
    if (!/^[a-f0-9]+$/.test(encoded)) throw fail(`${algorithm} needs lowercase hex characters`);
  }
  return { algorithm, encoded };
}

/** True when `s` is a valid digest (see {@link parseDigest}). */
export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

/** The encoded part of a digest: the hex string after `sha256:`. Throws on an invalid digest. */
export function digestHex(d: Digest): string {
  return parseDigest(d).encoded;
}

/**
 * OCI ChainIDs of a stack of layers, bottom first (image-spec config.md, "Layer ChainID"):
 * `chain[0] = diffIds[0]`, `chain[n] = sha256(chain[n-1] + " " + diffIds[n])`.
 */
export function chainIds(diffIds: Digest[]): Digest[] {
  const chain: Digest[] = [];
  for (const diffId of diffIds) {
    parseDigest(diffId);
    const parent = chain.at(-1);
    chain.push(parent === undefined ? diffId : sha256Digest(`${parent} ${diffId}`));
  }
  return chain;
}
