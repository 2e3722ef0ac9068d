/**
 * One logical line to one node: the instruction word, its `--flags`, then the arguments by the
 * instruction's rule. Unknown instruction words are kept (with their arguments ignored) so the
 * builder can report them with their line.
 */
import {
  type ParsedArgs,
  parseHealthConfig,
  parseMaybeJson,
  parseMaybeJsonToList,
  parseNameOrNameVal,
  parseNameVal,
  parseString,
  parseWhitespaceDelimited,
} from './args.js';
import type { EscapeToken, Node } from './ast.js';
import { isSpaceCode, trimSpace, WHITESPACE_RUN } from './chars.js';

type ArgParser = (rest: string, escape: EscapeToken) => ParsedArgs;

const ARG_PARSERS: Record<string, ArgParser> = {
  add: parseMaybeJsonToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJson,
  copy: parseMaybeJsonToList,
  entrypoint: parseMaybeJson,
  env: (rest, escape) => parseNameVal(rest, 'ENV', escape),
  expose: parseWhitespaceDelimited,
  from: parseWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: (rest, escape) => parseNameVal(rest, 'LABEL', escape),
  maintainer: parseString,
  run: parseMaybeJson,
  shell: parseMaybeJson,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJsonToList,
  workdir: parseString,
};

/** An unknown instruction keeps one empty argument, as BuildKit's parseIgnore does. */
const IGNORED: ParsedArgs = { args: [''], json: false };

/**
 * Takes the leading `--flag` words off `text`. Quotes inside a flag are removed and the escape
 * token keeps the character after it; a bare `--` ends the flags and is dropped.
 */
export function extractFlags(text: string, escape: EscapeToken): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  let inQuote = false;
  let blankOK = false;
  for (let pos = 0; pos < text.length; pos++) {
    let ch = text[pos]!;
    if (!inWord && !inQuote) {
      if (isSpaceCode(ch.charCodeAt(0))) continue;
      if (ch !== '-' || text[pos + 1] !== '-') return { flags, rest: text.slice(pos) };
      inWord = true;
    }
    if (inQuote) {
      if (ch === quote) {
        [inQuote, inWord] = [false, true];
        continue;
      }
    } else if (isSpaceCode(ch.charCodeAt(0))) {
      if (word === '--') return { flags, rest: text.slice(pos) };
      if (blankOK || word !== '') flags.push(word);
      [inWord, word, blankOK] = [false, '', false];
      continue;
    } else if (ch === "'" || ch === '"') {
      [quote, blankOK, inQuote, inWord] = [ch, true, true, false];
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === text.length) {
        [inQuote, inWord] = [false, true];
        continue;
      }
      ch = text[++pos]!;
    }
    word += ch;
  }
  if ((inWord || inQuote) && word !== '--' && (blankOK || word !== '')) flags.push(word);
  return { flags, rest: '' };
}

/** The instruction word, its flags and the (trimmed) argument text of a logical line. */
export function splitCommand(
  line: string,
  escape: EscapeToken,
): { cmd: string; flags: string[]; args: string } {
  const trimmed = trimSpace(line);
  const m = WHITESPACE_RUN.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], args: '' };
  const { flags, rest } = extractFlags(trimmed.slice(m.index + m[0].length), escape);
  return { cmd: trimmed.slice(0, m.index), flags, args: trimSpace(rest) };
}

/**
 * Parses one logical line into a node (line numbers 0 until the caller sets them). Throws an
 * InvalidArgument for the arguments BuildKit rejects (ENV without a value, a JSON array of
 * non-strings, a name/value word without `=`).
 */
export function nodeFromLine(line: string, escape: EscapeToken, prevComment: string[]): Node {
  const { cmd, flags, args } = splitCommand(line, escape);
  const keyword = cmd.toLowerCase();
  let parsed: ParsedArgs;
  let sub: Node | undefined;
  if (keyword === 'onbuild') {
    // ONBUILD wraps a whole instruction of its own
    parsed = { args: [], json: false };
    if (args !== '') sub = nodeFromLine(args, escape, []);
  } else {
    parsed = ARG_PARSERS[keyword]?.(args, escape) ?? IGNORED;
  }
  return {
    value: cmd,
    keyword,
    original: line,
    flags,
    args: parsed.args,
    json: parsed.json,
    ...(sub && { sub }),
    heredocs: [],
    prevComment,
    startLine: 0,
    endLine: 0,
  };
}

const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

/** RUN, COPY and ADD in shell form, directly or under ONBUILD, may take heredocs. */
export function canContainHeredoc(node: Node): boolean {
  const target = node.keyword === 'onbuild' && node.sub ? node.sub : node;
  return HEREDOC_KEYWORDS.has(target.keyword) && !target.json;
}
