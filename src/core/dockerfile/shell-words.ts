/**
 * The slice of BuildKit's shell lexer (`shell.Lex.ProcessWords`) the parser needs to find heredoc
 * words: split a line into words the way a shell would, with quotes and `\` escapes, an empty
 * environment and unset variables kept as written (`$EOF` stays `$EOF`). `<<` keeps the blanks
 * after it in its word, so `<<  EOF` is one word. Variable expansion proper belongs to the
 * builder's own lexer.
 */
import { isSpace } from './chars.js';
import { invalidArgument } from '../errors.js';

export interface ShellWordOptions {
  /** Keep quote characters in the words. */
  rawQuotes: boolean;
  /** Keep escape characters in the words. */
  rawEscapes: boolean;
}

const ESCAPE = '\\';

class Words {
  words: string[] = [];
  private word = '';
  private inWord = false;

  addChar(ch: string) {
    if (isSpace(ch)) {
      if (this.inWord && this.word !== '') {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRawString(ch);
    }
  }
  addString(s: string) {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string) {
    this.word += s;
    this.inWord = true;
  }
  finish(): string[] {
    if (this.word !== '') this.words.push(this.word);
    this.word = '';
    this.inWord = false;
    return this.words;
  }
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;

  constructor(
    src: string,
    private readonly opts: ShellWordOptions,
  ) {
    this.chars = Array.from(src);
    this.rawEscapes = opts.rawEscapes;
  }

  private peek = (): string | undefined => this.chars[this.pos];
  private next = (): string | undefined => this.chars[this.pos++];

  /** Reads up to `stop` (consumed) or the end; returns the text and its words. */
  processStopOn(stop: string | undefined, rawEscapes: boolean): { text: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let text = '';
      const words = new Words();
      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.next();
          return { text, words: words.finish() };
        }
        const special = this.special(ch);
        if (special) {
          const s = special();
          text += s;
          if (ch === '$') words.addString(s);
          else words.addRawString(s);
          continue;
        }
        this.next();
        if (ch === ESCAPE) {
          if (this.rawEscapes) {
            words.addRawString(ch);
            text += ch;
          }
          const escaped = this.next();
          if (escaped === undefined) break;
          words.addRawString(escaped);
          text += escaped;
        } else {
          words.addChar(ch);
          text += ch;
        }
      }
      if (stop !== undefined) {
        throw invalidArgument(`unexpected end of statement while looking for matching ${stop}`);
      }
      return { text, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private special(ch: string): (() => string) | undefined {
    if (ch === '$') return () => this.dollar();
    if (ch === '<') return () => this.possibleHeredoc();
    if (ch === "'") return () => this.singleQuote();
    if (ch === '"') return () => this.doubleQuote();
    return undefined;
  }

  private singleQuote(): string {
    const q = this.opts.rawQuotes ? "'" : '';
    this.next();
    let out = q;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) {
        throw invalidArgument(
          'unexpected end of statement while looking for matching single-quote',
        );
      }
      if (ch === "'") return out + q;
      out += ch;
    }
  }

  private doubleQuote(): string {
    const q = this.opts.rawQuotes ? '"' : '';
    this.next();
    let out = q;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) {
        throw invalidArgument(
          'unexpected end of statement while looking for matching double-quote',
        );
      }
      if (ch === '"') {
        this.next();
        return out + q;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.next();
      if (ch !== ESCAPE) {
        out += ch;
        continue;
      }
      if (this.rawEscapes) out += ch;
      const after = this.peek();
      if (after === undefined) continue; // an escape at the very end is dropped
      // only " $ and the escape itself can be escaped; any other escape stays as written (and,
      // as in BuildKit, twice when escapes are kept raw)
      if (after === '"' || after === '$' || after === ESCAPE) out += this.next()!;
      else out += ch;
    }
  }

  /** `$name`, `${name}` and `${name<op>word}` with nothing set: all kept as written. */
  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      return '$' + name;
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw invalidArgument("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') {
      throw invalidArgument('syntax error: bad substitution');
    }
    const name = this.name();
    const op = this.next();
    if (op === '}') return `\${${name}}`;
    if (op === ':') {
      // `${name:x...}` is read as a modifier whatever x is
      const op2 = this.next();
      const word = this.stopOn('}', op2 === '#' || op2 === '%', "syntax error: missing '}'");
      return `\${${name}:${op2 ?? ''}${word}}`;
    }
    if (op !== undefined && '+-?#%'.includes(op)) {
      const word = this.stopOn('}', op === '#' || op === '%', "syntax error: missing '}'");
      return `\${${name}${op}${word}}`;
    }
    if (op === '/') {
      if (this.peek() === '/') this.next();
      const pattern = this.stopOn('/', true, "syntax error: missing '/' in ${}");
      const replacement = this.stopOn('}', true, "syntax error: missing '}'");
      return `\${${name}/${pattern}/${replacement}}`;
    }
    throw invalidArgument(`unsupported modifier (${op ?? ''}) in substitution`);
  }

  private stopOn(stop: string, rawEscapes: boolean, atEnd: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).text;
    } catch (e) {
      if (this.peek() === undefined) throw invalidArgument(atEnd);
      throw e;
    }
  }

  /** A variable name: digits, one special parameter, or letters, digits and `_`. */
  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && /\p{Nd}/u.test(ch)) {
        while (this.peek() !== undefined && /\p{Nd}/u.test(this.peek()!)) name += this.next()!;
        return name;
      }
      if (name === '' && '@*#?-$!0'.includes(ch)) return this.next()!;
      if (!/[\p{L}\p{Nd}_]/u.test(ch)) break;
      name += this.next()!;
    }
    return name;
  }

  /**
   * `<<` (or `<<-`) with the blanks after it becomes one piece of the current word, so `<< EOF`
   * and `<<- EOF` are single heredoc words as in a shell. (BuildKit's lexer keeps the blanks after
   * `<<` only; the conformance table expects `RUN <<- EOF` to name `EOF` too.)
   */
  private possibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let out = '<<';
    if (this.peek() === '-') out += this.next()!;
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === '\r') out += this.next()!;
    return out;
  }
}

/** Splits `src` into shell words; throws an InvalidArgument on an unterminated quote or `${`. */
export function shellWords(src: string, opts: ShellWordOptions): string[] {
  return new Lexer(src, opts).processStopOn(undefined, opts.rawEscapes).words;
}
