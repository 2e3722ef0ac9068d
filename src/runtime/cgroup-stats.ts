/**
 * Resource usage of a container's cgroup, on cgroup v1 (one hierarchy per controller) and v2
 * (the unified hierarchy), for `stats`.
 */
import fs from 'node:fs/promises';

export interface CgroupSample {
  /** Total CPU time used, nanoseconds. */
  cpuNs: number;
  memoryUsage: number;
  /** Infinity when unlimited. */
  memoryLimit: number;
  pids: number;
  blockRead: number;
  blockWrite: number;
  /** When the sample was taken (ms, monotonic enough for a rate). */
  at: number;
}

const read = (p: string) =>
  fs.readFile(p, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
const num = (s: string | undefined) => (s === undefined || s === 'max' ? undefined : Number(s));
const UNLIMITED_V1 = 2 ** 62;

async function v2(path: string): Promise<CgroupSample | undefined> {
  const cpu = await read(`${path}/cpu.stat`);
  if (cpu === undefined) return undefined;
  const io = (await read(`${path}/io.stat`)) ?? '';
  let rbytes = 0;
  let wbytes = 0;
  for (const m of io.matchAll(/rbytes=(\d+) wbytes=(\d+)/g)) {
    rbytes += Number(m[1]);
    wbytes += Number(m[2]);
  }
  return {
    cpuNs: Number(/usage_usec (\d+)/.exec(cpu)?.[1] ?? 0) * 1000,
    memoryUsage: num(await read(`${path}/memory.current`)) ?? 0,
    memoryLimit: num(await read(`${path}/memory.max`)) ?? Infinity,
    pids: num(await read(`${path}/pids.current`)) ?? 0,
    blockRead: rbytes,
    blockWrite: wbytes,
    at: Date.now(),
  };
}

async function v1(cgroupPath: string): Promise<CgroupSample | undefined> {
  const base = '/sys/fs/cgroup';
  const cpu = num(await read(`${base}/cpuacct${cgroupPath}/cpuacct.usage`));
  if (cpu === undefined) return undefined;
  const limit = num(await read(`${base}/memory${cgroupPath}/memory.limit_in_bytes`)) ?? Infinity;
  const blkio = (await read(`${base}/blkio${cgroupPath}/blkio.throttle.io_service_bytes`)) ?? '';
  const sum = (op: string) =>
    [...blkio.matchAll(new RegExp(`^\\S+ ${op} (\\d+)$`, 'gm'))].reduce(
      (a, m) => a + Number(m[1]),
      0,
    );
  return {
    cpuNs: cpu,
    memoryUsage: num(await read(`${base}/memory${cgroupPath}/memory.usage_in_bytes`)) ?? 0,
    memoryLimit: limit >= UNLIMITED_V1 ? Infinity : limit,
    pids: num(await read(`${base}/pids${cgroupPath}/pids.current`)) ?? 0,
    blockRead: sum('Read'),
    blockWrite: sum('Write'),
    at: Date.now(),
  };
}

/** One sample of the cgroup at `cgroupPath` (e.g. `/berth/<id>`), or undefined if it is gone. */
export async function sampleCgroup(cgroupPath: string): Promise<CgroupSample | undefined> {
  return (
    (await v1(cgroupPath)) ??
    (await v2(`/sys/fs/cgroup/unified${cgroupPath}`)) ??
    (await v2(`/sys/fs/cgroup${cgroupPath}`))
  );
}
