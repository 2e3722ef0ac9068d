/** `--since`/`--until` values: RFC 3339 times, Unix seconds, or Go durations before now. */
import { invalidArgument } from '../core/errors.js';
import { parseDuration } from '../core/run-options.js';

export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  if (!Number.isNaN(t)) return t;
  try {
    return now - parseDuration(value) / 1e6;
  } catch {
    throw invalidArgument(
      `invalid value for "since": failed to parse value as time or duration: "${value}"`,
    );
  }
}
