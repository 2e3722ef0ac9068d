/**
 * fmt.Sprintf, fmt.Sprint and fmt.Sprintln over JavaScript values (see values.ts for how they
 * map onto Go kinds). Supports the flags `+ - # 0 space`, widths and precisions (also `*`), and
 * every verb templates use; explicit argument indexes (`%[1]d`) are not supported.
 */
import { noFlags, printValue, type Flags } from './print.js';
import { kindOf, typeName } from './values.js';

/** Reads a decimal number at `i`; returns the value (if any digits) and the index after it. */
function parseNum(format: string, i: number): { n?: number; i: number } {
  let j = i;
  while (j < format.length && format[j]! >= '0' && format[j]! <= '9') j++;
  if (j === i) return { i };
  const n = Number(format.slice(i, j));
  return n > 1e6 ? { i: j } : { n, i: j };
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...noFlags };
    flags: for (; i < format.length; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    if (format[i] === '*') {
      i++;
      const w = args[argNum++];
      if (kindOf(w) !== 'int' || argNum > args.length) {
        out += '%!(BADWIDTH)';
      } else {
        f.width = Number(w);
        if (f.width < 0) {
          f.minus = true;
          f.zero = false;
          f.width = -f.width;
        }
      }
    } else {
      ({ n: f.width, i } = parseNum(format, i));
    }
    if (i + 1 < format.length && format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = args[argNum++];
        if (kindOf(p) !== 'int' || Number(p) < 0 || argNum > args.length) {
          out += '%!(BADPREC)';
        } else {
          f.prec = Number(p);
        }
      } else {
        const parsed = parseNum(format, i);
        f.prec = parsed.n ?? 0;
        i = parsed.i;
      }
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
    } else if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.plus = false;
        f.sharp = false;
      }
      out += printValue(args[argNum++], verb, f);
    }
  }
  if (argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) =>
        a === null || a === undefined ? '<nil>' : `${typeName(a)}=${printValue(a, 'v', noFlags)}`,
      );
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: operands printed with %v, a space between two that are both non-strings. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, n) => {
    const isString = typeof a === 'string';
    if (n > 0 && !isString && !prevString) out += ' ';
    out += printValue(a ?? null, 'v', noFlags);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: operands printed with %v, always space-separated, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => printValue(a ?? null, 'v', noFlags)).join(' ') + '\n';
}
