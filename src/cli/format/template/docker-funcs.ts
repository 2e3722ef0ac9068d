/**
 * The functions docker/cli adds to every template (templates/templates.go): json, split, join,
 * title, lower, upper, pad and truncate, plus the identity variants it swaps in while rendering
 * a table header, so `{{upper .Name}}` still prints the header text NAME as given.
 */
import { marshalJSON } from '../gofmt/json.js';
import { fromUtf8, utf8Bytes } from '../gofmt/quote.js';
import { fn, type FuncDef } from './funcs.js';

/** Go's unicode simple case mapping: JS's mapping, unless it turns one rune into several. */
function mapRunes(s: string, map: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = map(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

const toUpper = (s: string) => mapRunes(s, (c) => c.toUpperCase());
const toLower = (s: string) => mapRunes(s, (c) => (c === '\u0130' ? 'i' : c.toLowerCase()));

/** The four digraphs whose title case differs from their upper case (Ǆ ǅ ǆ → ǅ, …). */
const titleDigraphs: Record<string, string> = {
  '\u01c4': '\u01c5',
  '\u01c6': '\u01c5',
  '\u01c7': '\u01c8',
  '\u01c9': '\u01c8',
  '\u01ca': '\u01cb',
  '\u01cc': '\u01cb',
  '\u01f1': '\u01f2',
  '\u01f3': '\u01f2',
};

/** unicode.ToTitle. */
const toTitle = (ch: string) => titleDigraphs[ch] ?? toUpper(ch);

/** strings.Title's isSeparator. */
function isSeparator(ch: string): boolean {
  if (ch.codePointAt(0)! <= 0x7f) return !/[0-9a-zA-Z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** strings.Title: upper-cases the first letter of every word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? toTitle(ch) : ch;
    prev = ch;
  }
  return out;
}

/** strings.Split: an empty separator splits into runes. */
function split(s: string, sep: string): string[] {
  return sep === '' ? [...s] : s.split(sep);
}

function repeat(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

/** docker's json: json.Marshal without HTML escaping; nothing at all if Go would fail. */
function json(v: unknown): string {
  try {
    return marshalJSON(v);
  } catch {
    return '';
  }
}

/** docker's truncate: the first n bytes, unless the string is shorter. */
function truncate(s: string, n: number): string {
  const bytes = utf8Bytes(s);
  if (bytes.length < n) return s;
  if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
  return fromUtf8(bytes.slice(0, n));
}

export const dockerFuncs: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['json', fn(['any'], ([v]) => json(v))],
  ['split', fn(['string', 'string'], ([s, sep]) => split(s as string, sep as string))],
  [
    'join',
    fn(['strings', 'string'], ([a, sep]) => ((a as string[] | null) ?? []).join(sep as string)),
  ],
  ['title', fn(['string'], ([s]) => title(s as string))],
  ['lower', fn(['string'], ([s]) => toLower(s as string))],
  ['upper', fn(['string'], ([s]) => toUpper(s as string))],
  [
    'pad',
    fn(['string', 'int', 'int'], ([s, l, r]) =>
      s === '' ? '' : repeat(l as number) + (s as string) + repeat(r as number),
    ),
  ],
  ['truncate', fn(['string', 'int'], ([s, n]) => truncate(s as string, n as number))],
]);

const first = ([s]: unknown[]) => s;

/** docker's HeaderFunctions: header text passes through unchanged (pad still pads). */
export const headerFuncs: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['json', fn(['string'], first)],
  ['split', fn(['string', 'string'], first)],
  ['join', fn(['string', 'string'], first)],
  ['title', fn(['string'], first)],
  ['lower', fn(['string'], first)],
  ['upper', fn(['string'], first)],
  ['truncate', fn(['string', 'int'], first)],
]);
