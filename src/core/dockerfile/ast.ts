/**
 * The tree the Dockerfile parser produces (BuildKit's `parser.Node`, flattened into arrays), and
 * the error it throws. Pure data: the builder turns nodes into typed instructions later.
 */
import { type BerthError, invalidArgument } from '../errors.js';

/** The two escape tokens `# escape=` accepts; `\` by default. */
export type EscapeToken = '\\' | '`';

/** 1-based, inclusive line range in the Dockerfile. */
export interface LineRange {
  startLine: number;
  endLine: number;
}

/** A heredoc attached to RUN, COPY or ADD (or ONBUILD wrapping them). */
export interface Heredoc {
  /** The delimiter word with its quotes removed (`<<'EOF'` gives `EOF`). */
  name: string;
  /** The file descriptor written before `<<` (`3<<EOF`), else 0. */
  fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are ignored on the terminator line and stripped from the body later. */
  chomp: boolean;
  /** The body lines exactly as written, each with its line ending; not chomped. */
  content: string;
}

/** One instruction: a logical line after continuations are joined. */
export interface Node {
  /** The instruction word as written (`RUN`, `from`, `COPPY`), case kept for messages. */
  value: string;
  /** `value` lower-cased, the key to dispatch on. */
  keyword: string;
  /** The logical line the node was parsed from (continuations joined, heredoc bodies not). */
  original: string;
  /** The `--flag` words before the arguments, each whole and with quotes removed. */
  flags: string[];
  /**
   * The arguments, split by the instruction's own rule. ENV and LABEL give [name, value, sep]
   * triples, sep being `=` or `""` for the legacy `ENV name value` form. ONBUILD has none: its
   * instruction is in `sub`.
   */
  args: string[];
  /** The arguments were a JSON array of strings (exec form). */
  json: boolean;
  /** ONBUILD's wrapped instruction. */
  sub?: Node;
  /** Heredoc bodies in the order of their `<<` words. */
  heredocs: Heredoc[];
  /** Comment lines just before the instruction, text after `#` trimmed. */
  prevComment: string[];
  startLine: number;
  endLine: number;
}

/** The root: every instruction in file order, spanning the first to the last. */
export interface Dockerfile extends LineRange {
  children: Node[];
}

/** A parser directive from the top of the file (`# syntax=`, `# escape=`, `# check=`). */
export interface Directive {
  /** Lower-cased name: `syntax`, `escape` or `check`. */
  name: string;
  value: string;
  line: number;
}

/** A non-fatal finding, as BuildKit's parser reports it (empty continuation lines). */
export interface Warning {
  short: string;
  detail: string[];
  url: string;
  location: LineRange;
}

export interface ParseResult {
  ast: Dockerfile;
  escapeToken: EscapeToken;
  directives: Directive[];
  warnings: Warning[];
}

/** A parse failure: an InvalidArgument carrying the lines it is about. */
export type DockerfileParseError = BerthError & { location: LineRange };

export function parseError(message: string, startLine: number, endLine = startLine) {
  const err = invalidArgument(message) as DockerfileParseError;
  err.location = { startLine, endLine: Math.max(startLine, endLine) };
  return err;
}

/** The lines a parse error is about, if it came from the parser. */
export const parseErrorLocation = (e: unknown): LineRange | undefined =>
  e instanceof Error && 'location' in e ? (e as DockerfileParseError).location : undefined;
