/** `--filter` for image listings and prune, with Docker's keys and matching rules. */
import { invalidArgument } from '../core/errors.js';
import { familiarName, familiarString, parseReference } from '../core/reference.js';

export type Filters = Map<string, string[]>;

const IMAGE_FILTERS = ['dangling', 'reference', 'label', 'before', 'since', 'until'];

/** Parse `key=value` filter flags; unknown keys are errors, as in Docker. */
export function parseFilters(args: readonly string[], allowed = IMAGE_FILTERS): Filters {
  const filters: Filters = new Map();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw invalidArgument(`bad format of filter (expected name=value)`);
    const key = a.slice(0, eq).toLowerCase();
    if (!allowed.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
    filters.set(key, [...(filters.get(key) ?? []), a.slice(eq + 1)]);
  }
  return filters;
}

/** Go's path.Match on a whole string (`*`, `?`, `[...]`), as Docker uses for references. */
export function globMatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1)
        throw invalidArgument(`invalid reference filter pattern ${JSON.stringify(pattern)}`);
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith('^') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$').test(s);
}

/** Whether a full tag matches a `reference=` pattern (by familiar name, with or without tag). */
export function referenceMatches(pattern: string, fullTag: string): boolean {
  const ref = parseReference(fullTag);
  return globMatch(pattern, familiarName(ref)) || globMatch(pattern, familiarString(ref));
}

/** `label=key` or `label=key=value` against a label map. */
export function labelsMatch(
  wanted: readonly string[],
  labels: Record<string, string> | null | undefined,
): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    const key = eq === -1 ? w : w.slice(0, eq);
    if (!labels || !(key in labels)) return false;
    return eq === -1 || labels[key] === w.slice(eq + 1);
  });
}

/** `dangling=true|false` → boolean; anything else is an error. */
export function parseBoolFilter(
  key: string,
  values: readonly string[] | undefined,
): boolean | undefined {
  if (!values || values.length === 0) return undefined;
  const v = values[values.length - 1]!.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`invalid filter '${key}=${v}'`);
}

/** `until=` as a timestamp or a Go duration before now (`10m`, `2h30m`, `24h`). */
export function parseUntil(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const durations = /^((\d+(\.\d+)?)(h|m|s|ms))+$/.test(value);
  if (durations) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) {
      ms +=
        Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
    }
    return now - ms;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${value}'`);
  return t;
}
