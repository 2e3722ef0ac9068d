/**
 * The per-instruction argument rules (BuildKit's line parsers): whitespace lists, one string,
 * JSON arrays (exec form) with their fallbacks, name=value pairs for ENV and LABEL, words for ARG
 * and HEALTHCHECK's type word. Quotes and escapes are kept: removing them is the builder's job.
 */
import { isSpace, isSpaceCode, trimLeftSpace, WHITESPACE_RUN } from './chars.js';
import { goQuote } from './dump.js';
import { invalidArgument } from '../errors.js';

export interface ParsedArgs {
  args: string[];
  /** The arguments came from a JSON array. */
  json: boolean;
}

const plain = (args: string[]): ParsedArgs => ({ args, json: false });

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/**
 * Splits into words at unquoted whitespace. Quote characters stay in the words and `''` is still a
 * word; the escape token keeps the character after it (both stay), except inside `'...'`; an
 * escape token at the very end is dropped.
 */
export function parseWords(rest: string, escape: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  let inQuote = false;
  let blankOK = false;
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i]!;
    if (!inWord && !inQuote) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (inQuote) {
      if (ch === quote) [inQuote, inWord] = [false, true];
      if (ch === escape && quote !== "'") {
        if (i + 1 === chars.length) {
          [inQuote, inWord] = [false, true];
          continue;
        }
        word += ch;
        ch = chars[++i]!;
      }
      word += ch;
      continue;
    }
    if (isSpace(ch)) {
      if (blankOK || word !== '') words.push(word);
      [inWord, word, blankOK] = [false, '', false];
      continue;
    }
    if (ch === "'" || ch === '"') [quote, blankOK, inQuote, inWord] = [ch, true, true, false];
    if (ch === escape) {
      if (i + 1 === chars.length) continue;
      word += ch;
      ch = chars[++i]!;
    }
    word += ch;
  }
  if ((inWord || inQuote) && (blankOK || word !== '')) words.push(word);
  return words;
}

/** Splits once at the first whitespace run (`reWhitespace.Split(s, 2)`). */
function splitOnce(s: string): string[] {
  const m = WHITESPACE_RUN.exec(s);
  return m ? [s.slice(0, m.index), s.slice(m.index + m[0].length)] : [s];
}

/**
 * ENV and LABEL: `name value` (the legacy form, one pair whose value is the rest of the line) or
 * `a=1 b="2 3"`. Gives [name, value, separator] triples; the separator is `=`, or "" for the
 * legacy form.
 */
export function parseNameVal(rest: string, key: string, escape: string): ParsedArgs {
  const words = parseWords(rest, escape);
  if (words.length === 0) return plain([]);
  if (!words[0]!.includes('=')) {
    const parts = splitOnce(rest);
    if (parts.length < 2) throw invalidArgument(`${key} must have two arguments`);
    return plain([parts[0]!, parts[1]!, '']);
  }
  const args: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      throw invalidArgument(
        `Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`,
      );
    }
    args.push(word.slice(0, eq), word.slice(eq + 1), '=');
  }
  return plain(args);
}

/** ARG: the words, `=` not looked at. */
export const parseNameOrNameVal = (rest: string, escape: string): ParsedArgs =>
  plain(parseWords(rest, escape));

/** FROM, EXPOSE and the non-JSON form of ADD/COPY/VOLUME: one argument per whitespace piece. */
export const parseWhitespaceDelimited = (rest: string): ParsedArgs =>
  plain(rest === '' ? [] : rest.split(WHITESPACE_RUN));

/** MAINTAINER, USER, WORKDIR, STOPSIGNAL: the whole text as one argument. */
export const parseString = (rest: string): ParsedArgs => plain(rest === '' ? [] : [rest]);

/** The end of the JSON value that starts at `s[0]` (an array), or -1 when it never closes. */
function jsonValueEnd(s: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The exec form: the text (leading blanks dropped) must start with a JSON array; like Go's
 * json.Decoder, whatever follows the array is ignored. Returns undefined when it is not JSON;
 * throws when it is an array holding something other than strings.
 */
export function parseJsonArray(rest: string): string[] | undefined {
  const text = trimLeftSpace(rest);
  if (!text.startsWith('[')) return undefined;
  const end = jsonValueEnd(text);
  if (end < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((v): v is string => typeof v === 'string')) {
    throw invalidArgument(NOT_STRING_ARRAY);
  }
  return value;
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, or else the whole text as one argument. */
export function parseMaybeJson(rest: string): ParsedArgs {
  if (rest === '') return plain([]);
  const array = parseJsonArray(rest);
  return array ? { args: array, json: true } : plain([rest]);
}

/** ADD, COPY, VOLUME: a JSON array, or else whitespace-separated arguments. */
export function parseMaybeJsonToList(rest: string): ParsedArgs {
  const array = parseJsonArray(rest);
  return array ? { args: array, json: true } : parseWhitespaceDelimited(rest);
}

/** HEALTHCHECK: the type word (`CMD`, `NONE`, ...) then the command as RUN takes it. */
export function parseHealthConfig(rest: string): ParsedArgs {
  let sep = 0;
  while (sep < rest.length && !isSpaceCode(rest.charCodeAt(sep))) sep++;
  if (sep === 0) return plain([]);
  let next = sep;
  while (next < rest.length && isSpaceCode(rest.charCodeAt(next))) next++;
  const cmd = parseMaybeJson(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}
