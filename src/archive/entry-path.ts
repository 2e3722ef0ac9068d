/** Validation of the paths inside layer tarballs: nothing may name a place outside the root. */
import { invalidArgument } from '../core/errors.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

export const unsafeEntry = (name: string, why: string) =>
  invalidArgument(`unsafe layer entry ${JSON.stringify(name)}: ${why}`);

/**
 * The normalised relative path of a tar entry (`''` for the root itself). Absolute paths and
 * any `..` component are rejected outright: layers written by Docker, BuildKit or berth never
 * contain them, and refusing them is simpler to trust than resolving them.
 */
export function entryPath(name: string): string {
  if (name.startsWith('/')) throw unsafeEntry(name, 'absolute path');
  if (name.includes('\0')) throw unsafeEntry(name, 'NUL byte in name');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafeEntry(name, 'parent traversal (..) leaves the root');
  return parts.join('/');
}

/** Split a normalised path into its parent and its last component. */
export function splitPath(rel: string): { parent: string; base: string } {
  const i = rel.lastIndexOf('/');
  return i === -1 ? { parent: '', base: rel } : { parent: rel.slice(0, i), base: rel.slice(i + 1) };
}

export const joinRel = (parent: string, base: string) => (parent ? `${parent}/${base}` : base);
