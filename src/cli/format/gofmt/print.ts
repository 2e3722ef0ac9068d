/**
 * Go's fmt value printing: how one operand is rendered for a verb and its flags, including the
 * `%!v(type=value)` complaints fmt writes instead of failing.
 */
import { formatFloat } from './float.js';
import { quote, quoteRune, utf8Bytes } from './quote.js';
import { kindOf, mapEntries, typeName } from './values.js';

/** The flags, width and precision of one fmt directive. */
export interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

export const noFlags: Flags = {
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
};

function padding(f: Flags, n: number): string {
  return n > 0 ? (f.zero ? '0' : ' ').repeat(n) : '';
}

/** fmt.pad: pads to the width in runes, on the left unless '-' was given. */
function pad(s: string, f: Flags): string {
  if (f.width === undefined || f.width === 0) return s;
  const n = f.width - [...s].length;
  return f.minus ? s + padding({ ...f, zero: false }, n) : padding(f, n) + s;
}

function fmtInteger(n: bigint, verb: string, f: Flags): string {
  const negative = n < 0n;
  const u = negative ? -n : n;
  let prec = 0;
  if (f.prec !== undefined) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return padding({ ...f, zero: false }, f.width ?? 0);
  } else if (f.zero && f.width !== undefined) {
    prec = f.width - (negative || f.plus || f.space ? 1 : 0);
  }
  let digits: string;
  switch (verb) {
    case 'b':
      digits = u.toString(2);
      break;
    case 'o':
    case 'O':
      digits = u.toString(8);
      break;
    case 'x':
      digits = u.toString(16);
      break;
    case 'X':
      digits = u.toString(16).toUpperCase();
      break;
    default:
      digits = u.toString(10);
  }
  digits = digits.padStart(prec, '0');
  if (f.sharp) {
    if (verb === 'b') digits = '0b' + digits;
    else if (verb === 'o' && !digits.startsWith('0')) digits = '0' + digits;
    else if (verb === 'x') digits = '0x' + digits;
    else if (verb === 'X') digits = '0X' + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + digits, { ...f, zero: false });
}

function fmtFloat(x: number, verb: string, f: Flags): string {
  let num: string;
  switch (verb) {
    case 'v':
      num = formatFloat(x, 'g', f.prec ?? -1);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      num = formatFloat(x, verb === 'F' ? 'f' : verb, f.prec ?? 6);
      break;
    default:
      num = formatFloat(x, verb as 'g' | 'G', f.prec ?? -1);
  }
  if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(num, { ...f, zero: false });
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && f.width !== undefined && f.width > num.length) {
      return num[0]! + padding(f, f.width - num.length) + num.slice(1);
    }
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

function fmtString(s: string, verb: string, f: Flags): string {
  if (f.prec !== undefined && verb !== 'x' && verb !== 'X') s = [...s].slice(0, f.prec).join('');
  switch (verb) {
    case 'q':
      return pad(quote(s), f);
    case 'x':
    case 'X': {
      let bytes = [...utf8Bytes(s)];
      if (f.prec !== undefined) bytes = bytes.slice(0, f.prec);
      const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
      return pad(verb === 'X' ? hex.toUpperCase() : hex, f);
    }
    default:
      return pad(s, f);
  }
}

/** time.Time's String(), for Dates (always in UTC). */
export function goTimeString(d: Date): string {
  const iso = d.toISOString(); // 2006-01-02T15:04:05.000Z
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC`;
}

/** fmt's badVerb: `%!d(string=hello)`. */
function badVerb(v: unknown, verb: string): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${printValue(v, 'v', noFlags, 1)})`;
}

/**
 * Renders one operand for a verb, recursing into slices and maps like fmt's printValue. `depth`
 * is 0 for a top-level operand: there a nil is a bad verb for anything but %v, while nested nils
 * always print as `<nil>`.
 */
export function printValue(v: unknown, verb: string, f: Flags, depth = 0): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return depth === 0 && verb !== 'v' ? badVerb(null, verb) : pad('<nil>', f);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), f) : badVerb(v, verb);
    case 'int': {
      if ('eEfFgG'.includes(verb)) return fmtFloat(Number(v), verb, f);
      const n = BigInt(v as number | bigint);
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          return fmtInteger(n, verb, f);
        case 'c':
          return pad(String.fromCodePoint(Number(n)), f);
        case 'q':
          return pad(quoteRune(Number(n)), f);
        case 'U':
          return pad(`U+${n.toString(16).toUpperCase().padStart(4, '0')}`, f);
        default:
          return badVerb(v, verb);
      }
    }
    case 'float':
      return 'veEfFgG'.includes(verb) ? fmtFloat(v as number, verb, f) : badVerb(v, verb);
    case 'string':
      return 'vsqxX'.includes(verb) ? fmtString(v as string, verb, f) : badVerb(v, verb);
    case 'time':
      return 'vsqxX'.includes(verb)
        ? fmtString(goTimeString(v as Date), verb, f)
        : badVerb(v, verb);
    case 'slice':
      return `[${(v as unknown[]).map((e) => printValue(e, verb, f, depth + 1)).join(' ')}]`;
    case 'map': {
      const parts = mapEntries(v as object).map(
        ([k, e]) => `${printValue(k, verb, f, depth + 1)}:${printValue(e, verb, f, depth + 1)}`,
      );
      return `map[${parts.join(' ')}]`;
    }
    case 'func':
      return verb === 'v' || verb === 'p' ? pad('0x0', f) : badVerb(v, verb);
  }
}

/** fmt.Sprint of a single value: what `{{.X}}` prints. */
export function formatValue(v: unknown): string {
  return printValue(v, 'v', noFlags);
}
