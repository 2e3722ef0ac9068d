/**
 * The Dockerfile parser, BuildKit's `frontend/dockerfile/parser` stage: source text to a tree of
 * instruction nodes with their line ranges. It reads parser directives at the top, drops comments
 * and blank lines, joins continuation lines (escape token at the end of a line), splits each
 * logical line into keyword, flags and arguments, and swallows heredoc bodies. It knows nothing of
 * what instructions mean: unknown words, bad flags and stage references are the builder's to
 * report. Pure: no I/O.
 */
import {
  type Dockerfile,
  type EscapeToken,
  type Node,
  type ParseResult,
  type Warning,
  parseError,
} from './ast.js';
import { trimLeftSpace, trimNewline, trimSpace } from './chars.js';
import { DirectiveReader } from './directives.js';
import { heredocsFromLine } from './heredoc.js';
import { canContainHeredoc, nodeFromLine } from './instruction.js';
import { isBerthError } from '../errors.js';

export type * from './ast.js';
export { parseErrorLocation } from './ast.js';
export { dump, dumpNode, goQuote } from './dump.js';
export { chompHeredocContent, heredocsFromLine, parseHeredoc } from './heredoc.js';
export { parseWords } from './args.js';

/** bufio.MaxScanTokenSize - 1: BuildKit reads lines with a 64 KiB scanner. */
export const MAX_LINE_BYTES = 65535;

const CONTINUATION: Record<EscapeToken, RegExp> = {
  '\\': /([^\\])\\[ \t]*$|^\\[ \t]*$/,
  '`': /([^`])`[ \t]*$|^`[ \t]*$/,
};

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Physical lines, each with its line ending; counts them and enforces the length limit. */
class Lines {
  line = 0;
  private pos = 0;
  constructor(private readonly text: string) {}

  next(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    const nl = this.text.indexOf('\n', this.pos);
    const end = nl < 0 ? this.text.length : nl + 1;
    const raw = this.text.slice(this.pos, end);
    this.pos = end;
    this.line++;
    const body = nl < 0 ? raw : raw.slice(0, -1);
    if (body.length > MAX_LINE_BYTES / 3 && utf8Length(body) > MAX_LINE_BYTES) {
      throw parseError(
        `dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`,
        this.line,
      );
    }
    return raw;
  }
}

const isComment = (line: string) => trimLeftSpace(line).startsWith('#');

/** Removes a trailing continuation token; says whether the logical line ends here. */
function trimContinuation(line: string, escape: EscapeToken): { text: string; end: boolean } {
  const re = CONTINUATION[escape];
  return re.test(line) ? { text: line.replace(re, '$1'), end: false } : { text: line, end: true };
}

/** Runs `fn`, giving a BerthError it throws the location `startLine..endLine`. */
function located<T>(fn: () => T, startLine: number, endLine: number): T {
  try {
    return fn();
  } catch (e) {
    if (isBerthError(e) && !('location' in e)) throw parseError(e.message, startLine, endLine);
    throw e;
  }
}

/** Reads the heredoc bodies that follow an instruction line into `node.heredocs`. */
function readHeredocs(node: Node, lines: Lines, startLine: number): void {
  const words = located(() => heredocsFromLine(node.original), startLine, lines.line);
  for (const word of words) {
    let content = '';
    let terminated = false;
    for (let body = lines.next(); body !== undefined; body = lines.next()) {
      let candidate = trimNewline(body);
      if (word.chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === word.name) {
        terminated = true;
        break;
      }
      content += body;
    }
    if (!terminated) throw parseError('unterminated heredoc', startLine, lines.line);
    node.heredocs.push({ ...word, content });
  }
}

/**
 * Parses a Dockerfile. Throws an InvalidArgument with a `location` (see parseErrorLocation) when
 * BuildKit's parser would fail: no instructions, a repeated or invalid directive, ENV/LABEL
 * without a value, a JSON array of non-strings, an unterminated heredoc, a line over 64 KiB.
 */
export function parseDockerfile(source: string | Uint8Array): ParseResult {
  let text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const lines = new Lines(text);
  const directives = new DirectiveReader();
  const readDirective = (line: string) =>
    located(() => directives.read(line, lines.line), lines.line, lines.line);
  const children: Node[] = [];
  const warnings: Warning[] = [];
  let comments: string[] = [];

  for (let raw = lines.next(); raw !== undefined; raw = lines.next()) {
    // the first line of an instruction loses its indentation; a comment line is dropped
    const first = trimLeftSpace(trimNewline(raw));
    if (first.startsWith('#')) {
      const comment = trimSpace(first.slice(1));
      comments = comment === '' ? [] : [...comments, comment];
    }
    if (readDirective(first)) comments.pop();
    const startLine = lines.line;
    const head = trimContinuation(first.startsWith('#') ? '' : first, directives.escapeToken);
    let line = head.text;
    if (head.end && line === '') continue;

    // continuation lines are appended as they are; comment and blank lines in between are skipped
    let emptyContinuation = false;
    let next = head.end ? undefined : lines.next();
    while (next !== undefined) {
      const piece = trimNewline(next);
      readDirective(piece);
      if (trimLeftSpace(piece) === '') {
        emptyContinuation = true;
      } else if (!isComment(next)) {
        const more = trimContinuation(piece, directives.escapeToken);
        line += more.text;
        if (more.end) break;
      }
      next = lines.next();
    }
    if (emptyContinuation) {
      warnings.push({
        short: `Empty continuation line found in: ${line}`,
        detail: ['Empty continuation lines will become errors in a future release'],
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
        location: { startLine: lines.line, endLine: lines.line },
      });
    }

    const joined = line;
    const node = located(
      () => nodeFromLine(joined, directives.escapeToken, comments),
      startLine,
      lines.line,
    );
    if (canContainHeredoc(node) && joined.includes('<<')) readHeredocs(node, lines, startLine);
    node.startLine = startLine;
    node.endLine = lines.line;
    if (node.sub) [node.sub.startLine, node.sub.endLine] = [startLine, lines.line];
    children.push(node);
    comments = [];
  }

  if (children.length === 0) throw parseError('file with no instructions', lines.line);
  const ast: Dockerfile = {
    children,
    startLine: children[0]!.startLine,
    endLine: children[children.length - 1]!.endLine,
  };
  return {
    ast,
    escapeToken: directives.escapeToken,
    directives: directives.directives,
    warnings,
  };
}
