/**
 * The config of a committed image, as the daemon makes it (moby daemon/commit.go): the `--change`
 * instructions applied to an empty config, then completed from the container's config by
 * Docker's `merge`. Pure functions: no I/O.
 */
import { applyChanges } from '../core/config-change.js';
import { DEFAULT_PATH_ENV } from '../core/container-defaults.js';
import type { ContainerConfig, HealthcheckConfig } from '../core/oci.js';
import type { ContainerRecord } from '../runtime/container-record.js';

const envKey = (e: string) => e.split('=')[0]!;

/**
 * The container's config as Docker keeps it: what the image and the run options set, without
 * the variables the engine adds to every process (PATH, HOSTNAME, TERM) unless the image has them.
 */
export function containerConfig(record: ContainerRecord, imageEnv: string[]): ContainerConfig {
  const c = record.config;
  const imageKeys = new Set(imageEnv.map(envKey));
  const added = new Set([`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${c.Hostname}`]);
  if (c.Tty) added.add('TERM=xterm');
  return {
    User: c.User,
    ExposedPorts: c.ExposedPorts,
    Env: (c.Env ?? []).filter((e) => !added.has(e) || imageKeys.has(envKey(e))),
    Entrypoint: c.Entrypoint,
    Cmd: c.Cmd,
    Volumes: c.Volumes,
    WorkingDir: c.WorkingDir,
    Labels: c.Labels,
    StopSignal: c.StopSignal,
    ArgsEscaped: c.ArgsEscaped,
    Healthcheck: c.Healthcheck,
  };
}

export function mergeHealthcheck(
  user: HealthcheckConfig | undefined,
  from: HealthcheckConfig | undefined,
): HealthcheckConfig | undefined {
  if (!from) return user;
  if (!user) return from;
  const c: HealthcheckConfig = { ...user };
  if (!c.Test?.length && from.Test) c.Test = from.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) {
    if (!c[k] && from[k]) c[k] = from[k];
  }
  return c;
}

/** Docker's `merge(userConf, containerConf)`: the user's values win, the container fills in. */
export function mergeConfig(user: ContainerConfig, from: ContainerConfig): ContainerConfig {
  const c: ContainerConfig = structuredClone(user);
  c.User ||= from.User;
  c.ExposedPorts = { ...(from.ExposedPorts ?? {}), ...(c.ExposedPorts ?? {}) };
  const userEnv = c.Env ?? [];
  const keys = new Set(userEnv.map(envKey));
  c.Env = [...userEnv, ...(from.Env ?? []).filter((e) => !keys.has(envKey(e)))];
  c.Labels = { ...(from.Labels ?? {}), ...(c.Labels ?? {}) };
  if (!c.Entrypoint?.length) {
    if (!c.Cmd?.length) {
      c.Cmd = from.Cmd;
      c.ArgsEscaped = from.ArgsEscaped;
    }
    if (c.Entrypoint === undefined || c.Entrypoint === null) c.Entrypoint = from.Entrypoint;
  }
  c.Healthcheck = mergeHealthcheck(c.Healthcheck, from.Healthcheck);
  c.WorkingDir ||= from.WorkingDir;
  c.Volumes = { ...(from.Volumes ?? {}), ...(c.Volumes ?? {}) };
  c.StopSignal ||= from.StopSignal;
  return tidy(c);
}

/** Leave out what is empty, as berth writes configs elsewhere (`import`). */
function tidy(c: ContainerConfig): ContainerConfig {
  const out: Record<string, unknown> = {};
  const fields: [string, unknown][] = Object.entries(c);
  for (const [k, v] of fields) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (typeof v === 'object' && Object.keys(v).length === 0) continue; // [] and {}
    out[k] = v;
  }
  return out;
}

/** The config of the new image: `changes` over the container's config. */
export function commitConfig(
  record: ContainerRecord,
  imageEnv: string[],
  changes: readonly string[],
): ContainerConfig {
  return mergeConfig(applyChanges({}, changes), containerConfig(record, imageEnv));
}
