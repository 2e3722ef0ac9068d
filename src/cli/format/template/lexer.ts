/**
 * The lexer of Go's text/template (text/template/parse/lex.go), as a state machine that scans
 * the whole template up front. Trim markers (`{{- ` and ` -}}`) and comments are handled here,
 * so the parser never sees them.
 */
import { isPrint } from '../gofmt/quote.js';

export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  type: ItemType;
  /** Offset of the item in the input. */
  pos: number;
  val: string;
  /** 1-based line the item starts on. */
  line: number;
}

const keywords: Record<string, ItemType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  range: 'range',
  nil: 'nil',
  template: 'template',
  with: 'with',
};

export function isKeyword(t: ItemType): boolean {
  return Object.values(keywords).includes(t);
}

/** Go's item.String(), used in "unexpected …" parse errors. */
export function itemString(i: Item): string {
  if (i.type === 'eof') return 'EOF';
  if (i.type === 'error') return i.val;
  if (isKeyword(i.type)) return `<${i.val}>`;
  const chars = [...i.val];
  if (chars.length > 10) return `${goQuote(chars.slice(0, 10).join(''))}...`;
  return goQuote(i.val);
}

/** A %q rendering good enough for lexer items (which are printable ASCII in practice). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** %#U: `U+007D '}'` (the character itself only when printable). */
export function runeDescription(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrint(ch) ? `${code} '${ch}'` : code;
}

const LEFT = '{{';
const RIGHT = '}}';
const EOF = '';

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const alnum = /^[\p{L}\p{Nd}_]$/u;
const isAlphaNumeric = (ch: string) => ch !== EOF && alnum.test(ch);
const hasLeftTrimMarker = (s: string) => s.length >= 2 && s[0] === '-' && isSpace(s[1]!);
const hasRightTrimMarker = (s: string) => s.length >= 2 && isSpace(s[0]!) && s[1] === '-';
const leftTrimLength = (s: string) => s.length - s.replace(/^[ \t\r\n]+/, '').length;
const rightTrimLength = (s: string) => s.length - s.replace(/[ \t\r\n]+$/, '').length;
const countNewlines = (s: string) => s.split('\n').length - 1;

type StateFn = ((l: Lexer) => StateFn) | null;

class Lexer {
  pos = 0;
  start = 0;
  line = 1;
  startLine = 1;
  parenDepth = 0;
  readonly items: Item[] = [];

  constructor(readonly input: string) {}

  next(): string {
    if (this.pos >= this.input.length) {
      this.pos = this.input.length + 1; // remember we hit EOF, so backup() is a no-op
      return EOF;
    }
    const ch = String.fromCodePoint(this.input.codePointAt(this.pos)!);
    this.pos += ch.length;
    if (ch === '\n') this.line++;
    return ch;
  }

  backup(): void {
    if (this.pos > this.input.length) {
      this.pos = this.input.length;
      return;
    }
    if (this.pos === 0) return;
    const prev = this.input.charCodeAt(this.pos - 1);
    const width = prev >= 0xdc00 && prev <= 0xdfff && this.pos >= 2 ? 2 : 1;
    this.pos -= width;
    if (this.input[this.pos] === '\n') this.line--;
  }

  peek(): string {
    const ch = this.next();
    this.backup();
    return ch;
  }

  rest(at = this.pos): string {
    return this.input.slice(at);
  }

  emit(type: ItemType): void {
    this.items.push({
      type,
      pos: this.start,
      val: this.input.slice(this.start, this.pos),
      line: this.startLine,
    });
    this.start = this.pos;
    this.startLine = this.line;
  }

  ignore(): void {
    this.line += countNewlines(this.input.slice(this.start, this.pos));
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const ch = this.next();
    if (ch !== EOF && valid.includes(ch)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (let ch = this.next(); ch !== EOF && valid.includes(ch); ch = this.next());
    this.backup();
  }

  errorf(message: string): StateFn {
    this.items.push({ type: 'error', pos: this.start, val: message, line: this.startLine });
    return null;
  }

  /** At a right delimiter, possibly preceded by a trim marker? */
  atRightDelim(): { delim: boolean; trim: boolean } {
    const rest = this.rest();
    if (hasRightTrimMarker(rest) && rest.startsWith(RIGHT, 2)) return { delim: true, trim: true };
    return { delim: rest.startsWith(RIGHT), trim: false };
  }

  /** Can an identifier end here? Breaks `.X.Y` into two pieces. */
  atTerminator(): boolean {
    const ch = this.peek();
    if (isSpace(ch) || ch === EOF || '.,|:()'.includes(ch)) return true;
    return this.rest().startsWith(RIGHT);
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT, l.pos);
  if (x < 0) {
    l.pos = l.input.length;
    if (l.pos > l.start) {
      l.line += countNewlines(l.input.slice(l.start, l.pos));
      l.emit('text');
    }
    l.emit('eof');
    return null;
  }
  l.pos = x;
  const trim = hasLeftTrimMarker(l.rest(x + LEFT.length))
    ? rightTrimLength(l.input.slice(l.start, x))
    : 0;
  l.pos -= trim;
  if (l.pos > l.start) {
    l.line += countNewlines(l.input.slice(l.start, l.pos));
    l.emit('text');
  }
  l.pos += trim;
  l.ignore();
  return lexLeftDelim;
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += LEFT.length;
  const afterMarker = hasLeftTrimMarker(l.rest()) ? 2 : 0;
  if (l.rest(l.pos + afterMarker).startsWith('/*')) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit('leftDelim');
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn {
  l.pos += 2;
  const i = l.input.indexOf('*/', l.pos);
  if (i < 0) return l.errorf('unclosed comment');
  l.pos = i + 2;
  const { delim, trim } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trim) l.pos += 2;
  l.pos += RIGHT.length;
  if (trim) l.pos += leftTrimLength(l.rest());
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const trim = hasRightTrimMarker(l.rest());
  if (trim) {
    l.pos += 2;
    l.ignore();
  }
  l.pos += RIGHT.length;
  l.emit('rightDelim');
  if (trim) {
    l.pos += leftTrimLength(l.rest());
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn {
  if (l.atRightDelim().delim) {
    return l.parenDepth === 0 ? lexRightDelim : l.errorf('unclosed left paren');
  }
  const ch = l.next();
  switch (true) {
    case ch === EOF:
      return l.errorf('unclosed action');
    case isSpace(ch):
      l.backup();
      return lexSpace;
    case ch === '=':
      l.emit('assign');
      break;
    case ch === ':':
      if (l.next() !== '=') return l.errorf('expected :=');
      l.emit('declare');
      break;
    case ch === '|':
      l.emit('pipe');
      break;
    case ch === '"':
      return lexQuote;
    case ch === '`':
      return lexRawQuote;
    case ch === '$':
      return lexVariable;
    case ch === "'":
      return lexChar;
    case ch === '.' && l.pos < l.input.length && !/[0-9]/.test(l.input[l.pos]!):
      return lexField;
    case ch === '.' || ch === '+' || ch === '-' || (ch >= '0' && ch <= '9'):
      l.backup();
      return lexNumber;
    case isAlphaNumeric(ch):
      l.backup();
      return lexIdentifier;
    case ch === '(':
      l.emit('leftParen');
      l.parenDepth++;
      break;
    case ch === ')':
      l.emit('rightParen');
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right paren ${runeDescription(ch)}`);
      break;
    case ch.length === 1 && ch >= ' ' && ch <= '~':
      l.emit('char');
      break;
    default:
      return l.errorf(`unrecognized character in action: ${runeDescription(ch)}`);
  }
  return lexInsideAction;
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  while (isSpace(l.peek())) {
    l.next();
    numSpaces++;
  }
  // A trim-marked right delimiter starts with a space: leave that space to it.
  const rest = l.rest(l.pos - 1);
  if (hasRightTrimMarker(rest) && rest.startsWith(RIGHT, 2)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit('space');
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  let ch: string;
  while (isAlphaNumeric((ch = l.next())));
  l.backup();
  const word = l.input.slice(l.start, l.pos);
  if (!l.atTerminator()) return l.errorf(`bad character ${runeDescription(ch || ' ')}`);
  const keyword = keywords[word];
  if (keyword !== undefined) l.emit(keyword);
  else if (word === 'true' || word === 'false') l.emit('bool');
  else l.emit('identifier');
  return lexInsideAction;
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, 'field');
}

function lexVariable(l: Lexer): StateFn {
  if (l.atTerminator()) {
    l.emit('variable');
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, type: 'field' | 'variable'): StateFn {
  if (l.atTerminator()) {
    l.emit(type === 'variable' ? 'variable' : 'dot');
    return lexInsideAction;
  }
  let ch: string;
  while (isAlphaNumeric((ch = l.next())));
  l.backup();
  if (!l.atTerminator()) return l.errorf(`bad character ${runeDescription(ch || ' ')}`);
  l.emit(type);
  return lexInsideAction;
}

/** Scans a quoted literal up to `close`, honouring backslash escapes unless `raw`. */
function lexQuoted(l: Lexer, close: string, type: ItemType, unterminated: string): StateFn {
  for (;;) {
    let ch = l.next();
    if (ch === '\\' && type !== 'rawString') {
      ch = l.next();
      if (ch !== EOF && ch !== '\n') continue;
      return l.errorf(unterminated);
    }
    if (ch === EOF || (ch === '\n' && type !== 'rawString')) return l.errorf(unterminated);
    if (ch === close) break;
  }
  l.emit(type);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn {
  return lexQuoted(l, "'", 'charConstant', 'unterminated character constant');
}

function lexQuote(l: Lexer): StateFn {
  return lexQuoted(l, '"', 'string', 'unterminated quoted string');
}

function lexRawQuote(l: Lexer): StateFn {
  return lexQuoted(l, '`', 'rawString', 'unterminated raw quoted string');
}

function lexNumber(l: Lexer): StateFn {
  if (!l.scanNumber())
    return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    if (!l.scanNumber() || l.input[l.pos - 1] !== 'i') {
      return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
    }
    l.emit('complex');
  } else {
    l.emit('number');
  }
  return lexInsideAction;
}

/** Scans `input` into items, ending with an `eof` or an `error` item. */
export function lex(input: string): Item[] {
  const l = new Lexer(input);
  for (let state: StateFn = lexText; state !== null;) state = state(l);
  return l.items;
}
