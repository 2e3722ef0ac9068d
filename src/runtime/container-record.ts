/** What berth stores about a container (camelCase; Docker's shapes are made at the edge). */
import type { Digest } from '../core/digest.js';
import type { ContainerConfig } from '../core/oci.js';
import type { PortMapping } from '../core/port-spec.js';

export type ContainerStatus =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface RestartPolicy {
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount: number;
}

/** A mount as the container sees it (what `inspect` shows under Mounts). */
export interface MountPoint {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name (volume), empty (tmpfs). */
  source: string;
  destination: string;
  readOnly: boolean;
  /** Volume driver for volumes. */
  driver?: string;
  /** Options for tmpfs (`size=…,mode=…`). */
  options?: string[];
}

/** A published port as asked for (`-p`); the host port may be 0 (any) or a range. */
export type PortRequest = PortMapping;

/** One network the container joins when it starts (Docker's EndpointsConfig). */
export interface NetworkJoin {
  network: string;
  aliases: string[];
  ipv4Address?: string;
}

/** Docker's HostConfig subset berth supports. */
export interface HostConfig {
  autoRemove: boolean;
  restartPolicy: RestartPolicy;
  networkMode: string;
  memory: number;
  memorySwap: number;
  nanoCpus: number;
  cpuShares: number;
  pidsLimit: number;
  ulimits: { name: string; soft: number; hard: number }[];
  readonlyRootfs: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  init: boolean;
  logConfig: { type: 'json-file'; maxSize: number; maxFile: number };
  binds: string[];
  tmpfs: Record<string, string>;
  dns: string[];
  dnsSearch: string[];
  extraHosts: string[];
  /** `-p`, and with `-P` the image's EXPOSE (resolved at create). */
  portBindings?: PortRequest[];
  publishAllPorts?: boolean;
}

/** One health check result (Docker's HealthcheckResult). */
export interface HealthResult {
  start: string;
  end: string;
  /** 0 healthy, anything else a failure; -1 when the check timed out or could not run. */
  exitCode: number;
  output: string;
}

/** Docker's State.Health: what the monitor's health checks found (the last 5 results). */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: HealthResult[];
}

/** The run-time state, kept in the record once the monitor has reported it. */
export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  error: string;
  /** Present once a container with a health check has been started (as in Docker). */
  health?: HealthState;
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** The image as the user named it, and its ID. */
  image: string;
  imageId: Digest;
  /** The top snapshot of the image (lowerdirs come from its chain). */
  chainId: Digest;
  /** The container's config: the image's, with the run options applied. */
  config: ContainerConfig & {
    Hostname: string;
    Domainname: string;
    Tty: boolean;
    OpenStdin: boolean;
    StdinOnce: boolean;
    AttachStdin: boolean;
    AttachStdout: boolean;
    AttachStderr: boolean;
    Image: string;
    StopTimeout?: number;
  };
  hostConfig: HostConfig;
  mounts: MountPoint[];
  /** Bridge or macvlan networks (none for `none` and `host`); the first is the primary one. */
  networks?: NetworkJoin[];
  state: ContainerState;
  /** Incremented on every start. */
  startCount: number;
}

export const initialState = (): ContainerState => ({
  status: 'created',
  pid: 0,
  exitCode: 0,
  oomKilled: false,
  startedAt: '0001-01-01T00:00:00Z',
  finishedAt: '0001-01-01T00:00:00Z',
  restartCount: 0,
  error: '',
});
