/**
 * Variable substitution in Dockerfile arguments, as BuildKit's shell lexer does it for the
 * instructions that allow it (FROM, COPY, ADD, ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME,
 * STOPSIGNAL): `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`,
 * `${VAR:?message}`, with quote removal — single quotes keep everything literal, double quotes
 * keep spaces but still expand, the escape character (`\` or `` ` ``) escapes the next one.
 */
import { invalidArgument } from './errors.js';

export type Env = ReadonlyMap<string, string>;

/** Expand one word (quotes removed). */
export function expandWord(word: string, env: Env, escape = '\\'): string {
  return new Lexer(word, env, escape).word();
}

/**
 * Expand variables in a heredoc body (COPY <<EOF with an unquoted delimiter): quotes are text
 * there, only `$` and the escape character act.
 */
export function expandText(text: string, env: Env, escape = '\\'): string {
  return new Lexer(text, env, escape, false).word();
}

/** Expand and split on unquoted whitespace (EXPOSE, VOLUME, COPY sources). */
export function expandWords(text: string, env: Env, escape = '\\'): string[] {
  return new Lexer(text, env, escape).words();
}

class Lexer {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly env: Env,
    private readonly esc: string,
    /** false: quotes are plain characters (heredoc bodies) */
    private readonly quotes = true,
  ) {}

  word(): string {
    return this.words(false).join('');
  }

  words(split = true): string[] {
    const out: string[] = [];
    let cur = '';
    let started = false;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (split && /\s/.test(c)) {
        this.i++;
        if (started) out.push(cur);
        cur = '';
        started = false;
        continue;
      }
      started = true;
      if (c === "'" && this.quotes) cur += this.single();
      else if (c === '"' && this.quotes) cur += this.double();
      else if (c === this.esc) {
        this.i++;
        if (this.i < this.s.length) cur += this.s[this.i++];
        else cur += c;
      } else if (c === '$') {
        const value = this.dollar();
        if (!split) cur += value;
        else {
          // an unquoted expansion is split into words, as a shell does
          const parts = value.split(/\s+/);
          cur += parts[0];
          for (const part of parts.slice(1)) {
            if (cur !== '') out.push(cur);
            cur = part;
          }
          started = cur !== '' || parts.length === 1;
        }
      } else {
        cur += c;
        this.i++;
      }
    }
    if (started && (cur !== '' || !split || out.length === 0)) out.push(cur);
    return out.filter((w, i, all) => !split || w !== '' || all.length === 1);
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0)
      throw invalidArgument(`unexpected end of statement while looking for matching single-quote`);
    const text = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return text;
  }

  private double(): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === this.esc && this.i + 1 < this.s.length) {
        const next = this.s[this.i + 1]!;
        // inside double quotes the escape only escapes these, as in a POSIX shell
        if (next === '"' || next === '$' || next === this.esc) {
          out += next;
          this.i += 2;
          continue;
        }
      }
      if (c === '$') {
        out += this.dollar();
        continue;
      }
      out += c;
      this.i++;
    }
    throw invalidArgument('unexpected end of statement while looking for matching double-quote');
  }

  private dollar(): string {
    this.i++; // $
    const c = this.s[this.i];
    if (c === '{') return this.braced();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) return '$';
    this.i += m[0].length;
    return this.env.get(m[0]) ?? '';
  }

  private braced(): string {
    this.i++; // {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) throw invalidArgument(`bad substitution: ${this.s}`);
    const name = m[0];
    this.i += name.length;
    if (this.i >= this.s.length) throw invalidArgument(`syntax error: missing '}' in ${this.s}`);
    if (this.s[this.i] === '}') {
      this.i++;
      return this.env.get(name) ?? '';
    }
    const op = /^(:?[-+?])/.exec(this.s.slice(this.i))?.[1];
    if (!op) throw invalidArgument(`unsupported modifier in \${${name}...}: ${this.s}`);
    this.i += op.length;
    const word = this.until('}');
    const value = this.env.get(name);
    const set = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    switch (op.replace(':', '')) {
      case '-':
        return set ? value! : word;
      case '+':
        return set ? word : '';
      default:
        if (!set) throw invalidArgument(`${name}: ${word || 'is not allowed to be unset'}`);
        return value!;
    }
  }

  /** The (expanded) word up to the closing brace. */
  private until(close: string): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === close) {
        this.i++;
        return out;
      }
      if (c === "'") out += this.single();
      else if (c === '"') out += this.double();
      else if (c === '$') out += this.dollar();
      else if (c === this.esc && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
      } else {
        out += c;
        this.i++;
      }
    }
    throw invalidArgument(`syntax error: missing '}' in ${this.s}`);
  }
}
