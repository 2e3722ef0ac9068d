/**
 * The byte ranges of the distribution API. Pure.
 *
 * - `Content-Range` of a chunked upload PATCH: `<start>-<end>` (inclusive; distribution also
 *   accepts a `bytes ` prefix, and so does berth).
 * - `Range` of a blob GET (RFC 9110): one range, `bytes=a-b`, `bytes=a-` or `bytes=-n`.
 */

/** The parsed `Content-Range` of a PATCH, or undefined when malformed. */
export function parseContentRange(header: string): { start: number; end: number } | undefined {
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  return { start, end };
}

export type RangeResult =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * What a `Range` header asks of a blob of `size` bytes. A header that is not a single byte range
 * is ignored (the whole blob), as RFC 9110 allows; a range starting past the end is
 * unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', start, end };
}

/** The `Range` header of an upload's status: the bytes received so far (`0-0` for none). */
export const uploadRange = (size: number) => `0-${size > 0 ? size - 1 : 0}`;
