/**
 * Go string helpers: UTF-8 byte views (Go strings are bytes; `len`, `slice` and `truncate` count
 * bytes) and strconv.Quote / QuoteRune.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `s`, as Go would hold the string. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8 bytes, replacing invalid sequences with U+FFFD as Go's range loop reads them. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Go's len(s): the length in UTF-8 bytes. */
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(ch: string): boolean {
  return printable.test(ch);
}

const shortEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Escapes one character for a quoted literal delimited by `quote`. */
function escapeChar(ch: string, quote: string): string {
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (isPrint(ch)) return ch;
  const short = shortEscapes[ch];
  if (short !== undefined) return short;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\ufffd'; // a lone surrogate reads as RuneError
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

/** strconv.Quote: a double-quoted Go string literal. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeChar(ch, '"');
  return out + '"';
}

/** strconv.QuoteRune: a single-quoted Go character literal. */
export function quoteRune(cp: number): string {
  const valid = cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return `'${escapeChar(valid ? String.fromCodePoint(cp) : '\ufffd', "'")}'`;
}
