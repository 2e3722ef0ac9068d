/**
 * Reading a container's json-file log (Docker's format, rotated by the monitor into `log.1`,
 * `log.2`…): tail, since/until, and follow across rotation until the container stops.
 */
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as written. */
  time: string;
  log: string;
}

export interface LogReadOptions {
  tail?: number;
  /** Milliseconds since the epoch. */
  since?: number;
  until?: number;
  follow?: boolean;
  /** While following: whether more output may still come. */
  running?: () => Promise<boolean>;
  signal?: AbortSignal;
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a torn last line while the monitor writes: skipped, read again on the next poll
    }
  }
  return out;
}

const inRange = (e: LogEntry, o: LogReadOptions) => {
  const t = Date.parse(e.time);
  return (o.since === undefined || t >= o.since) && (o.until === undefined || t <= o.until);
};

/** Every entry of the rotated files and the current one, oldest first. */
async function readAll(
  logPath: string,
  maxFiles: number,
): Promise<{ entries: LogEntry[]; offset: number; ino: number }> {
  const entries: LogEntry[] = [];
  for (let i = maxFiles - 1; i >= 1; i--) {
    const text = await fs.readFile(`${logPath}.${i}`, 'utf8').catch(() => '');
    entries.push(...parseLines(text));
  }
  let offset = 0;
  let ino = 0;
  try {
    const fh = await fs.open(logPath, 'r');
    try {
      const st = await fh.stat();
      ino = st.ino;
      const buf = Buffer.alloc(st.size);
      await fh.read(buf, 0, st.size, 0);
      const text = buf.toString('utf8');
      offset = text.lastIndexOf('\n') + 1; // a torn last line is read again later
      entries.push(...parseLines(text.slice(0, offset)));
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { entries, offset, ino };
}

export async function* readLogs(
  logPath: string,
  maxFiles: number,
  o: LogReadOptions = {},
): AsyncGenerator<LogEntry> {
  const { entries, offset: start, ino: startIno } = await readAll(logPath, maxFiles);
  const selected = entries.filter((e) => inRange(e, o));
  yield* o.tail !== undefined && o.tail >= 0
    ? selected.slice(Math.max(0, selected.length - o.tail))
    : selected;
  if (!o.follow) return;
  let offset = start;
  let ino = startIno;
  for (;;) {
    if (o.signal?.aborted) return;
    const st = await fs.stat(logPath).catch(() => undefined);
    if (st && st.ino !== ino) {
      // rotated: finish the old file (now log.1), then start the new one from its beginning
      const old = await fs.readFile(`${logPath}.1`).catch(() => Buffer.alloc(0));
      for (const e of parseLines(old.subarray(offset).toString('utf8'))) if (inRange(e, o)) yield e;
      ino = st.ino;
      offset = 0;
    }
    if (st && st.size > offset) {
      const fh = await fs.open(logPath, 'r');
      try {
        const buf = Buffer.alloc(st.size - offset);
        await fh.read(buf, 0, buf.length, offset);
        const text = buf.toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        offset += Buffer.byteLength(text.slice(0, end));
        for (const e of parseLines(text.slice(0, end))) if (inRange(e, o)) yield e;
      } finally {
        await fh.close();
      }
      continue;
    }
    if (o.running && !(await o.running())) {
      // one last look: output written just before the exit
      const last = await fs.stat(logPath).catch(() => undefined);
      if (!last || (last.size <= offset && last.ino === ino)) return;
      continue;
    }
    await sleep(100, undefined, { signal: o.signal }).catch(() => undefined);
  }
}
