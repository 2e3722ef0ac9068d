/**
 * Docker's defaults for a Linux container (moby `oci/defaults.go`, `oci/caps`, `daemon/oci_linux.go`
 * and the seccomp profile of `profiles/seccomp`), as data and small pure functions.
 */
import { invalidArgument } from './errors.js';
import type { DeviceCgroupRule, Mount, Seccomp, SeccompSyscall } from './runtime-spec.js';
import {
  dockerDefaultSeccompProfile,
  type SeccompFilter,
  type SeccompProfile,
} from './seccomp-default.js';

export { dockerDefaultSeccompProfile, type SeccompProfile } from './seccomp-default.js';

/** The capabilities a container gets by default, in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every Linux capability, by number (0 to 40), as containerd's `cap.Known()` lists them. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * `--cap-add`/`--cap-drop` values normalised as Docker does: upper case, `CAP_` added, `ALL`
 * kept. `available` is what the engine itself holds (its bounding set): a known capability
 * outside it is refused with Docker's message.
 */
export function normalizeCapabilities(
  caps: readonly string[],
  available: readonly string[] = ALL_CAPABILITIES,
): string[] {
  return caps.map((c) => {
    c = c.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = 'CAP_' + c;
    if (!ALL_CAPABILITIES.includes(c)) throw invalidArgument(`unknown capability: "${c}"`);
    if (!available.includes(c)) {
      throw invalidArgument(
        `capability not supported by your kernel or not available in the current environment: "${c}"`,
      );
    }
    return c;
  });
}

/**
 * Docker's `TweakCapabilities`: privileged gets every available capability; `--cap-add ALL`
 * every available one but the dropped; `--cap-drop ALL` only the added; otherwise the defaults
 * without the dropped, then the added.
 */
export function containerCapabilities(opts: {
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  privileged?: boolean;
  available?: readonly string[];
}): string[] {
  const available = opts.available ?? ALL_CAPABILITIES;
  const all = ALL_CAPABILITIES.filter((c) => available.includes(c));
  if (opts.privileged) return all;
  const adds = opts.capAdd ?? [];
  const drops = opts.capDrop ?? [];
  if (adds.length === 0 && drops.length === 0) return [...DEFAULT_CAPABILITIES];
  const capDrop = normalizeCapabilities(drops, available);
  const capAdd = normalizeCapabilities(adds, available);
  let caps: string[];
  if (capAdd.includes('ALL')) caps = all.filter((c) => !capDrop.includes(c));
  else if (capDrop.includes('ALL')) caps = capAdd;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !capDrop.includes(c)), ...capAdd];
  return [...new Set(caps)];
}

/** Paths under /proc and /sys hidden from the container (replaced by /dev/null or empty). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

/** Paths under /proc mounted read-only. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** Docker's default size of /dev/shm: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** The PATH a container gets when its image sets none. */
export const DEFAULT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The mounts every container gets, in order; /dev/shm without its size option. */
export function defaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777'],
    },
  ];
}

/**
 * The device cgroup: everything denied, then the standard character devices allowed (null,
 * zero, full... tty and console; the runtime adds the pseudo-terminals), /dev/fuse denied.
 */
export function defaultDeviceRules(): DeviceCgroupRule[] {
  const allowChar = (major: number, minor: number): DeviceCgroupRule => ({
    allow: true,
    type: 'c',
    major,
    minor,
    access: 'rwm',
  });
  return [
    { allow: false, access: 'rwm' },
    allowChar(1, 5), // zero
    allowChar(1, 3), // null
    allowChar(1, 9), // urandom
    allowChar(1, 8), // random
    allowChar(5, 0), // tty
    allowChar(5, 1), // console
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // fuse
  ];
}

/**
 * Sysctls Docker sets in a container's own network namespace: ping without CAP_NET_RAW, and
 * ports below 1024 without CAP_NET_BIND_SERVICE.
 */
export const DEFAULT_NETWORK_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ping_group_range': '0 2147483647',
  'net.ipv4.ip_unprivileged_port_start': '0',
};

/** Architectures berth builds seccomp filters for (Go's names). */
export type SeccompArch = 'amd64' | 'arm64';

const nativeArch: Record<SeccompArch, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
};

function kernelAtLeast(kernel: string | undefined, min: string): boolean {
  if (kernel === undefined) return true; // assume a current kernel
  const [major = 0, minor = 0] = kernel.split(/[.-]/).map((p) => parseInt(p, 10) || 0);
  const [minMajor = 0, minMinor = 0] = min.split('.').map((p) => parseInt(p, 10) || 0);
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

/**
 * A profile in Docker's format turned into the OCI `linux.seccomp` of one container, as the
 * daemon's `setupSeccomp` does: the architecture and its sub-architectures from `archMap`, and
 * only the rules whose `includes` hold and whose `excludes` do not, for the container's bounding
 * capabilities, the architecture and the kernel version (assumed recent when not given).
 */
export function seccompFromProfile(
  profile: SeccompProfile,
  opts: { capabilities: readonly string[]; arch?: SeccompArch; kernelVersion?: string },
): Seccomp | undefined {
  const arch = opts.arch ?? 'amd64';
  if (profile.defaultAction === undefined && (profile.syscalls ?? []).length === 0)
    return undefined;
  if ((profile.architectures ?? []).length > 0 && (profile.archMap ?? []).length > 0) {
    throw invalidArgument(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  const seccomp: Seccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) seccomp.defaultErrnoRet = profile.defaultErrnoRet;
  const architectures = [...(profile.architectures ?? [])];
  const mapped = (profile.archMap ?? []).find((a) => a.architecture === nativeArch[arch]);
  if (mapped) architectures.push(mapped.architecture, ...(mapped.subArchitectures ?? []));
  if (architectures.length > 0) seccomp.architectures = architectures;
  if (profile.flags && profile.flags.length > 0) seccomp.flags = [...profile.flags];

  const holds = (f: SeccompFilter | undefined, any: boolean): boolean => {
    if (f === undefined) return false;
    const checks: boolean[] = [];
    if (f.arches && f.arches.length > 0) checks.push(f.arches.includes(arch));
    if (f.caps && f.caps.length > 0) {
      checks.push(
        any
          ? f.caps.some((c) => opts.capabilities.includes(c))
          : f.caps.every((c) => opts.capabilities.includes(c)),
      );
    }
    if (f.minKernel) checks.push(kernelAtLeast(opts.kernelVersion, f.minKernel));
    return any ? checks.some(Boolean) : checks.every(Boolean);
  };
  const syscalls: SeccompSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    if (rule.excludes && holds(rule.excludes, true)) continue;
    if (rule.includes && !holds(rule.includes, false)) continue;
    const out: SeccompSyscall = { names: [...rule.names], action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args && rule.args.length > 0) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  }
  seccomp.syscalls = syscalls;
  return seccomp;
}

/** Docker's default seccomp filter for a container with these bounding capabilities. */
export function defaultSeccomp(opts: {
  capabilities: readonly string[];
  arch?: SeccompArch;
  kernelVersion?: string;
}): Seccomp {
  return seccompFromProfile(dockerDefaultSeccompProfile, opts)!;
}

/** A profile given as JSON (`--security-opt seccomp=<content>`), checked for its shape. */
export function parseSeccompProfile(json: string): SeccompProfile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw invalidArgument(`Decoding seccomp profile failed: ${(e as Error).message}`);
  }
  const p = parsed as Partial<SeccompProfile> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    (p.defaultAction !== undefined && typeof p.defaultAction !== 'string') ||
    (p.syscalls !== undefined && !Array.isArray(p.syscalls))
  ) {
    throw invalidArgument('Decoding seccomp profile failed: not a seccomp profile');
  }
  for (const s of p.syscalls ?? []) {
    const rule = s as Partial<{ name: string; names: string[] }> & object;
    if (rule.name !== undefined) {
      if (rule.names && rule.names.length > 0) {
        throw invalidArgument(
          "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
        );
      }
      (rule as { names: string[] }).names = [rule.name];
    }
    if (!Array.isArray((rule as { names?: unknown }).names)) {
      throw invalidArgument('Decoding seccomp profile failed: a syscall rule has no names');
    }
  }
  return p as SeccompProfile;
}

/** Docker's default RLIMIT_NOFILE (dockerd's own, which containers inherit): 1048576. */
export const DEFAULT_NOFILE = 1_048_576;
