/**
 * Display width of text in terminal cells, as go-runewidth (which docker's tabwriter uses)
 * measures it: East Asian wide and fullwidth characters and emoji take two cells, combining
 * marks, zero-width characters and controls none, everything else one. A grapheme cluster is as
 * wide as its first character of non-zero width.
 */

/** Inclusive code point ranges of East Asian Wide/Fullwidth characters and wide emoji. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

const zeroWidth = /^[\p{Mn}\p{Me}\p{Cc}\p{Cf}]$/u;

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Width of one code point: 0, 1 or 2 cells. */
export function runeWidth(ch: string): number {
  if (zeroWidth.test(ch) || (ch >= '\ufe00' && ch <= '\ufe0f')) return 0;
  return isWide(ch.codePointAt(0)!) ? 2 : 1;
}

// made on first use: creating a Segmenter loads ICU's break rules (~15 ms), which most output,
// plain ASCII, never needs
let graphemes: Intl.Segmenter | undefined;

/** Width of a string in terminal cells. */
export function stringWidth(s: string): number {
  // Fast path: printable ASCII is one cell per character.
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let width = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of graphemes.segment(s)) {
    for (const ch of segment) {
      const w = runeWidth(ch);
      if (w > 0) {
        width += w;
        break;
      }
    }
  }
  return width;
}
