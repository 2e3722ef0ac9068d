/**
 * Go's strconv.FormatFloat for float64 in the 'e', 'f' and 'g' formats, digit for digit.
 *
 * Go works from two decimal expansions: the shortest digits that read back as the same double
 * (Number#toExponential with no argument gives the same digits as Go's Ryu), and the exact
 * expansion (computed with BigInt from the mantissa and exponent). Rounding to a fixed precision
 * then follows Go: half-way cases round to even, and trailing zeros are dropped before the
 * layout decisions of %g are made.
 */

/** A decimal `0.d1d2d3… × 10^dp`; digits carry no trailing zeros, and no digits means zero. */
export interface Decimal {
  neg: boolean;
  digits: string;
  dp: number;
}

/** Parses a JavaScript numeric string ("1.25e+3", "0.0012", "12") into a Decimal. */
function parseDecimal(s: string, neg: boolean): Decimal {
  let exp = 0;
  const e = s.indexOf('e');
  if (e >= 0) {
    exp = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf('.');
  const intPart = dot >= 0 ? s.slice(0, dot) : s;
  const all = intPart + (dot >= 0 ? s.slice(dot + 1) : '');
  let dp = intPart.length + exp;
  let start = 0;
  while (start < all.length && all[start] === '0') {
    start++;
    dp--;
  }
  const digits = all.slice(start).replace(/0+$/, '');
  return digits === '' ? { neg, digits: '', dp: 0 } : { neg, digits, dp };
}

/** The shortest digits that read back as `x` (x finite). */
export function shortestDecimal(x: number): Decimal {
  const neg = x < 0 || Object.is(x, -0);
  return parseDecimal(Math.abs(x).toExponential(), neg);
}

/** The exact decimal expansion of `x` (x finite): mantissa × 2^e written as digits × 10^e. */
export function exactDecimal(x: number): Decimal {
  const neg = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  if (mantissa === 0n) return { neg, digits: '', dp: 0 };
  const n = exp >= 0 ? mantissa << BigInt(exp) : mantissa * 5n ** BigInt(-exp);
  const s = n.toString();
  return { neg, digits: s.replace(/0+$/, ''), dp: s.length + Math.min(exp, 0) };
}

/** Rounds to `nd` significant digits the way Go's decimal.Round does (half to even). */
export function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits[nd]!;
  let up: boolean;
  if (next === '5' && nd + 1 === d.digits.length) {
    up = nd > 0 && Number(d.digits[nd - 1]) % 2 === 1;
  } else {
    up = next >= '5';
  }
  if (!up) {
    const digits = d.digits.slice(0, nd).replace(/0+$/, '');
    return digits === '' ? { ...d, digits: '', dp: 0 } : { ...d, digits };
  }
  // Round up: add one at position nd-1, carrying through nines.
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { ...d, digits: '1', dp: d.dp + 1 };
  const digits = d.digits.slice(0, i) + String(Number(d.digits[i]) + 1);
  return { ...d, digits };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

/** Go's fmtE: d.ddddde±dd with `prec` digits after the point. */
function fmtE(d: Decimal, prec: number, e: string): string {
  let out = d.neg ? '-' : '';
  out += d.digits === '' ? '0' : d.digits[0];
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, i);
  }
  let exp = d.digits === '' ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${e}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

/** Go's fmtF: ddd.ddd with `prec` digits after the point. */
function fmtF(d: Decimal, prec: number): string {
  let out = d.neg ? '-' : '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) out += digitAt(d, i);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, d.dp + i - 1);
  }
  return out;
}

/** Go's formatDigits: the layout step shared by the shortest and fixed-precision paths. */
function formatDigits(d: Decimal, shortest: boolean, prec: number, fmt: FloatFormat): string {
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(d, prec, fmt);
    case 'f':
      return fmtF(d, prec);
    default: {
      const nd = d.digits.length;
      let eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(d, prec - 1, fmt === 'G' ? 'E' : 'e');
      }
      if (prec > d.dp) prec = nd;
      return fmtF(d, Math.max(prec - d.dp, 0));
    }
  }
}

export type FloatFormat = 'e' | 'E' | 'f' | 'g' | 'G';

/**
 * strconv.FormatFloat(x, fmt, prec, 64). A negative `prec` asks for the shortest
 * representation that reads back exactly.
 */
export function formatFloat(x: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (prec < 0) {
    const d = shortestDecimal(x);
    const nd = d.digits.length;
    const p =
      fmt === 'e' || fmt === 'E' ? Math.max(nd - 1, 0) : fmt === 'f' ? Math.max(nd - d.dp, 0) : nd;
    return formatDigits(d, true, p, fmt);
  }
  const exact = exactDecimal(x);
  let d: Decimal;
  if (fmt === 'e' || fmt === 'E') {
    d = roundDecimal(exact, prec + 1);
  } else if (fmt === 'f') {
    d = roundDecimal(exact, exact.dp + prec);
  } else {
    if (prec === 0) prec = 1;
    d = roundDecimal(exact, prec);
  }
  return formatDigits(d, false, prec, fmt);
}
