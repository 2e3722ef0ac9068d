/**
 * The per-container monitor (native/monitor/berth-monitor, C): it starts the container through
 * runc, holds its stdio or PTY, writes its log, records its exit and applies its restart policy,
 * long after the berth command that started it has exited.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BerthError, failedPrecondition, internal } from '../core/errors.js';
import { readJsonFile } from '../sys/atomic-file.js';
import { processAlive } from '../sys/process.js';
import type { HealthcheckConfig } from '../core/oci.js';
import type { HealthState, RestartPolicy } from './container-record.js';

export interface MonitorOptions {
  id: string;
  bundle: string;
  runtimeRoot: string;
  stateDir: string;
  logPath: string;
  logMaxSize: number;
  logMaxFiles: number;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  restart: RestartPolicy;
  cgroupPath: string;
  exitCommand?: string[];
  /**
   * A lock file held by a berth that does the exit command's work itself after the container
   * exits (an attached `run`), and deletes it once done: the monitor runs the exit command only
   * if the file is still there when it gets the lock (the berth holding it died first).
   */
  exitLock?: string;
  /** Open file descriptors the monitor keeps while the container lives (held host ports). */
  keepFds?: number[];
  /** The container's health check (Docker's config, durations in ns); none when absent or NONE. */
  healthcheck?: HealthcheckConfig;
  /** The container's SHELL for `CMD-SHELL` checks (default `/bin/sh -c`). */
  shell?: string[];
  /**
   * Attach before the container starts (so no output is missed): called once the monitor's
   * attach socket listens; the monitor waits for that connection before `runc start`.
   */
  attachFirst?: (socketPath: string) => Promise<void>;
}

/** What the monitor writes after each exit of the container. */
export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
  finishedAt: string;
  restartCount: number;
  final: boolean;
}

/** What the monitor writes at each start. */
export interface RunInfo {
  status: 'running' | 'restarting';
  pid: number;
  startedAt: string;
  restartCount: number;
}

const RELATIVE = path.join('native', 'monitor', 'berth-monitor');

export function monitorBinary(): string {
  const override = process.env['BERTH_MONITOR'];
  if (override) return override;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir)
      throw failedPrecondition('berth-monitor is not built: run make -C native/monitor');
  }
}

/** What the monitor writes in health.json (Docker's State.Health). */
interface HealthFile {
  Status: HealthState['status'];
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[] | null;
}

/**
 * The command a health check runs, as Docker's probe builds it: `CMD a b` runs `a b`,
 * `CMD-SHELL x` runs the container's shell (`/bin/sh -c` by default) with `x`. Undefined when
 * there is no check (`NONE`, an empty or unknown test).
 */
export function healthCommand(
  hc: HealthcheckConfig | undefined,
  shell: string[] | undefined,
): string[] | undefined {
  const [kind, ...rest] = hc?.Test ?? [];
  if (rest.length === 0) return undefined;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return [...(shell?.length ? shell : ['/bin/sh', '-c']), ...rest];
  return undefined;
}

/** The monitor's options for a health check (none without one). */
function healthArgs(hc: HealthcheckConfig | undefined, shell: string[] | undefined): string[] {
  const cmd = healthCommand(hc, shell);
  if (!cmd || !hc) return [];
  const ns = (flag: string, v: number | undefined) =>
    v && v > 0 ? [`--health-${flag}`, String(Math.trunc(v))] : [];
  return [
    ...cmd.flatMap((a) => ['--health-cmd', a]),
    ...ns('interval', hc.Interval),
    ...ns('timeout', hc.Timeout),
    ...ns('start-period', hc.StartPeriod),
    ...ns('start-interval', hc.StartInterval),
    ...ns('retries', hc.Retries),
  ];
}

const restartArg = (p: RestartPolicy) =>
  p.name === 'on-failure' && p.maximumRetryCount > 0 ? `on-failure:${p.maximumRetryCount}` : p.name;

/**
 * Start the container under a new monitor. Resolves with the container's pid once it runs;
 * rejects with runc's reason when it cannot start (the caller maps it to 125/126/127).
 */
export async function startMonitor(o: MonitorOptions): Promise<number> {
  await fs.mkdir(o.stateDir, { recursive: true, mode: 0o700 });
  const health = healthArgs(o.healthcheck, o.shell);
  for (const f of ['exit.json', 'state.json', ...(health.length ? [] : ['health.json'])])
    await fs.rm(path.join(o.stateDir, f), { force: true });
  const args = [
    '--id',
    o.id,
    '--bundle',
    o.bundle,
    '--runtime-root',
    o.runtimeRoot,
    '--state-dir',
    o.stateDir,
    '--log-path',
    o.logPath,
    '--log-max-size',
    String(o.logMaxSize),
    '--log-max-files',
    String(o.logMaxFiles),
    '--restart',
    restartArg(o.restart),
    '--cgroup-path',
    o.cgroupPath,
    ...(o.tty ? ['--tty'] : []),
    ...(o.stdin ? ['--stdin'] : []),
    ...(o.stdinOnce ? ['--stdin-once'] : []),
    ...(o.attachFirst ? ['--wait-attach'] : []),
    ...(o.keepFds?.length ? ['--keep-fds', String(o.keepFds.length)] : []),
    ...health,
    ...(o.exitCommand
      ? [
          '--exit-command',
          o.exitCommand[0]!,
          ...o.exitCommand.slice(1).flatMap((a) => ['--exit-arg', a]),
          ...(o.exitLock ? ['--exit-lock', o.exitLock] : []),
        ]
      : []),
  ];
  // the monitor's sockets live in the state directory: a path the kernel cannot bind fails
  // here, before anything is started, not as a missing socket later
  const longest = path.join(o.stateDir, 'attach.sock');
  if (Buffer.byteLength(longest) > 107)
    throw failedPrecondition(
      `the runtime directory ${path.dirname(o.stateDir)} is too long: ${longest} passes the 107 bytes of a unix socket path (use a shorter --runroot)`,
    );
  const child = spawn(monitorBinary(), args, {
    stdio: ['ignore', 'pipe', 'pipe', ...(o.keepFds ?? [])],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  if (o.attachFirst) {
    const socketPath = path.join(o.stateDir, 'attach.sock');
    let done = false;
    void exited.finally(() => (done = true));
    // the socket exists (listening) before the monitor creates the container
    for (let i = 0; i < 2000 && !done && !existsSync(socketPath); i++) await sleep(2);
    let attachError: Error | undefined;
    if (!done) await o.attachFirst(socketPath).catch((e: Error) => (attachError = e));
    // a monitor that failed closes its socket: its own report says why, so it wins
    if (attachError !== undefined && (await exited) === 0) throw attachError;
  }
  const code = await exited;
  const line = out.trim().split('\n').pop() ?? '';
  let result: { pid?: number; error?: string } = {};
  try {
    result = JSON.parse(line) as typeof result;
  } catch {
    throw internal(`berth-monitor exited ${code}: ${err.trim() || out.trim() || 'no output'}`);
  }
  if (code === 0 && result.pid) return result.pid;
  throw new BerthError(
    'FailedPrecondition',
    result.error ?? (err.trim() || `berth-monitor exited ${code}`),
  );
}

export const readRunInfo = (stateDir: string) =>
  readJsonFile<RunInfo>(path.join(stateDir, 'state.json'));
export const readExitInfo = (stateDir: string) =>
  readJsonFile<ExitInfo>(path.join(stateDir, 'exit.json'));

/** The health check state the monitor keeps in health.json, if it runs one. */
export async function readHealthInfo(stateDir: string): Promise<HealthState | undefined> {
  const h = await readJsonFile<HealthFile>(path.join(stateDir, 'health.json'));
  if (!h) return undefined;
  return {
    status: h.Status,
    failingStreak: h.FailingStreak,
    log: (h.Log ?? []).map((l) => ({
      start: l.Start,
      end: l.End,
      exitCode: l.ExitCode,
      output: l.Output,
    })),
  };
}

/** The monitor's pid if it is still running. */
export async function monitorPid(stateDir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(stateDir, 'monitor.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return pid > 0 && processAlive(pid) ? pid : undefined;
}

/** Tell the monitor something through its control FIFO (`stop`, `resize R C`). */
export async function tellMonitor(stateDir: string, line: string): Promise<void> {
  const fifo = path.join(stateDir, 'ctl');
  let fh: fs.FileHandle | undefined;
  try {
    // O_NONBLOCK: never hang on a FIFO whose reader is gone
    fh = await fs.open(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    await fh.write(`${line}\n`);
  } catch {
    // no monitor listening: nothing to tell
  } finally {
    await fh?.close();
  }
}
