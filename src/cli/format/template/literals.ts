/**
 * Go literal syntax for template constants: strconv.Unquote for "…", `…` and '…', and
 * strconv.ParseInt/ParseFloat (base prefixes, underscores) for numbers. Failures return
 * undefined; the parser words the error.
 */
import { fromUtf8, utf8Bytes } from '../gofmt/quote.js';

const simpleEscapes: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
};

interface Unquoted {
  /** A code point, or a single byte when `isByte` (\x and octal escapes). */
  value: number;
  isByte: boolean;
  /** Offset just past the character in the input. */
  end: number;
}

/** strconv.UnquoteChar: one possibly escaped character of a literal quoted with `quote`. */
function unquoteChar(s: string, i: number, quote: string): Unquoted | undefined {
  const ch = String.fromCodePoint(s.codePointAt(i)!);
  if (ch === quote && (quote === "'" || quote === '"')) return undefined;
  if (ch !== '\\') return { value: ch.codePointAt(0)!, isByte: false, end: i + ch.length };
  const c = s[i + 1];
  if (c === undefined) return undefined;
  if (c in simpleEscapes) return { value: simpleEscapes[c]!, isByte: false, end: i + 2 };
  if (c === "'" || c === '"')
    return c === quote ? { value: c.charCodeAt(0), isByte: false, end: i + 2 } : undefined;
  const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const digits = s.slice(i + 2, i + 2 + hexLen);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(digits)) return undefined;
    const value = parseInt(digits, 16);
    if (c === 'x') return { value, isByte: true, end: i + 4 };
    if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
    return { value, isByte: false, end: i + 2 + hexLen };
  }
  const octal = s.slice(i + 1, i + 4);
  if (/^[0-7]{3}$/.test(octal)) {
    const value = parseInt(octal, 8);
    return value > 255 ? undefined : { value, isByte: true, end: i + 4 };
  }
  return undefined;
}

/** strconv.Unquote for a "…" or `…` literal. */
export function unquoteString(quoted: string): string | undefined {
  const q = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) return undefined;
  const body = quoted.slice(1, -1);
  if (q === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (q !== '"') return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    const u = unquoteChar(body, i, '"');
    if (u === undefined || (body[i] === '\n' && !u.isByte)) return undefined;
    if (u.isByte) bytes.push(u.value);
    else bytes.push(...utf8Bytes(String.fromCodePoint(u.value)));
    i = u.end;
  }
  return fromUtf8(Uint8Array.from(bytes));
}

/** A '…' character constant's value, or which of Go's two errors it earns. */
export function unquoteCharConstant(quoted: string): number | 'syntax' | 'malformed' {
  const u = unquoteChar(quoted, 1, "'");
  if (u === undefined) return 'syntax';
  return quoted.slice(u.end) === "'" ? u.value : 'malformed';
}

/** Go's underscoreOK: an underscore must sit between digits (a base prefix counts as one). */
function underscoreOK(s: string): boolean {
  const body = s.replace(/^[+-]/, '');
  const prefixed = /^0[xXoObB]/.test(body);
  const hex = /^0[xX]/.test(body);
  let saw = prefixed ? '0' : '^';
  for (let i = prefixed ? 2 : 0; i < body.length; i++) {
    const c = body[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** strconv.ParseInt(s, 0, 64). */
export function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(
    text,
  );
  if (!m || !underscoreOK(text)) return undefined;
  let body = m[2]!.replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1); // a leading 0 means octal
  if (/^0[xXoObB]$/.test(body)) return undefined;
  const n = BigInt(body) * (m[1] === '-' ? -1n : 1n);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

/** Go's ParseFloat reports out-of-range values as errors. */
const finite = (x: number) => (Number.isFinite(x) ? x : undefined);

/** strconv.ParseFloat(s, 64) for decimal and hexadecimal (p-exponent) forms. */
export function parseGoFloat(text: string): number | undefined {
  if (!underscoreOK(text)) return undefined;
  const s = text.replace(/_/g, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return finite(Number(s));
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (!hex || hex[2]! + hex[3]! === '') return undefined;
  const mantissa = parseInt(hex[2]! + hex[3]! || '0', 16) / 16 ** hex[3]!.length;
  return finite((hex[1] === '-' ? -1 : 1) * mantissa * 2 ** Number(hex[4]));
}
