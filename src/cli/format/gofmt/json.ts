/**
 * encoding/json's Marshal with SetEscapeHTML(false), as docker's `json` template function uses it.
 *
 * Differences from JSON.stringify that show: U+2028/U+2029 are escaped, a lone surrogate becomes
 * \ufffd, floats use Go's 'e' form below 1e-6 and from 1e21 up, NaN and ±Inf are errors, and
 * Dates are RFC 3339 with trailing fractional zeros trimmed. Plain objects keep their key order
 * (they stand for Go structs); a `Map` is a Go map, so its keys are sorted.
 */
import { formatFloat } from './float.js';
import { compareKeys, kindOf } from './values.js';

/** Thrown for values encoding/json refuses (NaN, ±Inf, functions, cycles). */
export class UnsupportedValueError extends Error {}

const MAX_DEPTH = 1000;

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** A JSON string literal, escaped the way Go escapes it with HTML escaping off. */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029) out += '\\u' + hex4(c);
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

function jsonNumber(x: number): string {
  if (!Number.isFinite(x)) throw new UnsupportedValueError(`json: unsupported value: ${x}`);
  const abs = Math.abs(x);
  const fmt = abs !== 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f';
  const s = formatFloat(x, fmt, -1);
  // Go cleans up e-09 to e-9.
  return fmt === 'e' ? s.replace(/e-0(\d)$/, 'e-$1') : s;
}

/** time.Time's MarshalJSON: RFC 3339 with nanoseconds, trailing zeros trimmed. */
function jsonTime(d: Date): string {
  const iso = d.toISOString();
  return `"${iso.slice(0, 19)}${iso.slice(19, 23).replace(/\.?0+$/, '')}Z"`;
}

function encode(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH)
    throw new UnsupportedValueError('json: unsupported value: encountered a cycle');
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'null';
    case 'bool':
      return String(v);
    case 'int':
      return typeof v === 'bigint' ? v.toString() : jsonNumber(v as number);
    case 'float':
      return jsonNumber(v as number);
    case 'string':
      return jsonString(v as string);
    case 'time':
      return jsonTime(v as Date);
    case 'func':
      throw new UnsupportedValueError('json: unsupported type: func()');
    case 'slice':
      return `[${(v as unknown[]).map((e) => encode(e, depth + 1)).join(',')}]`;
    case 'map':
      return encodeMap(v as object, depth);
  }
}

function encodeMap(v: object, depth: number): string {
  const withToJSON = v as { toJSON?: unknown };
  if (!(v instanceof Map) && typeof withToJSON.toJSON === 'function') {
    return encode((withToJSON.toJSON as () => unknown).call(v), depth + 1);
  }
  const entries: [unknown, unknown][] =
    v instanceof Map
      ? [...(v as Map<unknown, unknown>).entries()].sort(([a], [b]) => compareKeys(a, b))
      : Object.entries(v);
  const parts: string[] = [];
  for (const [k, e] of entries) {
    if (e === undefined || typeof e === 'function') continue;
    parts.push(`${jsonString(String(k))}:${encode(e, depth + 1)}`);
  }
  return `{${parts.join(',')}}`;
}

/** json.Marshal(v) (no HTML escaping). Throws UnsupportedValueError where Go returns an error. */
export function marshalJSON(v: unknown): string {
  return encode(v, 0);
}
