/**
 * The Go parsers behind Docker's option values, with their syntax and error wording: strconv
 * (Atoi, ParseBool, ParseFloat), time.ParseDuration, go-units (RAMInBytes, FromHumanSize) and
 * big.Rat as `--cpus` reads it. Every failure is an InvalidArgument.
 */
import { invalidArgument } from './errors.js';

/** Go's `strconv.Quote` for the printable strings that appear in messages. */
export const goQuote = (s: string): string => JSON.stringify(s);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits, within int64. `fn` names the
 * function in the message (`strconv.Atoi`, `strconv.ParseInt`).
 */
export function goParseInt(s: string, fn = 'strconv.ParseInt'): number {
  if (!/^[+-]?\d+$/.test(s)) throw invalidArgument(`${fn}: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) {
    throw invalidArgument(`${fn}: parsing ${goQuote(s)}: value out of range`);
  }
  return Number(n);
}

/** `strconv.Atoi`. */
export const goAtoi = (s: string): number => goParseInt(s, 'strconv.Atoi');

/** `strconv.ParseBool`: 1 t T TRUE true True, 0 f F FALSE false False. */
export function goParseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw invalidArgument(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

/** `strconv.ParseFloat(s, 64)` for decimal syntax and inf/nan (not Go's hexadecimal floats). */
export function goParseFloat(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (m) {
    if (m[2]!.toLowerCase() === 'nan') return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  throw invalidArgument(`strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
}

const binaryUnits: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};
const decimalUnits: Record<string, number> = {
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  p: 1e15,
};

/** go-units `parseSize`: a number, an optional space, and `b`, `k`, `kb`, `kib`... any case. */
function parseSize(size: string, units: Record<string, number>): number {
  let sep = -1;
  for (let i = size.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(size[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw invalidArgument(`invalid size: '${size}'`);
  const num = size[sep] === ' ' ? size.slice(0, sep) : size.slice(0, sep + 1);
  let sfx = size.slice(sep + 1);
  let value = goParseFloat(num);
  if (value < 0) throw invalidArgument(`invalid size: '${size}'`);
  if (sfx.length === 0) return Math.trunc(value);
  const badSuffix = () => invalidArgument(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(value);
  }
  const mul = units[sfx[0]!];
  if (mul === undefined) throw badSuffix();
  value *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) {
    throw badSuffix();
  }
  return Math.trunc(value);
}

/** go-units `RAMInBytes`: binary units (`32m` is 32 MiB). */
export const ramInBytes = (size: string): number => parseSize(size, binaryUnits);

/** go-units `FromHumanSize`: decimal units (`10m` is 10 000 000). */
export const fromHumanSize = (size: string): number => parseSize(size, decimalUnits);

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5 micro sign
  μs: 1000n, // U+03BC Greek small letter mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const TWO63 = 2n ** 63n;

/**
 * `time.ParseDuration`: a signed sequence of decimal numbers with units, `300ms`, `-1.5h`,
 * `2h45m`; units ns, us (µs), ms, s, m, h. Returns nanoseconds.
 */
export function parseDuration(s: string): number {
  const orig = s;
  const invalid = () => invalidArgument(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const int = /^[0-9]*/.exec(s)![0];
    s = s.slice(int.length);
    let v = int === '' ? 0n : BigInt(int);
    if (v > TWO63) throw invalid();
    let frac = '';
    let post = false;
    if (s[0] === '.') {
      frac = /^[0-9]*/.exec(s.slice(1))![0];
      s = s.slice(1 + frac.length);
      post = frac !== '';
    }
    if (int === '' && !post) throw invalid();
    const unitName = /^[^0-9.]*/.exec(s)![0];
    if (unitName === '') throw invalidArgument(`time: missing unit in duration ${goQuote(orig)}`);
    s = s.slice(unitName.length);
    const unit = durationUnits[unitName];
    if (unit === undefined) {
      throw invalidArgument(`time: unknown unit ${goQuote(unitName)} in duration ${goQuote(orig)}`);
    }
    if (v > TWO63 / unit) throw invalid();
    v *= unit;
    // Go's leadingFraction keeps the digits that fit in an int64, then scales with float64
    let f = 0n;
    let scale = 1;
    for (const c of frac) {
      if (f > (TWO63 - 1n) / 10n || f * 10n + BigInt(c) > TWO63) break;
      f = f * 10n + BigInt(c);
      scale *= 10;
    }
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) throw invalid();
    }
    d += v;
    if (d > TWO63) throw invalid();
  }
  if (neg) return -Number(d);
  if (d > TWO63 - 1n) throw invalid();
  return Number(d);
}

/**
 * `--cpus` as Docker reads it (`opts.ParseCPUs`, big.Rat): a decimal number with an optional
 * exponent, or a fraction `a/b`, times 10^9; the result must be a whole number of nano-CPUs.
 */
export function parseNanoCpus(value: string): number {
  const rational = () => invalidArgument(`failed to parse ${value} as a rational number`);
  let num: bigint;
  let den: bigint;
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  if (frac) {
    num = BigInt(frac[1]!);
    den = BigInt(frac[2]!);
    if (den === 0n) throw rational();
  } else {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw rational();
    const digits = `${m[2]}${m[3] ?? ''}`;
    const exp = Number(m[4] ?? '0') - (m[3] ?? '').length;
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 10_000) throw rational();
    num = BigInt(digits) * (exp > 0 ? 10n ** BigInt(exp) : 1n);
    den = exp < 0 ? 10n ** BigInt(-exp) : 1n;
    if (m[1] === '-') num = -num;
  }
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw invalidArgument('value is too precise');
  const result = nano / den;
  if (result < INT64_MIN || result > INT64_MAX) throw invalidArgument('value is too large');
  return Number(result);
}
