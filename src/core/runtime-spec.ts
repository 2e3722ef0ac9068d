/**
 * The OCI runtime-spec `config.json` (runtime-spec v1.0.2, Linux), limited to what berth writes.
 * Field names are the spec's own: this document goes to runc as it is. Optional fields are left
 * out of the JSON when undefined.
 */

/** The runtime-spec version berth writes; runc 1.1 writes the same with `runc spec`. */
export const OCI_RUNTIME_SPEC_VERSION = '1.0.2-dev';

/**
 * The value berth writes for an "unlimited" rlimit. RLIM_INFINITY (2^64 - 1) has no exact
 * JavaScript number, and 2^64 would overflow runc's uint64; 2^53 - 1 is effectively unlimited
 * for every resource the kernel accepts it for.
 */
export const RLIMIT_UNLIMITED = Number.MAX_SAFE_INTEGER;

export interface RuntimeSpec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: Linux;
  annotations?: Record<string, string>;
}

export interface Process {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities: Capabilities;
  rlimits: Rlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** Capability names with their `CAP_` prefix, e.g. `CAP_CHOWN`. */
export interface Capabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable?: string[];
  ambient?: string[];
}

/** `type` is the kernel's name, e.g. `RLIMIT_NOFILE`. */
export interface Rlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface Mount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface Namespace {
  type: NamespaceType;
  /** Join this namespace instead of creating one. */
  path?: string;
}

export interface Linux {
  namespaces: Namespace[];
  resources: Resources;
  cgroupsPath: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  seccomp?: Seccomp;
  /** Device nodes to create in the container (besides the runtime's defaults). */
  devices: Device[];
  sysctl?: Record<string, string>;
  rootfsPropagation?: string;
}

export interface Resources {
  /** The device cgroup: evaluated in order, the last matching rule wins. */
  devices: DeviceCgroupRule[];
  memory?: { limit?: number; reservation?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

export interface DeviceCgroupRule {
  allow: boolean;
  /** `a` (all), `c` or `b`; absent means all. */
  type?: 'a' | 'c' | 'b';
  /** Absent means any. */
  major?: number;
  minor?: number;
  access?: string;
}

export interface Device {
  path: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_X86_64` etc. */
  architectures?: string[];
  flags?: string[];
  syscalls?: SeccompSyscall[];
}
