/**
 * Human-readable sizes and durations, as docker/go-units prints and parses them.
 */
import { invalidArgument } from '../../core/errors.js';
import { sprintf } from './gofmt/printf.js';
import { parseGoFloat } from './template/literals.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** go-units getSizeAndUnit + fmt: divide down to a unit, then `%.{precision}g{unit}`. */
function customSize(
  size: number,
  base: number,
  units: readonly string[],
  precision: number,
): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return sprintf(`%.${precision}g%s`, [size, units[i]]);
}

/**
 * units.HumanSizeWithPrecision(size, 3), as docker prints image sizes: decimal units and three
 * significant digits (`0B`, `999B`, `1kB`, `1.23MB`, `123MB`; Go's %g even gives `1e+03kB`
 * for 999999 bytes).
 */
export function humanSize(bytes: number): string {
  return customSize(bytes, 1000, DECIMAL_UNITS, 3);
}

/** units.BytesSize: binary units and four significant digits (`1KiB`, `1.5MiB`). */
export function bytesSize(bytes: number): string {
  return customSize(bytes, 1024, BINARY_UNITS, 4);
}

/** units.HumanDuration, for a duration in milliseconds ("Up 5 minutes", "2 days ago"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

const BINARY_MULTIPLIERS: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * units.RAMInBytes: `512m`, `1g`, `100k`, `1.5GB`, `2 MiB` (binary multiples, case-insensitive,
 * optional `b`/`ib`) to a byte count, truncated to an integer. Throws InvalidArgument with
 * go-units' wording on anything else.
 */
export function parseSize(s: string): number {
  let sep = -1;
  for (let i = s.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(s[i]!)) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw invalidArgument(`invalid size: '${s}'`);
  const num = s[sep] === ' ' ? s.slice(0, sep) : s.slice(0, sep + 1);
  let sfx = s.slice(sep + 1);
  let size = parseGoFloat(num);
  if (size === undefined)
    throw invalidArgument(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  if (size < 0) throw invalidArgument(`invalid size: '${s}'`);
  if (sfx === '') return Math.trunc(size);
  const badSuffix = () => invalidArgument(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const mul = BINARY_MULTIPLIERS[sfx[0]!];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib'))
    throw badSuffix();
  return Math.trunc(size);
}
