/**
 * The flags of `run` and `create`, and their translation into the engine's create request.
 * Values are parsed here with the core's parsers, as docker/cli parses them client-side.
 */
import fs from 'node:fs';
import { invalidArgument } from '../../core/errors.js';
import {
  parseCpus,
  parseDuration,
  parseEnv,
  parseEnvFile,
  parseLogOpts,
  parseMemory,
  parseMemorySwap,
  parseMountSpec,
  parseRestartPolicy,
  parseTmpfs,
  parseUlimit,
} from '../../core/run-options.js';
import type { CreateRequest } from '../../engine/container-request.js';
import { parsePublish } from '../../core/port-spec.js';
import { keyValues, type Flags, type FlagSpec } from '../flags.js';

export const createFlags: FlagSpec[] = [
  { name: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'cap-add', type: 'list', description: 'Add Linux capabilities' },
  { name: 'cap-drop', type: 'list', description: 'Drop Linux capabilities' },
  { name: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
  { name: 'cpus', type: 'string', valueName: 'decimal', description: 'Number of CPUs' },
  {
    name: 'detach',
    short: 'd',
    type: 'bool',
    description: 'Run container in background and print container ID',
  },
  {
    name: 'detach-keys',
    type: 'string',
    description: 'Override the key sequence for detaching a container',
  },
  { name: 'dns', type: 'list', description: 'Set custom DNS servers' },
  { name: 'dns-search', type: 'list', description: 'Set custom DNS search domains' },
  {
    name: 'entrypoint',
    type: 'string',
    description: 'Overwrite the default ENTRYPOINT of the image',
  },
  { name: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
  { name: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
  { name: 'health-cmd', type: 'string', description: 'Command to run to check health' },
  {
    name: 'health-interval',
    type: 'string',
    valueName: 'duration',
    description: 'Time between running the check (ms|s|m|h) (default 0s)',
  },
  {
    name: 'health-retries',
    type: 'int',
    description: 'Consecutive failures needed to report unhealthy',
  },
  {
    name: 'health-start-period',
    type: 'string',
    valueName: 'duration',
    description:
      'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)',
  },
  {
    name: 'health-timeout',
    type: 'string',
    valueName: 'duration',
    description: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)',
  },
  { name: 'hostname', short: 'h', type: 'string', description: 'Container host name' },
  {
    name: 'init',
    type: 'bool',
    description: 'Run an init inside the container that forwards signals and reaps processes',
  },
  {
    name: 'interactive',
    short: 'i',
    type: 'bool',
    description: 'Keep STDIN open even if not attached',
  },
  { name: 'label', short: 'l', type: 'list', description: 'Set meta data on a container' },
  { name: 'log-opt', type: 'list', description: 'Log driver options' },
  { name: 'memory', short: 'm', type: 'string', valueName: 'bytes', description: 'Memory limit' },
  {
    name: 'memory-swap',
    type: 'string',
    valueName: 'bytes',
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  {
    name: 'mount',
    type: 'list',
    valueName: 'mount',
    description: 'Attach a filesystem mount to the container',
  },
  { name: 'name', type: 'string', description: 'Assign a name to the container' },
  {
    name: 'network',
    type: 'string',
    valueName: 'network',
    description: 'Connect a container to a network',
    default: 'default',
  },
  {
    name: 'network-alias',
    type: 'list',
    description: 'Add network-scoped alias for the container',
  },
  { name: 'ip', type: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  {
    name: 'publish',
    short: 'p',
    type: 'list',
    description: "Publish a container's port(s) to the host",
  },
  {
    name: 'publish-all',
    short: 'P',
    type: 'bool',
    description: 'Publish all exposed ports to random ports',
  },
  { name: 'expose', type: 'list', description: 'Expose a port or a range of ports' },
  {
    name: 'no-healthcheck',
    type: 'bool',
    description: 'Disable any container-specified HEALTHCHECK',
  },
  {
    name: 'pids-limit',
    type: 'int',
    description: 'Tune container pids limit (set -1 for unlimited)',
  },
  { name: 'privileged', type: 'bool', description: 'Give extended privileges to this container' },
  {
    name: 'pull',
    type: 'string',
    default: 'missing',
    description: 'Pull image before running ("always", "missing", "never")',
  },
  {
    name: 'read-only',
    type: 'bool',
    description: "Mount the container's root filesystem as read only",
  },
  {
    name: 'restart',
    type: 'string',
    description: 'Restart policy to apply when a container exits',
    default: 'no',
  },
  { name: 'rm', type: 'bool', description: 'Automatically remove the container when it exits' },
  { name: 'security-opt', type: 'list', description: 'Security Options' },
  { name: 'stop-signal', type: 'string', description: 'Signal to stop the container' },
  { name: 'stop-timeout', type: 'int', description: 'Timeout (in seconds) to stop a container' },
  { name: 'tmpfs', type: 'list', description: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'ulimit', type: 'list', valueName: 'ulimit', description: 'Ulimit options' },
  {
    name: 'user',
    short: 'u',
    type: 'string',
    description: 'Username or UID (format: <name|uid>[:<group|gid>])',
  },
  { name: 'volume', short: 'v', type: 'list', description: 'Bind mount a volume' },
  {
    name: 'workdir',
    short: 'w',
    type: 'string',
    description: 'Working directory inside the container',
  },
];

function readEnvFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`open ${file}: no such file or directory`);
  }
}

/** The create request for `IMAGE [COMMAND] [ARG...]` with these flags. */
export function createRequest(flags: Flags, args: string[]): CreateRequest {
  const [image, ...cmd] = args as [string, ...string[]];
  const lookup = (k: string) => process.env[k];
  const env = [
    ...flags.list('env-file').flatMap((f) => parseEnvFile(readEnvFile(f), lookup)),
    ...parseEnv(flags.list('env'), lookup),
  ];
  const entrypoint = flags.has('entrypoint') ? [flags.string('entrypoint')!] : undefined;
  const healthFlags = [
    'health-cmd',
    'health-interval',
    'health-timeout',
    'health-start-period',
    'health-retries',
  ];
  const health = healthFlags.some((f) => flags.has(f)) || flags.bool('no-healthcheck');
  const memory = flags.has('memory') ? parseMemory(flags.string('memory')!) : 0;
  const tty = flags.bool('tty');
  const interactive = flags.bool('interactive');
  return {
    name: flags.string('name'),
    image,
    cmd: cmd.length > 0 ? cmd : undefined,
    entrypoint,
    env,
    workdir: flags.string('workdir'),
    user: flags.string('user'),
    hostname: flags.string('hostname'),
    labels: keyValues(flags.list('label')),
    tty,
    openStdin: interactive,
    // closing stdin on the client's EOF matters for pipes; a TTY session is left with the detach keys
    stdinOnce: interactive && !flags.bool('detach') && !tty,
    stopSignal: flags.string('stop-signal'),
    exposedPorts: flags.list('expose'),
    networkAliases: flags.list('network-alias'),
    ipv4Address: flags.string('ip'),
    stopTimeout: flags.int('stop-timeout'),
    healthcheck: health
      ? flags.bool('no-healthcheck')
        ? { Test: ['NONE'] }
        : {
            // no --health-cmd: Docker keeps the image's test and takes only the timings given
            Test: flags.has('health-cmd') ? ['CMD-SHELL', flags.string('health-cmd')!] : [],
            Interval: flags.has('health-interval')
              ? parseDuration(flags.string('health-interval')!)
              : 0,
            Timeout: flags.has('health-timeout')
              ? parseDuration(flags.string('health-timeout')!)
              : 0,
            StartPeriod: flags.has('health-start-period')
              ? parseDuration(flags.string('health-start-period')!)
              : 0,
            Retries: flags.int('health-retries') ?? 0,
          }
      : undefined,
    hostConfig: {
      autoRemove: flags.bool('rm'),
      restartPolicy: parseRestartPolicy(flags.string('restart')!),
      binds: flags.list('volume'),
      mounts: flags.list('mount').map((m) => parseMountSpec(m)),
      tmpfs: flags.list('tmpfs').map(parseTmpfs),
      networkMode: flags.string('network')!,
      memory,
      memorySwap: flags.has('memory-swap') ? parseMemorySwap(flags.string('memory-swap')!) : 0,
      nanoCpus: flags.has('cpus') ? parseCpus(flags.string('cpus')!) : 0,
      cpuShares: flags.int('cpu-shares') ?? 0,
      pidsLimit: flags.int('pids-limit') ?? 0,
      ulimits: flags.list('ulimit').map(parseUlimit),
      readonlyRootfs: flags.bool('read-only'),
      privileged: flags.bool('privileged'),
      capAdd: flags.list('cap-add'),
      capDrop: flags.list('cap-drop'),
      securityOpt: flags.list('security-opt'),
      init: flags.bool('init'),
      logConfig: parseLogOpts(flags.list('log-opt')),
      dns: flags.list('dns'),
      dnsSearch: flags.list('dns-search'),
      extraHosts: flags.list('add-host'),
      portBindings: flags.list('publish').flatMap((p) => parsePublish(p)),
      publishAllPorts: flags.bool('publish-all'),
    },
  };
}
