/**
 * Go text/template's predefined functions (text/template/funcs.go), with Go's error wording:
 * and, or, not, len, index, slice, eq, ne, lt, le, gt, ge, print, printf, println, html, js,
 * urlquery and call.
 */
import { sprint, sprintf, sprintln } from '../gofmt/printf.js';
import { fromUtf8, isPrint, utf8Bytes } from '../gofmt/quote.js';
import { isTrue, kindOf, lookupKey, mapEntries, mapSize, typeName } from '../gofmt/values.js';
import { fn, type FuncDef } from './funcs.js';

type Basic = 'bool' | 'number' | 'string' | 'invalid';

function basicKind(v: unknown): Basic {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'invalid';
  }
}

const isNil = (v: unknown) => v === undefined || v === null;

function length(v: unknown): number {
  switch (kindOf(v)) {
    case 'invalid':
      throw new Error('reflect: call of reflect.Value.Type on zero Value');
    case 'nil':
      throw new Error('len of nil pointer');
    case 'string':
      return utf8Bytes(v as string).length;
    case 'slice':
      return (v as unknown[]).length;
    case 'map':
      return mapSize(v as object);
    default:
      throw new Error(`len of type ${typeName(v)}`);
  }
}

/** Go's indexArg: an int index within 0..cap. */
function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  if (k === 'invalid' || k === 'nil') throw new Error('cannot index slice/array with nil');
  if (k !== 'int') throw new Error(`cannot index slice/array with type ${typeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

/** The zero value of a map's element type, guessed from its values: "" for string maps. */
function mapZero(m: object): unknown {
  return mapEntries(m).every(([, e]) => typeof e === 'string') ? '' : undefined;
}

function index(item: unknown, indexes: unknown[]): unknown {
  if (item === undefined) throw new Error('index of untyped nil');
  for (const [n, ix] of indexes.entries()) {
    if (item === null) {
      // A nil map (like an absent Labels) indexes to its zero value; nil pointers are errors.
      if (n === 0 && typeof ix === 'string') return '';
      throw new Error('index of nil pointer');
    }
    switch (kindOf(item)) {
      case 'slice': {
        const a = item as unknown[];
        const x = indexArg(ix, a.length);
        if (x === a.length) throw new Error('reflect: slice index out of range');
        item = a[x] ?? null;
        break;
      }
      case 'string': {
        const bytes = utf8Bytes(item as string);
        const x = indexArg(ix, bytes.length);
        if (x === bytes.length) throw new Error('reflect: string index out of range');
        item = bytes[x];
        break;
      }
      case 'map': {
        const m = item as object;
        if (!(m instanceof Map)) {
          if (ix === undefined || ix === null)
            throw new Error('value is nil; should be of type string');
          if (typeof ix !== 'string')
            throw new Error(`value has type ${typeName(ix)}; should be string`);
        }
        const found =
          m instanceof Map
            ? { found: m.has(ix), value: m.get(ix) as unknown }
            : lookupKey(m, ix as string);
        item = found.found && found.value !== undefined ? found.value : mapZero(m);
        break;
      }
      default:
        throw new Error(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, indexes: unknown[]): unknown {
  if (isNil(item)) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  const k = kindOf(item);
  if (k === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Bytes(item as string).length;
  } else if (k === 'slice') {
    len = (item as unknown[]).length;
  } else {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  const [from, to, max] = idx as [number, number, number];
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) throw new Error(`invalid slice index: ${to} > ${max}`);
  return k === 'string'
    ? fromUtf8(utf8Bytes(item as string).slice(from, to))
    : (item as unknown[]).slice(from, to);
}

const sameNumber = (a: unknown, b: unknown) =>
  typeof a === 'bigint' || typeof b === 'bigint'
    ? BigInt(a as number) === BigInt(b as number)
    : a === b;

function eq(arg1: unknown, others: unknown[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of others) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (!isNil(arg1) && !isNil(arg)) throw new Error('incompatible types for comparison');
    } else if (k1 === 'number') {
      truth = sameNumber(arg1, arg);
    } else if (k1 !== 'invalid') {
      truth = arg1 === arg;
    } else if (isNil(arg1) || isNil(arg)) {
      truth = isNil(arg1) === isNil(arg);
    } else if (kindOf(arg1) !== kindOf(arg)) {
      throw new Error(
        `non-comparable types ${sprintf('%s', [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${sprint([arg])}`,
      );
    } else if (arg1 instanceof Date && arg instanceof Date) {
      truth = arg1.getTime() === arg.getTime();
    } else {
      throw new Error(`non-comparable type ${sprintf('%s', [arg])}: ${typeName(arg)}`);
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  return (a as number | string) < (b as number | string);
}

const le = (a: unknown, b: unknown) => lt(a, b) || eq(a, [b]);

/** Go's evalArgs for html/js/urlquery: a lone string as is, otherwise fmt.Sprint. */
function evalArgs(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

const htmlEscapes: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\ufffd',
};

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\' || ch === "'" || ch === '"') out += '\\' + ch;
    else if ('<>&='.includes(ch) || cp < 0x20 || (cp >= 0x80 && !isPrint(ch))) {
      out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function call(f: unknown, args: unknown[]): unknown {
  if (isNil(f)) throw new Error('call of nil');
  if (typeof f !== 'function') throw new Error(`non-function of type ${typeName(f)}`);
  return (f as (...a: unknown[]) => unknown)(...args);
}

export const builtins: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  [
    'and',
    {
      ...fn(['value'], (a) => a.find((v) => !isTrue(v)) ?? a[a.length - 1], 'value'),
      shortCircuit: 'and',
    },
  ],
  [
    'or',
    {
      ...fn(['value'], (a) => a.find((v) => isTrue(v)) ?? a[a.length - 1], 'value'),
      shortCircuit: 'or',
    },
  ],
  ['not', fn(['value'], ([v]) => !isTrue(v))],
  ['len', fn(['value'], ([v]) => length(v))],
  ['index', fn(['value'], ([item, ...ix]) => index(item, ix), 'value')],
  ['slice', fn(['value'], ([item, ...ix]) => slice(item, ix), 'value')],
  ['eq', fn(['value'], ([a, ...rest]) => eq(a, rest), 'value')],
  ['ne', fn(['value', 'value'], ([a, b]) => !eq(a, [b]))],
  ['lt', fn(['value', 'value'], ([a, b]) => lt(a, b))],
  ['le', fn(['value', 'value'], ([a, b]) => le(a, b))],
  ['gt', fn(['value', 'value'], ([a, b]) => !le(a, b))],
  ['ge', fn(['value', 'value'], ([a, b]) => !lt(a, b))],
  ['print', fn([], (a) => sprint(a), 'any')],
  ['printf', fn(['string'], ([f, ...a]) => sprintf(f as string, a), 'any')],
  ['println', fn([], (a) => sprintln(a), 'any')],
  ['html', fn([], (a) => evalArgs(a).replace(/["'&<>\0]/g, (c) => htmlEscapes[c]!), 'any')],
  ['js', fn([], (a) => jsEscape(evalArgs(a)), 'any')],
  ['urlquery', fn([], (a) => queryEscape(evalArgs(a)), 'any')],
  ['call', fn(['value'], ([f, ...a]) => call(f, a), 'value')],
]);
