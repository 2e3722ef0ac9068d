/**
 * Running external programs (runc, ip, iptables, mount…) without a shell. Failures carry the
 * command line, the exit code or signal, and the tail of stderr (DESIGN.md, "Conventions").
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

import { BerthError } from '../core/errors.js';
import type { ErrorKind } from '../core/errors.js';

/** Options of {@link run}. */
export interface RunOptions {
  /** Written to the program's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Uint8Array;
  /** Kills the program (SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the program (SIGKILL) after this long and rejects with Unavailable. */
  timeoutMs?: number;
}

/** The captured output of a successful {@link run}. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** An external program failed: not found, killed, or exited non-zero. */
export class ExecError extends BerthError {
  constructor(
    kind: ErrorKind,
    message: string,
    /** The program and its arguments. */
    readonly argv: readonly string[],
    /** The exit code, or null when the program was killed by a signal or did not start. */
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    cause?: unknown,
  ) {
    super(kind, message, { cause });
  }
}

const STDERR_TAIL_LINES = 20;
/** How long output may stay open after the program exits (held by its own children). */
const OUTPUT_GRACE_MS = 200;

/**
 * Runs `cmd` with `args` (no shell) and resolves with its stdout and stderr once it exits 0.
 * Otherwise rejects with an {@link ExecError}: Internal for a non-zero exit or a signal,
 * FailedPrecondition when the program cannot be started (not found, not executable),
 * Unavailable on timeout. Output is buffered: use this for programs with bounded output.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = [cmd, ...args];
  const line = formatCommandLine(argv);
  return new Promise<RunResult>((resolve, reject) => {
    opts.signal?.throwIfAborted();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));

    // Why we killed the program, if we did: it decides how the run fails.
    let killed: { timedOut: true } | { timedOut: false; reason: unknown } | undefined;
    const kill = (why: NonNullable<typeof killed>) => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill({ timedOut: false, reason: opts.signal?.reason });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => kill({ timedOut: true }), opts.timeoutMs);

    if (child.stdin && opts.input !== undefined) {
      // A program may exit without reading its input: EPIPE then is not our failure.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }

    // Settle on 'close' (exit and end of output), but do not wait forever for output: a
    // daemonised grandchild (a container monitor, say) may keep our pipes open indefinitely.
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      const kind = e.code === 'ENOENT' || e.code === 'EACCES' ? 'FailedPrecondition' : 'Internal';
      reject(new ExecError(kind, `${line}: ${e.message}`, argv, null, null, '', '', e));
    });
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      cleanup();
      child.stdout?.destroy();
      child.stderr?.destroy();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (killed?.timedOut) {
        const message = `${line}: timed out after ${opts.timeoutMs} ms`;
        reject(new ExecError('Unavailable', message, argv, code, signal, stdout, stderr));
      } else if (killed) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as fetch does
        reject(killed.reason);
      } else if (code === 0) {
        resolve({ stdout, stderr });
      } else {
        const status = signal ? `killed by ${signal}` : `exit code ${code}`;
        const tail = stderrTail(stderr);
        const message = `${line}: ${status}${tail ? `: ${tail}` : ''}`;
        reject(new ExecError('Internal', message, argv, code, signal, stdout, stderr));
      }
    };
    child.on('exit', (code, signal) => {
      grace = setTimeout(() => settle(code, signal), OUTPUT_GRACE_MS);
    });
    child.on('close', settle);
  });
}

/** The last lines of stderr, trimmed; empty when there was none. */
function stderrTail(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  const tail = lines.slice(-STDERR_TAIL_LINES).join('\n').trim();
  return lines.length > STDERR_TAIL_LINES ? `…\n${tail}` : tail;
}

/** Renders argv as a copy-pasteable shell command line (quoting only where needed). */
export function formatCommandLine(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The absolute path of the executable `cmd` would run, searching `PATH` (`env.PATH`, default
 * this process's) as execvp does; undefined when none is found. A `cmd` containing a slash is
 * checked as is.
 */
export async function which(
  cmd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (cmd === '') return undefined;
  if (cmd.includes('/')) return (await isExecutable(cmd)) ? path.resolve(cmd) : undefined;
  for (const dir of (env['PATH'] ?? DEFAULT_PATH).split(':')) {
    const candidate = path.resolve(dir || '.', cmd);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
