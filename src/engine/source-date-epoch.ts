/**
 * `SOURCE_DATE_EPOCH` (reproducible-builds.org): when set, the times berth writes into images
 * (layer mtimes, `created`, history) are clamped to it, so the same input gives the same image.
 */
import { invalidArgument } from '../core/errors.js';

/** The epoch in seconds, or undefined when unset; a malformed value is an error. */
export function sourceDateEpoch(): number | undefined {
  const v = process.env['SOURCE_DATE_EPOCH'];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid SOURCE_DATE_EPOCH: ${v}`);
  return Number(v);
}

/** An image's `created`: the epoch when set, else now (RFC 3339). */
export function createdTime(): string {
  const epoch = sourceDateEpoch();
  return (epoch !== undefined ? new Date(epoch * 1000) : new Date()).toISOString();
}
