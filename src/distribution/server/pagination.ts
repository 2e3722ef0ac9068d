/**
 * `n`/`last` pagination of tag and catalog listings (distribution-spec "Listing Tags"), with
 * the RFC 5988 `Link` header for the next page. Pure.
 */
import { registryError } from './errors.js';

export interface Page {
  items: string[];
  /** The `Link` header value when more items follow. */
  link?: string;
}

/** Parses `n`; undefined when absent. Throws PAGINATION_NUMBER_INVALID for junk or < 0. */
export function parseN(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw registryError('PAGINATION_NUMBER_INVALID', `invalid number of results: ${value}`, {
      n: value,
    });
  }
  return Number(value);
}

/**
 * The page of `sorted` (lexically sorted, unique) after `last`, at most `n` items, and a Link to
 * `basePath` for the next page when one exists.
 */
export function paginate(
  sorted: readonly string[],
  opts: { n?: number; last?: string | null; basePath: string },
): Page {
  const last = opts.last ?? '';
  const after = last === '' ? [...sorted] : sorted.filter((s) => s > last);
  if (opts.n === undefined) return { items: after };
  const items = after.slice(0, opts.n);
  if (after.length <= opts.n || items.length === 0) return { items };
  const next = new URLSearchParams({ n: String(opts.n), last: items[items.length - 1]! });
  return { items, link: `<${opts.basePath}?${next.toString()}>; rel="next"` };
}

/** Byte-wise sort, as Go's sort.Strings (what distribution orders tags and names with). */
export const byteSort = (values: Iterable<string>): string[] =>
  [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
