/**
 * Helpers for the berth-monitor tests: a busybox rootfs, one bundle per container (from
 * `runc spec`), a private runc root and state directory, and a cleanup that leaves nothing
 * behind (runc container, monitor process, cgroups, temporary files) even when a test fails.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

import { repoRoot, runCommand, type RunResult } from '../helpers.js';

export const monitorBin = path.join(repoRoot, 'native', 'monitor', 'berth-monitor');
export const runc = '/usr/sbin/runc';
const busybox = '/bin/busybox';

/** What these tests lack here (they fail with it rather than skip), or undefined. */
export async function skipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const f of [runc, busybox]) {
    try {
      await fs.access(f);
    } catch {
      return `needs ${f}`;
    }
  }
  return undefined;
}

/** Build the monitor (a no-op when it is up to date). */
export async function buildMonitor(): Promise<void> {
  const r = await runCommand('make', ['-s', '-C', path.dirname(monitorBin)], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`make failed: ${r.stderr}`);
}

/** A read-only rootfs shared by the containers of one test file: busybox and its applets. */
export async function makeRootfs(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-monitor-rootfs-'));
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin);
  for (const d of ['dev', 'proc', 'sys', 'tmp', 'etc']) await fs.mkdir(path.join(dir, d));
  await fs.copyFile(busybox, path.join(bin, 'busybox'));
  const list = await runCommand(busybox, ['--list']);
  for (const applet of list.stdout.split('\n')) {
    if (applet && applet !== 'busybox') await fs.symlink('busybox', path.join(bin, applet));
  }
  return dir;
}

export interface ContainerOptions {
  args: string[];
  tty?: boolean;
  memoryLimit?: number;
  /** A state directory path longer than a socket address can hold (sun_path: 107 bytes). */
  deepStateDir?: boolean;
}

export interface Container {
  id: string;
  dir: string;
  bundle: string;
  runtimeRoot: string;
  stateDir: string;
  logPath: string;
  cgroupPath: string;
  /** Run berth-monitor for this container (the foreground process) with extra options. */
  start(extra?: string[]): Promise<RunResult>;
  /** `runc --root <root> <args>` */
  runc(args: string[]): Promise<RunResult>;
  stateFile<T = Record<string, unknown>>(name: string): Promise<T | undefined>;
  /** Wait for exit.json with final=true and for the monitor to be gone. */
  waitFinal(timeoutMs?: number): Promise<ExitInfo>;
  monitorPid(): Promise<number | undefined>;
  ctl(line: string): Promise<void>;
}

export interface ExitInfo {
  exitCode: number;
  oomKilled: boolean;
  finishedAt: string;
  restartCount: number;
  final: boolean;
}

export interface StateInfo {
  status: string;
  pid: number;
  startedAt: string;
  restartCount: number;
}

/** A bundle, runc root and state directory for one container, all removed when the test ends. */
export async function newContainer(
  t: TestContext,
  rootfs: string,
  opts: ContainerOptions,
): Promise<Container> {
  const id = randomBytes(32).toString('hex');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-monitor-'));
  const bundle = path.join(dir, 'bundle');
  const runtimeRoot = path.join(dir, 'runc');
  const stateDir = path.join(dir, ...(opts.deepStateDir ? ['d'.repeat(100)] : []), 'state');
  const logPath = path.join(dir, 'logs', 'log');
  const cgroupPath = `/berth-test/${id}`;
  await Promise.all(
    [bundle, stateDir, path.dirname(logPath)].map((d) => fs.mkdir(d, { recursive: true })),
  );

  const c: Container = {
    id,
    dir,
    bundle,
    runtimeRoot,
    stateDir,
    logPath,
    cgroupPath,
    start: (extra = []) =>
      runCommand(
        monitorBin,
        [
          ['--id', id],
          ['--bundle', bundle],
          ['--runtime', runc],
          ['--runtime-root', runtimeRoot],
          ['--state-dir', stateDir],
          ['--log-path', logPath],
          ['--cgroup-path', cgroupPath],
          extra,
        ].flat(),
        { timeoutMs: 30_000 },
      ),
    runc: (args) => runCommand(runc, ['--root', runtimeRoot, ...args], { timeoutMs: 30_000 }),
    async stateFile<T>(name: string) {
      try {
        return JSON.parse(await fs.readFile(path.join(stateDir, name), 'utf8')) as T;
      } catch {
        return undefined;
      }
    },
    async monitorPid() {
      try {
        const pid = Number((await fs.readFile(path.join(stateDir, 'monitor.pid'), 'utf8')).trim());
        // Only our own monitor: the pid may have been reused once it exited.
        const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes(stateDir) ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    async waitFinal(timeoutMs = 20_000) {
      const exit = await waitFor(
        async () => {
          const e = await c.stateFile<ExitInfo>('exit.json');
          return e?.final ? e : undefined;
        },
        timeoutMs,
        'final exit.json',
      );
      await waitFor(async () => ((await c.monitorPid()) ? undefined : true), 5000, 'monitor exit');
      return exit;
    },
    async ctl(line) {
      // No O_CREAT: if the monitor is gone this fails instead of leaving a regular file.
      const { O_WRONLY, O_NONBLOCK } = fsConstants;
      const f = await fs.open(path.join(stateDir, 'ctl'), O_WRONLY | O_NONBLOCK);
      try {
        await f.write(`${line}\n`);
      } finally {
        await f.close();
      }
    },
  };

  await runCommand(runc, ['spec', '--bundle', bundle]);
  const specPath = path.join(bundle, 'config.json');
  const spec = JSON.parse(await fs.readFile(specPath, 'utf8')) as Spec;
  spec.process.args = opts.args;
  spec.process.terminal = opts.tty ?? false;
  spec.root = { path: rootfs, readonly: true };
  spec.linux.cgroupsPath = cgroupPath;
  if (opts.memoryLimit) {
    spec.linux.resources.memory = { limit: opts.memoryLimit, swap: opts.memoryLimit };
  }
  await fs.writeFile(specPath, JSON.stringify(spec));

  t.after(async () => {
    // The monitor first: with a restart policy it would bring the container back.
    const pid = await c.monitorPid();
    if (pid) process.kill(pid, 'SIGKILL');
    await c.runc(['delete', '--force', id]);
    await removeCgroups(id);
    await fs.rm(dir, { recursive: true, force: true });
  });
  return c;
}

interface Spec {
  process: { args: string[]; terminal: boolean };
  root: { path: string; readonly: boolean };
  linux: { cgroupsPath?: string; resources: { memory?: { limit: number; swap: number } } };
}

/** runc delete leaves the parent cgroup (/berth-test) in every hierarchy: remove what is empty. */
async function removeCgroups(id: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  for (const ctrl of await fs.readdir(root)) {
    for (const rel of [`berth-test/${id}`, 'berth-test']) {
      try {
        await fs.rmdir(path.join(root, ctrl, rel));
      } catch {
        // absent, or still used by another test's container
      }
    }
  }
}

/** Poll fn every 25 ms until it returns a value, failing after timeoutMs. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie is gone for our purposes
  } catch {
    return false;
  }
}

/** The json-file log's entries (all files, oldest first when given several). */
export async function readLog(...files: string[]): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8');
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as LogEntry);
  }
  return out;
}

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/** A client of attach.sock that collects everything it receives. */
export class AttachClient {
  readonly sock: net.Socket;
  data = Buffer.alloc(0);
  closed = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
    });
    // The monitor closing the connection (EOF) is what the tests wait for; with allowHalfOpen
    // 'close' would only follow once we end our side too.
    sock.on('end', () => {
      this.closed = true;
      sock.end();
    });
    sock.on('close', () => {
      this.closed = true;
    });
    sock.on('error', () => undefined);
  }

  static connect(stateDir: string): Promise<AttachClient> {
    return new Promise((resolve, reject) => {
      // allowHalfOpen: after end() (EOF on the container's stdin) output keeps coming.
      const sock = net.createConnection({
        path: path.join(stateDir, 'attach.sock'),
        allowHalfOpen: true,
      });
      sock.once('connect', () => resolve(new AttachClient(sock)));
      sock.once('error', reject);
    });
  }

  /** Docker's multiplexed stream, demultiplexed; throws on a malformed frame. */
  frames(): { stdout: string; stderr: string } {
    const out = { stdout: '', stderr: '' };
    let off = 0;
    while (off + 8 <= this.data.length) {
      const stream = this.data[off];
      const len = this.data.readUInt32BE(off + 4);
      if ((stream !== 1 && stream !== 2) || this.data.readUIntBE(off + 1, 3) !== 0) {
        throw new Error(
          `bad frame header at ${off}: ${this.data.subarray(off, off + 8).toString('hex')}`,
        );
      }
      if (off + 8 + len > this.data.length) break;
      const payload = this.data.subarray(off + 8, off + 8 + len).toString();
      if (stream === 1) out.stdout += payload;
      else out.stderr += payload;
      off += 8 + len;
    }
    return out;
  }

  waitFor(pred: (c: this) => boolean, what: string, timeoutMs = 10_000): Promise<true> {
    return waitFor(() => (pred(this) ? true : undefined), timeoutMs, what);
  }
}
