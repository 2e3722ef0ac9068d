/**
 * The values of `docker run`'s options, parsed as docker/cli and the daemon parse them, failing
 * with their wording (InvalidArgument). Mount-like options live in mount-spec.ts, Go's number,
 * size and duration syntaxes in go-parse.ts, signals in signals.ts; all are exported from here.
 */
import { invalidArgument } from './errors.js';
import {
  fromHumanSize,
  goAtoi,
  goParseBool,
  goParseInt,
  parseNanoCpus,
  ramInBytes,
} from './go-parse.js';

export { parseDuration } from './go-parse.js';
export { parseSignal, signalName } from './signals.js';
export {
  parseMountSpec,
  parseTmpfs,
  parseVolumeSpec,
  tmpfsMountOptions,
  tmpfsSpecOptions,
  type MountSpec,
  type Propagation,
  type TmpfsSpec,
  type VolumeSpec,
} from './mount-spec.js';

/** `--ulimit` names and the kernel's resource names (go-units; `as` is left out, as there). */
export const ulimitNames: Readonly<Record<string, string>> = {
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
};

export interface Ulimit {
  /** The kernel's name, `RLIMIT_NOFILE`. */
  name: string;
  /** -1 is unlimited. */
  soft: number;
  hard: number;
}

/** `--ulimit nofile=1024[:2048]` (go-units `ParseUlimit`); the hard limit defaults to the soft. */
export function parseUlimit(value: string): Ulimit {
  const eq = value.indexOf('=');
  if (eq < 0) throw invalidArgument(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  const limits = value.slice(eq + 1);
  const kernelName = ulimitNames[name];
  if (kernelName === undefined) throw invalidArgument(`invalid ulimit type: ${name}`);
  const parts = limits.split(':');
  if (parts.length > 2) {
    throw invalidArgument(
      `too many limit value arguments - ${limits}, can only have up to two, \`soft[:hard]\``,
    );
  }
  const soft = goParseInt(parts[0]!);
  const hard = parts.length === 2 ? goParseInt(parts[1]!) : soft;
  if (hard !== -1) {
    if (soft === -1) {
      throw invalidArgument(
        `ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`,
      );
    }
    if (soft > hard) {
      throw invalidArgument(
        `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`,
      );
    }
  }
  return { name: kernelName, soft, hard };
}

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface RestartPolicy {
  name: RestartPolicyName;
  maximumRetryCount: number;
}

/**
 * `--restart no|always|unless-stopped|on-failure[:max-retries]` (docker/cli's
 * `ParseRestartPolicy`, then the daemon's `ValidateRestartPolicy`). An empty value is `no`.
 */
export function parseRestartPolicy(value: string): RestartPolicy {
  if (value === '') return { name: 'no', maximumRetryCount: 0 };
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  const count = colon < 0 ? '' : value.slice(colon + 1);
  if (colon >= 0 && name === '') {
    throw invalidArgument('invalid restart policy format: no policy provided before colon');
  }
  let maximumRetryCount = 0;
  if (count !== '') {
    try {
      maximumRetryCount = goAtoi(count);
    } catch {
      throw invalidArgument(
        'invalid restart policy format: maximum retry count must be an integer',
      );
    }
  }
  return validateRestartPolicy({ name, maximumRetryCount });
}

/** The daemon's `ValidateRestartPolicy` (also for policies that come through the API). */
export function validateRestartPolicy(policy: {
  name: string;
  maximumRetryCount: number;
}): RestartPolicy {
  const { name, maximumRetryCount } = policy;
  switch (name) {
    case 'always':
    case 'unless-stopped':
    case 'no':
      if (maximumRetryCount !== 0) {
        throw invalidArgument(
          "invalid restart policy: maximum retry count can only be used with 'on-failure'" +
            (maximumRetryCount < 0 ? ' and cannot be negative' : ''),
        );
      }
      return { name, maximumRetryCount };
    case 'on-failure':
      if (maximumRetryCount < 0) {
        throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
      }
      return { name, maximumRetryCount };
    case '':
      return { name: 'no', maximumRetryCount: 0 };
    default:
      throw invalidArgument(
        `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
      );
  }
}

/** Docker's smallest memory limit (`linuxMinMemory`). */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** `--memory 32m`, `1g`, `512k`, `1048576` (go-units `RAMInBytes`, binary units). */
export const parseMemory = (value: string): number => ramInBytes(value);

/** `--memory-swap`: like `--memory`, and `-1` for unlimited swap. */
export const parseMemorySwap = (value: string): number => (value === '-1' ? -1 : ramInBytes(value));

/**
 * `--cpus 0.5` → nano-CPUs (500000000). With `hostCpus`, checks the range as the daemon does.
 */
export function parseCpus(value: string, hostCpus?: number): number {
  const nano = parseNanoCpus(value);
  if (hostCpus !== undefined && (nano < 0 || nano > hostCpus * 1e9)) {
    throw invalidArgument(
      `Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`,
    );
  }
  return nano;
}

/** CFS period Docker uses with `--cpus`: 100 ms. */
export const CPU_PERIOD = 100_000;

/** nano-CPUs → the CFS quota and period (µs) Docker writes: quota = nano × period / 10^9. */
export function cpuQuota(nanoCpus: number): { quota: number; period: number } {
  const quota = (BigInt(nanoCpus) * BigInt(CPU_PERIOD)) / 1_000_000_000n;
  return { quota: Number(quota), period: CPU_PERIOD };
}

/** Leading white space as Go's `unicode.IsSpace` sees it (no BOM, unlike JavaScript's `\s`). */
const goSpace = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/;

/** Looks a variable up in the client's environment; undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * An `--env-file`'s content (docker/cli's `parseKeyValueFile`): lines are trimmed on the left
 * only, blank lines and `#` comments skipped, `KEY=value` taken as is (the value untrimmed),
 * and a bare `KEY` takes its value from `lookup`, or is left out when it is not set there.
 */
export function parseEnvFile(content: string, lookup?: EnvLookup): string[] {
  const out: string[] = [];
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    const line = text.replace(goSpace, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const variable = eq < 0 ? line : line.slice(0, eq);
    const bad = (problem: string) =>
      invalidArgument(`poorly formatted environment: ${problem} (line ${i + 1})`);
    if (variable === '') throw bad(`no variable name on line '${line}'`);
    if (/[ \t]/.test(variable)) throw bad(`variable '${variable}' contains whitespaces`);
    if (eq >= 0) out.push(line);
    else {
      const value = lookup?.(variable);
      if (value !== undefined) out.push(`${variable}=${value}`);
    }
  });
  return out;
}

/**
 * `-e KEY=value` and `-e KEY` (docker/cli's `ValidateEnv`): a bare `KEY` takes the value from
 * `lookup`; when it is not set there it stays bare, which unsets KEY in the container.
 */
export function parseEnv(list: readonly string[], lookup?: EnvLookup): string[] {
  return list.map((entry) => {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === '') throw invalidArgument(`invalid environment variable: ${entry}`);
    if (eq >= 0) return entry;
    const value = lookup?.(key);
    return value === undefined ? entry : `${key}=${value}`;
  });
}

export interface LogOptions {
  /** Bytes per log file before rotation. */
  maxSize: number;
  /** Files kept, the current one included. */
  maxFile: number;
  compress: boolean;
}

/**
 * berth rotates logs by default (Docker's json-file grows without bound): 10 MB per file, 3
 * files. `max-size` takes decimal units as json-file does (`10m` is 10 000 000 bytes).
 */
export const DEFAULT_LOG_OPTIONS: Readonly<LogOptions> = {
  maxSize: 10_000_000,
  maxFile: 3,
  compress: false,
};

const logOptKeys = [
  'max-file',
  'max-size',
  'compress',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
];

/** `--log-opt max-size=10m --log-opt max-file=3` for the json-file driver. */
export function parseLogOpts(list: readonly string[]): LogOptions {
  const opts: LogOptions = { ...DEFAULT_LOG_OPTIONS };
  for (const entry of list) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    if (!logOptKeys.includes(key)) {
      throw invalidArgument(`unknown log opt '${key}' for json-file log driver`);
    }
    if (key === 'max-size') {
      opts.maxSize = fromHumanSize(value);
      if (opts.maxSize <= 0) throw invalidArgument('max-size must be a positive number');
    } else if (key === 'max-file') {
      opts.maxFile = goAtoi(value);
      if (opts.maxFile < 1) throw invalidArgument('max-file cannot be less than 1');
    } else if (key === 'compress') {
      opts.compress = goParseBool(value);
    }
  }
  if (opts.compress && opts.maxFile === 1) {
    throw invalidArgument(
      'compress cannot be true when max-file is less than 2 or max-size is not set',
    );
  }
  return opts;
}

/** A `--add-host` entry. `ip` is an address or `host-gateway`. */
export interface ExtraHost {
  host: string;
  ip: string;
}

/** The special address of `--add-host name:host-gateway`. */
export const HOST_GATEWAY = 'host-gateway';

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Go's `net.ParseIP` acceptance: dotted IPv4 without leading zeros, or IPv6 (no zone). */
export function isIP(s: string): boolean {
  if (ipv4Pattern.test(s)) return true;
  if (!s.includes(':')) return false;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // an embedded IPv4 address stands for the last two groups
    if (!ipv4Pattern.test(tail)) return false;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  // '::' stands for at least one group
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/**
 * `--add-host name:ip` or `name=ip` (docker/cli's `ValidateExtraHost`): IPv6 addresses may be
 * written bare (`name:::1`) or in brackets; `host-gateway` stands for the host.
 */
export function parseAddHost(value: string): ExtraHost {
  let sep = value.indexOf('=');
  if (sep < 0) sep = value.indexOf(':');
  const host = sep < 0 ? value : value.slice(0, sep);
  let ip = sep < 0 ? '' : value.slice(sep + 1);
  if (sep < 0 || host === '' || host.includes(':')) {
    throw invalidArgument(`bad format for add-host: ${JSON.stringify(value)}`);
  }
  if (ip !== HOST_GATEWAY) {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!isIP(ip)) throw invalidArgument(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return { host, ip };
}

/** What `--security-opt` asks for; `apparmor=` and `label=` are accepted and have no effect. */
export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** `unconfined`, `builtin`, or a profile's JSON content; undefined for the default. */
  seccomp?: string;
  /** `systempaths=unconfined`: no masked or read-only paths under /proc and /sys. */
  unmaskSystemPaths: boolean;
}

/**
 * `--security-opt` values, as the daemon's `parseSecurityOpt` reads them (`key=value`, or the
 * deprecated `key:value`), plus docker/cli's `systempaths=unconfined`.
 */
export function parseSecurityOpts(list: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, unmaskSystemPaths: false };
  for (const opt of list) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') continue; // label=disable's short form
    let sep = opt.indexOf('=');
    if (sep < 0) sep = opt.indexOf(':');
    if (sep < 0) throw invalidArgument(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'label':
      case 'apparmor':
        break; // no SELinux nor AppArmor confinement in berth: accepted, ignored
      case 'seccomp':
        out.seccomp = value;
        break;
      case 'no-new-privileges':
        try {
          out.noNewPrivileges = goParseBool(value);
        } catch {
          throw invalidArgument(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        }
        break;
      case 'systempaths':
        if (value !== 'unconfined') {
          throw invalidArgument(`invalid systempaths ('${value}'): only 'unconfined' is supported`);
        }
        out.unmaskSystemPaths = true;
        break;
      default:
        throw invalidArgument(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}
