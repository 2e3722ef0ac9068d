/** `top` and `stats`: what runs in a container and what it uses. */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { conflict } from '../core/errors.js';
import { run } from '../sys/exec.js';
import { sampleCgroup } from '../runtime/cgroup-stats.js';
import type { ContainerService } from './containers.js';

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** Docker's `top`: the host's `ps` (with the given options), narrowed to the container's processes. */
export async function containerTop(
  s: ContainerService,
  idOrName: string,
  psArgs: string[],
): Promise<TopResult> {
  const { record, state } = await s.view(idOrName);
  if (state.status !== 'running' && state.status !== 'paused') {
    throw conflict(`Container ${record.id} is not running`);
  }
  const pids = new Set(await s.runc.pids(record.id));
  const { stdout } = await run('ps', psArgs.length > 0 ? psArgs : ['-ef']);
  const lines = stdout.split('\n').filter(Boolean);
  const titles = lines[0]!.trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw conflict("Couldn't find PID field in ps output");
  const last = titles.length - 1;
  const processes = lines
    .slice(1)
    .map((l) => {
      const cells = l.trim().split(/\s+/);
      return [...cells.slice(0, last), cells.slice(last).join(' ')];
    })
    .filter((cells) => pids.has(Number(cells[pidCol])));
  return { titles, processes };
}

export interface StatsRow {
  id: string;
  name: string;
  cpuPercent: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  blockRead: number;
  blockWrite: number;
}

/** One reading: two cgroup samples `intervalMs` apart give the CPU rate. */
export async function containerStats(
  s: ContainerService,
  idOrName: string,
  intervalMs = 500,
): Promise<StatsRow> {
  const { record, state } = await s.view(idOrName);
  const path = `/berth/${record.id}`;
  const zero = {
    id: record.id,
    name: record.name,
    cpuPercent: 0,
    memoryUsage: 0,
    memoryLimit: os.totalmem(),
    pids: 0,
    blockRead: 0,
    blockWrite: 0,
  };
  if (state.status !== 'running' && state.status !== 'paused') return zero;
  const a = await sampleCgroup(path);
  await sleep(intervalMs);
  const b = await sampleCgroup(path);
  if (!a || !b) return zero;
  const elapsedNs = (b.at - a.at) * 1e6;
  return {
    ...zero,
    // Docker's percentage: of one CPU, times the CPUs (so 2 busy CPUs show 200%)
    cpuPercent: elapsedNs > 0 ? ((b.cpuNs - a.cpuNs) / elapsedNs) * 100 : 0,
    memoryUsage: b.memoryUsage,
    memoryLimit: Number.isFinite(b.memoryLimit)
      ? Math.min(b.memoryLimit, os.totalmem())
      : os.totalmem(),
    pids: b.pids,
    blockRead: b.blockRead,
    blockWrite: b.blockWrite,
  };
}
