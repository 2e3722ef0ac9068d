/**
 * Inter-process locks on files, for daemonless concurrency: any number of `berth` processes
 * (and concurrent operations inside one) serialise on a lock file.
 *
 * flock(2) locks belong to an open file description, so they die with the process: a `kill -9`
 * never leaves a stale lock, and there is no pid file to clean up. Each call opens the file
 * anew, so two holders in the same process exclude each other as two processes do. Node opens
 * files with O_CLOEXEC, so child processes (runc, conmon…) never inherit a held lock.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { BerthError } from '../core/errors.js';
import { flock } from './native.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for the lock before failing with Unavailable (default 60 s). */
  timeoutMs?: number;
  /** Take a shared (read) lock instead of an exclusive one. */
  shared?: boolean;
  /** Aborts the wait (rejecting with the signal's reason); has no effect once `fn` runs. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const FIRST_DELAY_MS = 2;
const MAX_DELAY_MS = 100;

/**
 * Runs `fn` while holding an flock on `lockPath` (exclusive unless `shared`), creating the file
 * and its directory if needed. The lock is polled without blocking, with short growing sleeps,
 * so the event loop keeps running while waiting. The lock is released and the file closed when
 * `fn` settles, whatever the outcome. Lock files are never deleted: deleting one would let two
 * holders lock different inodes under the same name.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: FileLockOptions = {},
): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, shared = false, signal } = opts;
  signal?.throwIfAborted();
  await mkdir(path.dirname(lockPath), { recursive: true });
  const handle = await open(lockPath, 'a', 0o644);
  let locked = false;
  try {
    await acquire(handle.fd, shared ? 'sh' : 'ex', lockPath, timeoutMs, signal);
    locked = true;
    return await fn();
  } finally {
    try {
      if (locked) flock(handle.fd, 'un', false);
    } finally {
      await handle.close();
    }
  }
}

async function acquire(
  fd: number,
  op: 'sh' | 'ex',
  lockPath: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_DELAY_MS;
  while (!flock(fd, op, true)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new BerthError('Unavailable', `timed out waiting for lock ${lockPath}`);
    }
    // Jitter keeps waiters that started together from polling in lockstep.
    const wait = Math.min(delay * (0.5 + Math.random()), left);
    try {
      await sleep(wait, undefined, { signal });
    } catch (e) {
      throw signal?.aborted ? signal.reason : e;
    }
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
