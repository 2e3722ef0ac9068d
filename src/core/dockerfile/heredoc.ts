/**
 * Heredoc words (`<<EOF`, `<<-EOF`, `3<<'EOF'`): finding them in an instruction line and reading
 * their name, file descriptor and flags. The parser then swallows the body lines.
 */
import type { Heredoc } from './ast.js';
import { shellWords } from './shell-words.js';
import { invalidArgument } from '../errors.js';

export type HeredocWord = Omit<Heredoc, 'content'>;

// Go's \s is [\t\n\f\r ]
const HEREDOC = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

const countQuotes = (s: string) => s.split(/['"]/).length - 1;

/**
 * Reads one word as a heredoc word. Returns null when it is not one (`<<`, `<EOF`, `<<EOF sh`),
 * throws an InvalidArgument when its quotes do not close (`<<'EOF`).
 */
export function parseHeredoc(word: string): HeredocWord | null {
  const m = HEREDOC.exec(word);
  if (!m) return null;
  const rest = m[3]!;
  if (rest === '') return null;
  // The name is the word with quotes removed; if lexing with and without keeping quotes gives a
  // different number of quote characters, part of the word was quoted and the body is literal.
  const words = shellWords(rest, { rawQuotes: false, rawEscapes: false });
  if (words.length !== 1) return null;
  const raw = shellWords(rest, { rawQuotes: true, rawEscapes: false });
  if (raw.length !== 1) {
    throw invalidArgument(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  const name = words[0]!;
  return {
    name,
    fileDescriptor: m[1] ? Number(m[1]) : 0,
    expand: countQuotes(name) === countQuotes(raw[0]!),
    chomp: m[2] === '-',
  };
}

/**
 * The heredoc words of an instruction line, in order. A line the shell lexer cannot split (an
 * unterminated quote) has none.
 */
export function heredocsFromLine(line: string): HeredocWord[] {
  let words: string[];
  try {
    words = shellWords(line, { rawQuotes: true, rawEscapes: true });
  } catch {
    return [];
  }
  return words.map(parseHeredoc).filter((h): h is HeredocWord => h !== null);
}

/** `<<-` bodies: the leading tabs of every line removed (lines end at `\n` only). */
export const chompHeredocContent = (content: string): string => content.replace(/(^|\n)\t+/g, '$1');
