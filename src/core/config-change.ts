/**
 * `--change` instructions for import and commit: the Dockerfile instructions that only change
 * an image's config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR,
 * STOPSIGNAL), applied to a ContainerConfig.
 */
import { invalidArgument } from './errors.js';
import type { ContainerConfig } from './oci.js';

const allowed = [
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'USER',
  'VOLUME',
  'WORKDIR',
  'STOPSIGNAL',
];

/** Split on unquoted whitespace; quotes group, backslash escapes (Dockerfile word rules). */
export function splitWords(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) word += s[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw invalidArgument(`unmatched quote in ${JSON.stringify(s)}`);
  if (inWord) words.push(word);
  return words;
}

/** `["a","b"]` → exec form; anything else is the shell form. */
function commandForm(rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed;
    } catch {
      // not JSON: shell form, as Docker does
    }
  }
  return ['/bin/sh', '-c', rest];
}

/** `k=v k2="v 2"` pairs, or the legacy `k v with spaces` form. */
function keyValues(instruction: string, rest: string): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw invalidArgument(`${instruction} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+(.*)$/s.exec(rest.trim());
    if (!m) throw invalidArgument(`${instruction} requires at least two arguments`);
    return [[m[1]!, splitWords(m[2]!).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${instruction} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function exposedPort(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw invalidArgument(`invalid containerPort: ${spec}`);
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  if (first < 1 || last > 65535 || last < first)
    throw invalidArgument(`invalid port range: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${proto}`);
}

/** Apply one change line to a copy of `config`. */
export function applyChange(config: ContainerConfig, line: string): ContainerConfig {
  const m = /^\s*(\S+)\s*(.*?)\s*$/s.exec(line);
  if (!m || m[1] === '') throw invalidArgument('empty change instruction');
  const instruction = m[1]!.toUpperCase();
  const rest = m[2]!;
  if (!allowed.includes(instruction))
    throw invalidArgument(`${m[1]} is not a valid change command`);
  const c: ContainerConfig = structuredClone(config);
  switch (instruction) {
    case 'CMD':
      c.Cmd = commandForm(rest);
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = rest === '' ? null : commandForm(rest);
      break;
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of keyValues('ENV', rest)) {
        const i = env.findIndex((e) => e.split('=')[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      c.Env = env;
      break;
    }
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues('LABEL', rest)) };
      break;
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      const specs = splitWords(rest);
      if (specs.length === 0) throw invalidArgument('EXPOSE requires at least one argument');
      for (const p of specs.flatMap(exposedPort)) ports[p] = {};
      c.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const list = rest.startsWith('[') ? commandForm(rest) : splitWords(rest);
      if (list.length === 0 || (list[0] === '/bin/sh' && rest.startsWith('['))) {
        throw invalidArgument('VOLUME requires at least one argument');
      }
      c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(list.map((v) => [v, {}])) };
      break;
    }
    case 'USER':
      if (rest === '') throw invalidArgument('USER requires exactly one argument');
      c.User = rest;
      break;
    case 'WORKDIR': {
      if (rest === '') throw invalidArgument('WORKDIR requires exactly one argument');
      const base = c.WorkingDir || '/';
      c.WorkingDir = rest.startsWith('/') ? rest : `${base.replace(/\/$/, '')}/${rest}`;
      break;
    }
    case 'ONBUILD':
      if (rest === '') throw invalidArgument('ONBUILD requires at least one argument');
      c.OnBuild = [...(c.OnBuild ?? []), rest];
      break;
    case 'STOPSIGNAL':
      if (rest === '') throw invalidArgument('STOPSIGNAL requires exactly one argument');
      c.StopSignal = rest;
      break;
  }
  return c;
}

/** Apply change lines in order. */
export function applyChanges(config: ContainerConfig, lines: readonly string[]): ContainerConfig {
  return lines.reduce(applyChange, config);
}
