/** Shared test helpers: private temporary directories, crafted tarballs, running the CLI. */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeHeader, padding, type HeaderInput } from '../src/archive/tar-header.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const berthBin = path.join(repoRoot, 'bin', 'berth');

/** A fresh directory removed when the test ends, pass or fail. */
export async function tempDir(t: TestContext, prefix = 'berth-test-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CraftEntry extends Partial<HeaderInput> {
  name: string;
  data?: string | Buffer;
}

/** A tarball with exactly these entries (for inputs no honest tool would write). */
export function craftTar(entries: CraftEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const type = e.type ?? 'file';
    parts.push(
      encodeHeader({
        mode: type === 'directory' ? 0o755 : 0o644,
        uid: 0,
        gid: 0,
        mtime: 1_700_000_000,
        ...e,
        type,
        size: type === 'file' ? data.length : 0,
      }),
    );
    if (type === 'file') parts.push(data, Buffer.alloc(padding(data.length)));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A buffer as a stream of odd-sized chunks (to catch boundary bugs in readers). */
export function* chunksOf(buf: Buffer, size = 7919): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command with a timeout; never throws on a non-zero exit. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: Buffer | string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
}

/** A berth CLI bound to one private state root. */
export async function berthFor(t: TestContext, opts: { before?: () => Promise<void> } = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-root-'));
  // one hook, so that whatever must go first (containers, mounts) goes before the root
  t.after(async () => {
    await opts.before?.();
    await fs.rm(root, { recursive: true, force: true });
  });
  const berth = (args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}) =>
    runCommand(berthBin, args, { ...opts, env: { BERTH_ROOT: root, ...opts.env } });
  /** Run and insist on success. */
  const ok = async (
    args: string[],
    opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {},
  ) => {
    const r = await berth(args, opts);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  return { root, berth, ok };
}

/** Every file under a directory, relative, sorted (to show that nothing else changed). */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string) {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      out.push(r);
      if (e.isDirectory()) await walk(r);
    }
  }
  await walk('');
  return out.sort();
}

/** A berth CLI with its own state and runtime roots, that removes every container it made. */
export async function berthWithContainers(t: TestContext) {
  const runroot = await fs.mkdtemp('/tmp/brr-');
  const env = { BERTH_RUNROOT: runroot };
  type Opts = { input?: Buffer | string; env?: NodeJS.ProcessEnv };
  const late: { b?: Awaited<ReturnType<typeof berthFor>> } = {};
  const berth = (args: string[], opts: Opts = {}) =>
    late.b!.berth(args, { ...opts, env: { ...env, ...opts.env } });
  const b = await berthFor(t, {
    before: async () => {
      // containers, and the networks' bridges, firewall table and DNS server on the host
      const reset = await berth(['system', 'reset', '-f']);
      if (reset.code !== 0) console.error(`berth system reset: ${reset.stderr}`);
      // whatever a failed test left mounted under its roots
      const mounts = (await fs.readFile('/proc/self/mounts', 'utf8'))
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '');
      for (const m of mounts
        .filter((m) => m.startsWith(b.root) || m.startsWith(runroot))
        .reverse()) {
        await runCommand('umount', ['-l', m]);
      }
      await fs.rm(runroot, { recursive: true, force: true });
    },
  });
  late.b = b;
  const ok = (args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}) =>
    b.ok(args, { ...opts, env: { ...env, ...opts.env } });
  await ok(['image', 'builtin', 'busybox']);
  return { ...b, runroot, berth, ok };
}
