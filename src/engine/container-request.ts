/**
 * What creating a container takes: Docker's create request (Config + HostConfig), with values
 * already parsed from flag syntax (the CLI parses `-m 32m`, the API receives bytes).
 */
import type { MountSpec, TmpfsSpec } from '../core/mount-spec.js';
import type { HealthcheckConfig } from '../core/oci.js';
import type { HostConfig } from '../runtime/container-record.js';

export interface CreateRequest {
  name?: string;
  image: string;
  /** The command after the image; absent keeps the image's Cmd. */
  cmd?: string[];
  /** `--entrypoint`: absent keeps the image's; `['']` resets it. */
  entrypoint?: string[] | null;
  /** `KEY=value` (already merged from --env-file and -e). */
  env: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  healthcheck?: HealthcheckConfig;
  /** `--expose` (port/proto keys, added to the image's ExposedPorts). */
  exposedPorts?: string[];
  /** `--network-alias` and `--ip`, for the network of --network. */
  networkAliases?: string[];
  ipv4Address?: string;
  /** The record's HostConfig, with the mount flags still as parsed from their syntax. */
  hostConfig: Omit<HostConfig, 'tmpfs' | 'logConfig'> & {
    /** `--mount`, parsed. */
    mounts: MountSpec[];
    tmpfs: TmpfsSpec[];
    logConfig: { maxSize: number; maxFile: number };
  };
}
