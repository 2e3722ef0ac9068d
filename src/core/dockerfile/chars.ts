/** Character classes and trims with Go's meaning, which the parser's rules are written in. */

/** Go's `unicode.IsSpace` for one UTF-16 code unit (every such rune is in the BMP). */
export function isSpaceCode(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

export const isSpace = (ch: string): boolean => ch !== '' && isSpaceCode(ch.charCodeAt(0));

/** `strings.TrimLeftFunc(s, unicode.IsSpace)`. */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return s.slice(i);
}

/** `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isSpaceCode(s.charCodeAt(end - 1))) end--;
  return trimLeftSpace(s.slice(0, end));
}

/** Drops the trailing CR/LF characters of a physical line. */
export const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '');

/** BuildKit's `reWhitespace`: the separators of FROM/EXPOSE arguments and the legacy ENV form. */
export const WHITESPACE_RUN = /[\t\v\f\r ]+/;
