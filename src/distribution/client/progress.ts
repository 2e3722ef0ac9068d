/**
 * Progress of a pull or push as events (what docker's JSON messages carry: an optional layer
 * ID, a status, and bytes done of total). The CLI draws them as docker does; the API (later)
 * sends them as JSON messages.
 */
import type { Digest } from '../../core/digest.js';

export type ProgressEvent =
  /** A line of its own: `latest: Pulling from library/busybox`, `Digest: …`, `Status: …`. */
  | { kind: 'status'; text: string }
  /** A layer's line: `a3ed95caeb02: Downloading` with bytes, `… Pull complete`. */
  | { kind: 'layer'; id: string; status: string; current?: number; total?: number };

export type ProgressSink = (e: ProgressEvent) => void;

/** The 12 hex characters docker shows for a layer. */
export const shortId = (digest: Digest) => digest.slice(digest.indexOf(':') + 1).slice(0, 12);

/** A function that runs tasks at most `n` at a time; after a failure, queued tasks fail too. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  let failure: unknown;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      if (failure !== undefined) throw failure as Error;
      return await task();
    } catch (e) {
      failure ??= e;
      throw e;
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
