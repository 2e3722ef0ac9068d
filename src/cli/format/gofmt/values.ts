/**
 * How JavaScript values look through Go's eyes. Templates run over plain JS data, so each value
 * is given the Go kind it would have had in Docker's Go structs or decoded JSON:
 *
 * - `undefined` is the invalid reflect.Value (a missing map key): it prints as `<no value>`;
 * - `null` is a nil pointer/interface; booleans, strings and functions are themselves;
 * - a number is an `int` when it is integral and fits in int64, otherwise a `float64`
 *   (bigint is always `int`);
 * - arrays are slices; `Map`s and other objects are maps (their keys sorted when printed or
 *   ranged over, like Go maps), except `Date`, which is a `time.Time`.
 */

export type Kind =
  'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'time' | 'func';

const INT64_LIMIT = 2 ** 63;

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
    case 'symbol':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isInteger(v) && Math.abs(v) < INT64_LIMIT ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    default:
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Date) return 'time';
      return 'map';
  }
}

/** The Go type name used in error messages, as reflect would spell it. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return (v as unknown[]).length > 0 && (v as unknown[]).every((e) => typeof e === 'string')
        ? '[]string'
        : '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func(...) interface {}';
  }
}

/** Orders map keys like Go's fmtsort: numbers numerically, strings bytewise, numbers first. */
export function compareKeys(a: unknown, b: unknown): number {
  const an = typeof a === 'number' || typeof a === 'bigint';
  const bn = typeof b === 'number' || typeof b === 'bigint';
  if (an && bn) return a < b ? -1 : a > b ? 1 : 0;
  if (an !== bn) return an ? -1 : 1;
  const as = String(a);
  const bs = String(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

/** The entries of a map-kind value in Go's sorted order; undefined values count as absent. */
export function mapEntries(v: object): [unknown, unknown][] {
  const entries: [unknown, unknown][] =
    v instanceof Map
      ? [...(v as Map<unknown, unknown>).entries()]
      : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  return entries.filter(([, e]) => e !== undefined).sort(([a], [b]) => compareKeys(a, b));
}

/** The number of entries `len` reports for a map-kind value. */
export function mapSize(v: object): number {
  return mapEntries(v).length;
}

/**
 * Looks up a map key (an own property, or a Map entry). For class instances, members inherited
 * from a prototype other than Object.prototype also count, so getters and methods work.
 */
export function lookupKey(v: object, key: string): { found: boolean; value: unknown } {
  if (v instanceof Map) {
    const m = v as Map<unknown, unknown>;
    return { found: m.has(key), value: m.get(key) };
  }
  for (
    let o: object | null = v;
    o !== null && o !== Object.prototype;
    o = Object.getPrototypeOf(o) as object | null
  ) {
    if (Object.prototype.hasOwnProperty.call(o, key)) {
      return { found: true, value: (v as Record<string, unknown>)[key] };
    }
  }
  return { found: false, value: undefined };
}

/** Go's truth: false, 0, nil, an empty string, slice or map, or no value at all. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return Number(v) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return mapSize(v as object) > 0;
    default:
      return true;
  }
}
