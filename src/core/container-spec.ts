/**
 * A container's OCI runtime spec from its image config and `docker run`'s options, with the
 * daemon's semantics (moby `daemon/oci_linux.go` `createSpec`, `daemon/create.go`): command and
 * environment merged with the image's, Docker's default capabilities, mounts, masked paths,
 * device rules and seccomp filter, resources and rlimits.
 *
 * Everything that needs the host (the rootfs, volume paths, the network namespace, the engine's
 * own capabilities and rlimits, the kernel version) comes in through `SpecInput`.
 */
import {
  containerCapabilities,
  DEFAULT_MASKED_PATHS,
  DEFAULT_NETWORK_SYSCTLS,
  DEFAULT_NOFILE,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  defaultDeviceRules,
  defaultMounts,
  defaultSeccomp,
  parseSeccompProfile,
  seccompFromProfile,
  type SeccompArch,
} from './container-defaults.js';
import { invalidArgument } from './errors.js';
import { cleanPath } from './mount-spec.js';
import type { ContainerConfig } from './oci.js';
import { cpuQuota, MIN_MEMORY, parseSecurityOpts, ulimitNames } from './run-options.js';
import {
  OCI_RUNTIME_SPEC_VERSION,
  RLIMIT_UNLIMITED,
  type Device,
  type Mount,
  type Namespace,
  type Resources,
  type Rlimit,
  type RuntimeSpec,
  type Seccomp,
} from './runtime-spec.js';

/** The container's network namespace: the seam between the runtime and the network layer. */
export type NetworkNamespace =
  /** A new namespace with only the loopback interface. */
  | { mode: 'none' }
  /** The host's namespace. */
  | { mode: 'host' }
  /** Join a namespace the network layer prepared (a bridge network's). */
  | { mode: 'path'; path: string };

/** A limit of the engine's own process; `Infinity` when unlimited. */
export interface HostLimit {
  soft: number;
  hard: number;
}

/** The engine's rlimits by Docker's names (`nofile`, `nproc`...), from /proc/self/limits. */
export interface HostLimits {
  nofile: HostLimit;
  nproc: HostLimit;
  [name: string]: HostLimit | undefined;
}

/** Resource limits, as `docker run` gives them (bytes, nano-CPUs...); absent or 0 is none. */
export interface ResourceOptions {
  memory?: number;
  /** Memory plus swap; -1 unlimited swap; absent or 0 is twice `memory`. */
  memorySwap?: number;
  memoryReservation?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  /** 0 or less is unlimited. */
  pidsLimit?: number;
}

/** What the engine knows about the machine it runs on. */
export interface HostFacts {
  /** Go's name of the architecture, for the seccomp filter. Default amd64. */
  arch?: SeccompArch;
  /** `uname -r`; the filter assumes a recent kernel without it. */
  kernelVersion?: string;
  /** The engine's bounding capabilities; all of Linux's when absent. */
  capabilities?: readonly string[];
  /** Device nodes a privileged container gets (the host's /dev). */
  devices?: Device[];
  /** Whether the memory cgroup limits swap (memsw); default true. */
  swapLimit?: boolean;
  /** Whether the engine may raise rlimits above its own hard limits (CAP_SYS_RESOURCE). */
  canRaiseRlimits?: boolean;
  /** Give the container its own cgroup namespace (Docker's default on cgroup v2 only). */
  cgroupNamespace?: boolean;
}

export interface SpecInput {
  /** The image's config (`config` of the image config JSON). */
  image: ContainerConfig;
  /**
   * `--entrypoint`, as the API carries it: absent or null keeps the image's; `[""]` resets it
   * (and the image's Cmd); `[]` resets it but keeps the image's Cmd; anything else replaces it
   * and the image's Cmd.
   */
  entrypoint?: string[] | null;
  /** The command after the image name; absent or empty keeps the image's Cmd (if allowed). */
  cmd?: string[] | null;
  /** `-e` values after parseEnv: `KEY=value`, or a bare `KEY` to unset it. */
  env?: string[];
  workdir?: string;
  /** Resolved ids (see passwd.ts); root when absent. */
  user?: { uid: number; gid: number; additionalGids?: number[] };
  hostname: string;
  /** The container's labels; with the image's, they become the spec's annotations. */
  labels?: Record<string, string>;
  tty?: boolean;
  /** Keeps stdin open; a matter for the runtime's stdio, not the spec. */
  openStdin?: boolean;
  readOnly?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  /** `name` as `RLIMIT_NOFILE` or `nofile`; -1 is unlimited. */
  ulimits?: { name: string; soft: number; hard: number }[];
  resources?: ResourceOptions;
  /** Host path of a static init (tini) to run as PID 1 at /sbin/docker-init. */
  init?: string;
  /** Used when stopping; not part of the spec. */
  stopSignal?: string;
  /**
   * Binds, volumes (as binds of their directories) and tmpfs mounts, resolved by the caller,
   * including the container's /etc/hostname, /etc/hosts and /etc/resolv.conf; see
   * bindMountOptions and tmpfsMountOptions for the options Docker gives them.
   */
  mounts?: Mount[];
  /** The root file system (the bundle's `rootfs`, or an absolute path). */
  rootfs: string;
  /** `/berth/<id>`. */
  cgroupsPath: string;
  network: NetworkNamespace;
  hostLimits: HostLimits;
  /** `--sysctl`. */
  sysctls?: Record<string, string>;
  /** `--shm-size`; 64 MiB by default. */
  shmSize?: number;
  /** `--oom-score-adj`; left to the runtime when absent. */
  oomScoreAdj?: number;
  host?: HostFacts;
}

const INIT_PATH = '/sbin/docker-init';

/**
 * The container's command (the daemon's `merge` and `newContainer`): its effective Entrypoint and
 * Cmd, and the process args. Throws `no command specified` when there is nothing to run.
 */
export function containerCommand(
  image: Pick<ContainerConfig, 'Entrypoint' | 'Cmd'>,
  entrypoint?: readonly string[] | null,
  cmd?: readonly string[] | null,
): { entrypoint: string[]; cmd: string[]; args: string[] } {
  let ep: readonly string[] | null | undefined = entrypoint;
  let command: readonly string[] = cmd ?? [];
  if (ep === undefined || ep === null || ep.length === 0) {
    if (command.length === 0) command = image.Cmd ?? [];
    if (ep === undefined || ep === null) ep = image.Entrypoint ?? [];
  }
  if (ep.length === 1 && ep[0] === '') ep = []; // "reset the Entrypoint if it is [""]"
  if (ep.length === 0 && command.length === 0) throw invalidArgument('no command specified');
  return { entrypoint: [...ep], cmd: [...command], args: [...ep, ...command] };
}

const envKey = (e: string) => {
  const eq = e.indexOf('=');
  return eq < 0 ? e : e.slice(0, eq);
};

/**
 * The container's environment (the daemon's `merge` then `CreateDaemonEnvironment`): PATH,
 * HOSTNAME and, with a TTY, TERM=xterm first; then the `-e` values and the image's, each
 * replacing an earlier value of the same name in place. A bare `KEY` among the `-e` values
 * removes KEY.
 */
export function containerEnv(
  imageEnv: readonly string[],
  userEnv: readonly string[],
  hostname: string,
  tty: boolean,
): string[] {
  const config = [...userEnv];
  for (const e of imageEnv) {
    if (!userEnv.some((u) => envKey(u) === envKey(e))) config.push(e);
  }
  const env: (string | undefined)[] = [`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${hostname}`];
  if (tty) env.push('TERM=xterm');
  const index = new Map(env.map((e, i) => [envKey(e!), i]));
  for (const value of config) {
    const i = index.get(envKey(value));
    if (!value.includes('=')) {
      if (i !== undefined) env[i] = undefined;
    } else if (i !== undefined) env[i] = value;
    else {
      index.set(envKey(value), env.length);
      env.push(value);
    }
  }
  return env.filter((e): e is string => e !== undefined);
}

/**
 * The options of a bind mount (or of a volume bound from its directory) as the daemon writes
 * them: `rbind` (`bind` when not recursive), `ro` when read-only, and the propagation (binds
 * get `rprivate` unless another is asked for; volumes none).
 */
export function bindMountOptions(opts: {
  readOnly?: boolean;
  propagation?: string;
  nonRecursive?: boolean;
}): string[] {
  const out = [opts.nonRecursive ? 'bind' : 'rbind'];
  if (opts.readOnly) out.push('ro');
  if (opts.propagation) out.push(opts.propagation);
  return out;
}

const depth = (dest: string) => cleanPath(dest).split('/').length - 1;

function specMounts(input: SpecInput): Mount[] {
  const user = [...(input.mounts ?? [])].sort(
    (a, b) => depth(a.destination) - depth(b.destination),
  );
  const userDestinations = new Set(user.map((m) => cleanPath(m.destination)));
  const mountDev = userDestinations.has('/dev');
  const defaults = defaultMounts();
  if (input.init) {
    defaults.push({
      destination: INIT_PATH,
      type: 'bind',
      source: input.init,
      options: ['bind', 'ro'],
    });
  }
  const mounts: Mount[] = [];
  for (const m of defaults) {
    if (userDestinations.has(m.destination)) continue;
    if (mountDev && m.destination.startsWith('/dev/')) continue;
    if (m.destination === '/dev/shm') m.options.push(`size=${input.shmSize ?? DEFAULT_SHM_SIZE}`);
    mounts.push(m);
  }
  mounts.push(...user.map((m) => ({ ...m, options: [...m.options] })));

  if (input.readOnly) {
    const writable = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);
    for (const m of mounts) {
      if (writable.has(m.destination) || userDestinations.has(cleanPath(m.destination))) continue;
      if (!m.options.includes('ro')) m.options.push('ro');
    }
  }
  if (input.privileged) {
    for (const m of mounts) {
      if (m.destination === '/sys' || m.type === 'cgroup') {
        m.options = m.options.filter((o) => o !== 'ro');
      }
    }
  }
  return mounts;
}

/** The rootfs propagation binds with shared or slave propagation need (as the daemon sets it). */
function rootfsPropagation(mounts: readonly Mount[]): string | undefined {
  let propagation: string | undefined;
  for (const m of mounts) {
    if (m.options.includes('shared') || m.options.includes('rshared')) propagation = 'shared';
    else if (
      (m.options.includes('slave') || m.options.includes('rslave')) &&
      propagation === undefined
    ) {
      propagation = 'rslave';
    }
  }
  return propagation;
}

function specResources(input: SpecInput): Resources {
  const r = input.resources ?? {};
  const resources: Resources = {
    devices: input.privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules(),
  };
  const memory = r.memory ?? 0;
  const swap = r.memorySwap ?? 0;
  const reservation = r.memoryReservation ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) {
    throw invalidArgument('Minimum memory limit allowed is 6MB');
  }
  if (memory > 0 && swap > 0 && swap < memory) {
    throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (memory === 0 && swap > 0) {
    throw invalidArgument(
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    );
  }
  if (memory > 0 && reservation > 0 && memory < reservation) {
    throw invalidArgument(
      'Minimum memory limit can not be less than memory reservation limit, see usage',
    );
  }
  if (memory > 0 || reservation > 0) {
    resources.memory = {};
    if (memory > 0) {
      resources.memory.limit = memory;
      // Docker's default: as much swap as memory
      const memsw = swap === 0 ? memory * 2 : swap;
      if (memsw > 0 && input.host?.swapLimit !== false) resources.memory.swap = memsw;
    }
    if (reservation > 0) resources.memory.reservation = reservation;
  }

  const nano = r.nanoCpus ?? 0;
  if (nano < 0) throw invalidArgument('invalid value: nano CPUs must be positive');
  if (nano > 0 && (r.cpuPeriod ?? 0) > 0) {
    throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (nano > 0 && (r.cpuQuota ?? 0) > 0) {
    throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  }
  if (r.cpuPeriod && (r.cpuPeriod < 1000 || r.cpuPeriod > 1_000_000)) {
    throw invalidArgument(
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
    );
  }
  if (r.cpuQuota && r.cpuQuota > 0 && r.cpuQuota < 1000) {
    throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  }
  if ((r.cpuShares ?? 0) < 0) throw invalidArgument('shares: invalid argument');
  const cpu: NonNullable<Resources['cpu']> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (nano > 0) Object.assign(cpu, cpuQuota(nano));
  else {
    if (r.cpuQuota) cpu.quota = r.cpuQuota;
    if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  }
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;

  if (r.pidsLimit !== undefined && r.pidsLimit > 0) resources.pids = { limit: r.pidsLimit };
  return resources;
}

const shortNames = new Map(Object.entries(ulimitNames).map(([short, kernel]) => [kernel, short]));

/**
 * The rlimits: the `--ulimit`s, then Docker's RLIMIT_NOFILE default (1048576). The default is
 * lowered to the engine's hard limit, which an unprivileged runtime cannot raise; an explicit
 * `--ulimit` above it is refused instead of failing at start.
 */
function specRlimits(input: SpecInput): Rlimit[] {
  const canRaise = input.host?.canRaiseRlimits ?? false;
  const out: Rlimit[] = [];
  for (const u of input.ulimits ?? []) {
    const type = u.name.startsWith('RLIMIT_') ? u.name : ulimitNames[u.name];
    const short = type === undefined ? undefined : shortNames.get(type);
    if (type === undefined || short === undefined) {
      throw invalidArgument(`invalid ulimit type: ${u.name}`);
    }
    const host = input.hostLimits[short];
    const value = (n: number) => (n === -1 ? Infinity : n);
    const hard = value(u.hard);
    const soft = value(u.soft);
    if (!canRaise && host && hard > host.hard) {
      const show = (n: number) => (n === Infinity ? 'unlimited' : String(n));
      throw invalidArgument(
        `ulimit ${short}: hard limit ${show(hard)} is above the engine's own hard limit ${show(host.hard)}, which it cannot raise`,
      );
    }
    const fit = (n: number) => (n === Infinity ? RLIMIT_UNLIMITED : n);
    const earlier = out.findIndex((r) => r.type === type);
    if (earlier >= 0) out.splice(earlier, 1); // the last of a resource wins, as in docker/cli
    out.push({ type, hard: fit(hard), soft: fit(soft) });
  }
  if (!out.some((r) => r.type === 'RLIMIT_NOFILE')) {
    const limit = canRaise
      ? DEFAULT_NOFILE
      : Math.min(DEFAULT_NOFILE, input.hostLimits.nofile.hard);
    out.push({ type: 'RLIMIT_NOFILE', hard: limit, soft: limit });
  }
  return out;
}

function specSeccomp(
  input: SpecInput,
  profile: string | undefined,
  capabilities: readonly string[],
): Seccomp | undefined {
  if (input.privileged || profile === 'unconfined') return undefined;
  const opts = {
    capabilities,
    arch: input.host?.arch ?? 'amd64',
    ...(input.host?.kernelVersion ? { kernelVersion: input.host.kernelVersion } : {}),
  };
  if (profile === undefined || profile === 'builtin') return defaultSeccomp(opts);
  if (!profile.trimStart().startsWith('{')) {
    throw invalidArgument(
      `invalid seccomp profile ${JSON.stringify(profile)}: expected "unconfined", "builtin" or the profile's JSON content`,
    );
  }
  return seccompFromProfile(parseSeccompProfile(profile), opts);
}

/** Builds the runtime spec of a container. Throws InvalidArgument with Docker's messages. */
export function buildRuntimeSpec(input: SpecInput): RuntimeSpec {
  const security = parseSecurityOpts(input.securityOpt ?? []);
  const { args } = containerCommand(input.image, input.entrypoint, input.cmd);
  const workdir = input.workdir || input.image.WorkingDir || '/';
  if (!workdir.startsWith('/')) {
    throw invalidArgument(
      `the working directory '${workdir}' is invalid, it needs to be an absolute path`,
    );
  }
  const user = input.user ?? { uid: 0, gid: 0, additionalGids: [0] };
  const caps = containerCapabilities({
    capAdd: input.capAdd ?? [],
    capDrop: input.capDrop ?? [],
    privileged: input.privileged ?? false,
    ...(input.host?.capabilities ? { available: input.host.capabilities } : {}),
  });
  const finalArgs = input.init ? [INIT_PATH, '--', ...args] : args;

  const namespaces: Namespace[] = [{ type: 'mount' }];
  if (input.network.mode === 'none') namespaces.push({ type: 'network' });
  if (input.network.mode === 'path') namespaces.push({ type: 'network', path: input.network.path });
  namespaces.push({ type: 'uts' }, { type: 'pid' }, { type: 'ipc' });
  if (input.host?.cgroupNamespace) namespaces.push({ type: 'cgroup' });

  const sysctl: Record<string, string> = {};
  if (input.network.mode !== 'host') Object.assign(sysctl, DEFAULT_NETWORK_SYSCTLS);
  for (const [k, v] of Object.entries(input.sysctls ?? {})) {
    if (input.network.mode === 'host' && k.startsWith('net.')) {
      throw invalidArgument(`sysctl "${k}" not allowed in host network namespace`);
    }
    sysctl[k] = v;
  }

  const mounts = specMounts(input);
  const spec: RuntimeSpec = {
    ociVersion: OCI_RUNTIME_SPEC_VERSION,
    process: {
      terminal: input.tty ?? false,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids ?? [user.gid] },
      args: finalArgs,
      env: containerEnv(input.image.Env ?? [], input.env ?? [], input.hostname, input.tty ?? false),
      cwd: cleanPath(workdir),
      capabilities:
        user.uid === 0
          ? { bounding: caps, effective: [...caps], permitted: [...caps] }
          : { bounding: caps, effective: [], permitted: [] },
      rlimits: specRlimits(input),
      noNewPrivileges: security.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: input.readOnly ?? false },
    hostname: input.hostname,
    mounts,
    linux: {
      namespaces,
      resources: specResources(input),
      cgroupsPath: input.cgroupsPath,
      devices: input.privileged ? [...(input.host?.devices ?? [])] : [],
    },
  };
  if (input.oomScoreAdj !== undefined) spec.process.oomScoreAdj = input.oomScoreAdj;
  if (!input.privileged && !security.unmaskSystemPaths) {
    spec.linux.maskedPaths = [...DEFAULT_MASKED_PATHS];
    spec.linux.readonlyPaths = [...DEFAULT_READONLY_PATHS];
  }
  const seccomp = specSeccomp(input, security.seccomp, caps);
  if (seccomp) spec.linux.seccomp = seccomp;
  if (Object.keys(sysctl).length > 0) spec.linux.sysctl = sysctl;
  const propagation = rootfsPropagation(input.mounts ?? []);
  if (propagation) spec.linux.rootfsPropagation = propagation;
  const annotations = { ...(input.image.Labels ?? {}), ...(input.labels ?? {}) };
  if (Object.keys(annotations).length > 0) spec.annotations = annotations;
  return spec;
}
