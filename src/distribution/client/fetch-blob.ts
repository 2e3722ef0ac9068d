/**
 * Downloading one blob into the content store, verified and resumable.
 *
 * Bytes go to `content/ingest/<pid>-pull-<hex>` (the digest in the name) while being hashed. If
 * the transfer breaks, the file stays: the next attempt — in this process, or in a later pull
 * once this process is gone — takes it over (an atomic rename to its own pid) and continues with
 * an HTTP `Range` request from where it stopped. A registry that ignores the Range (200) or
 * refuses it (416) gets a fresh download. Only when the size and sha256 match the descriptor is
 * the file fsynced and renamed into `content/blobs`; a mismatch deletes it, so nothing wrong is
 * ever stored. A partial file left by a process that is gone counts as abandoned for
 * `system check`, which removes it.
 */
import { createHash, type Hash } from 'node:crypto';
import fsSync, { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { digestHex, type Digest } from '../../core/digest.js';
import { invalidArgument } from '../../core/errors.js';
import type { ContentStore } from '../../content/store.js';
import { fsyncDir } from '../../sys/atomic-file.js';
import { processAlive } from '../../sys/process.js';
import { describeNetworkError, type RegistryClient } from './http.js';

export interface BlobRequest {
  digest: Digest;
  size: number;
}

export interface FetchResult {
  /** False when the store already had it. */
  created: boolean;
  /** Bytes taken over from an earlier, interrupted download. */
  resumedFrom: number;
}

/** Find a partial download of `hex` left by a process that is gone, and make it ours. */
async function claimPartial(dir: string, hex: string): Promise<string> {
  const mine = path.join(dir, `${process.pid}-pull-${hex}`);
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    // no ingest directory yet
  }
  if (names.includes(path.basename(mine))) return mine;
  for (const n of names) {
    const m = /^(\d+)-pull-([0-9a-f]{64})$/.exec(n);
    if (!m || m[2] !== hex || processAlive(Number(m[1]))) continue;
    try {
      await fs.rename(path.join(dir, n), mine);
      return mine;
    } catch {
      // another process took it first
    }
  }
  return mine;
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
}

const transient = (e: unknown) => {
  const code =
    (e as NodeJS.ErrnoException).code ?? (e as { cause?: NodeJS.ErrnoException }).cause?.code;
  return [
    'ECONNRESET',
    'EPIPE',
    'UND_ERR_SOCKET',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_ABORTED',
  ].includes(code ?? '');
};

/**
 * A blob's bytes while its download writes them, read from the download's own file (the file
 * is the buffer: a reader slower than the network never holds more than a read's worth in
 * memory). The pull unpacks a layer through it, so unpacking overlaps the download. If the
 * download has to start over (the registry would not resume), what was read is void: the
 * reader fails with `restarted`, and the caller unpacks from the stored blob instead.
 */
export class BlobTail {
  private fd?: number;
  private written = 0;
  private state: 'running' | 'done' | 'failed' | 'restarted' = 'running';
  private wake?: () => void;
  private reading = false;

  /** The download writes `file`, which holds `offset` bytes already. */
  begin(file: string, offset: number): void {
    if (this.fd !== undefined) return; // a resumed attempt appends to the same file
    this.fd = fsSync.openSync(file, 'r');
    this.written = offset;
    this.notify();
  }

  grew(size: number): void {
    this.written = size;
    this.notify();
  }

  restart(): void {
    if (this.fd !== undefined) this.state = 'restarted';
    this.notify();
  }

  end(ok: boolean): void {
    if (this.state === 'running') this.state = ok ? 'done' : 'failed';
    // a tail nobody reads yet lets its file go: a later reader gets the stored blob
    if (!this.reading && this.fd !== undefined) {
      fsSync.closeSync(this.fd);
      this.fd = undefined;
    }
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The bytes from the first on; `fallback` when no download happened (stored already). */
  async *read(fallback: () => AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
    let at = 0;
    this.reading = true;
    try {
      for (;;) {
        if (this.state === 'restarted') throw new Error('restarted');
        if (this.fd !== undefined && at < this.written) {
          const buf = Buffer.allocUnsafe(Math.min(1 << 20, this.written - at));
          const n = fsSync.readSync(this.fd, buf, 0, buf.length, at);
          if (n === 0) throw new Error('restarted'); // truncated under us
          at += n;
          yield buf.subarray(0, n);
          continue;
        }
        if (this.state === 'failed') throw new Error('download failed');
        if (this.state === 'done') {
          if (this.fd === undefined) yield* fallback();
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (this.fd !== undefined) fsSync.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** Downloads under way in this process, by store and digest: one file, one writer each. */
const inFlight = new Map<string, Promise<FetchResult>>();

/**
 * Download a blob into the store (see the module comment). Two fetches of one blob in this
 * process (two stages of a build pulling the same base) share one download.
 */
export async function fetchBlob(
  client: RegistryClient,
  content: ContentStore,
  repo: string,
  blob: BlobRequest,
  onProgress: (current: number, total: number) => void = () => undefined,
  opts: { attempts?: number; tail?: BlobTail } = {},
): Promise<FetchResult> {
  const key = `${content.root}\0${blob.digest}`;
  const running = inFlight.get(key);
  if (running) {
    // the other fetch's file is not ours to follow: a tail reads the stored blob
    await running.catch((e: unknown) => {
      opts.tail?.end(false);
      throw e;
    });
    opts.tail?.end(true);
    return { created: false, resumedFrom: 0 };
  }
  const fetching = download(client, content, repo, blob, onProgress, opts);
  inFlight.set(key, fetching);
  try {
    const r = await fetching;
    opts.tail?.end(true);
    return r;
  } catch (e) {
    opts.tail?.end(false);
    throw e;
  } finally {
    inFlight.delete(key);
  }
}

async function download(
  client: RegistryClient,
  content: ContentStore,
  repo: string,
  blob: BlobRequest,
  onProgress: (current: number, total: number) => void,
  opts: { attempts?: number; tail?: BlobTail },
): Promise<FetchResult> {
  const tail = opts.tail;
  const have = await content.info(blob.digest);
  if (have && have.size === blob.size) return { created: false, resumedFrom: 0 };
  const hex = digestHex(blob.digest);
  await fs.mkdir(content.ingestDir, { recursive: true });
  const partial = await claimPartial(content.ingestDir, hex);
  const attempts = opts.attempts ?? 4;
  let resumedFrom = -1;
  for (let attempt = 1; ; attempt++) {
    let offset = await fs.stat(partial).then(
      (st) => st.size,
      () => 0,
    );
    if (offset > blob.size) {
      tail?.restart();
      await fs.truncate(partial, 0);
      offset = 0;
    }
    if (resumedFrom < 0) resumedFrom = offset;
    const hash = createHash('sha256');
    if (offset > 0) await hashFile(partial, hash);
    if (offset === blob.size) {
      await commit(content, partial, blob, hash);
      return { created: true, resumedFrom };
    }
    const url = `/v2/${repo}/blobs/${blob.digest}`;
    const res = await client.send({
      method: 'GET',
      url,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    });
    if (res.status === 416 || (res.status === 200 && offset > 0)) {
      // the registry will not resume: start over
      if (res.status === 416) await res.body.dump();
      tail?.restart();
      await fs.truncate(partial, 0);
      if (res.status === 416) {
        resumedFrom = 0;
        continue;
      }
      offset = 0;
      resumedFrom = 0;
    }
    // a part that does not start where ours stops is no resumption: start over
    const from = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '')?.[1];
    if (res.status === 206 && Number(from) !== offset) {
      await res.body.dump();
      tail?.restart();
      await fs.truncate(partial, 0);
      resumedFrom = 0;
      continue;
    }
    if (res.status !== 200 && res.status !== 206) {
      const err = await client.fail(res, 'GET');
      if (res.status === 404)
        throw invalidArgument(`blob ${blob.digest} is missing from the registry: ${err.detail}`);
      throw err;
    }
    const h = offset === 0 ? createHash('sha256') : hash;
    if (offset === 0) tail?.restart(); // 'w' empties what a reader may have read
    const fh = await fs.open(partial, offset === 0 ? 'w' : 'a');
    tail?.begin(partial, offset);
    let done = offset;
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        done += b.length;
        if (done > blob.size) {
          res.body.destroy();
          await fh.close();
          tail?.restart();
          await fs.rm(partial, { force: true });
          throw invalidArgument(
            `filesystem layer verification failed for digest ${blob.digest}: more than the expected ${blob.size} bytes`,
          );
        }
        h.update(b);
        await fh.write(b);
        tail?.grew(done);
        onProgress(done, blob.size);
      }
    } catch (e) {
      await fh.close().catch(() => undefined);
      if (e instanceof Error && e.name === 'InvalidArgument') throw e;
      if (transient(e) && attempt < attempts) continue; // resume from what we have
      throw describeNetworkError(e, 'GET', res.url, client.timeoutMs);
    }
    await fh.close();
    if (done < blob.size) {
      if (attempt < attempts) continue;
      throw describeNetworkError(
        Object.assign(new Error('unexpected EOF'), { code: 'ECONNRESET' }),
        'GET',
        res.url,
        client.timeoutMs,
      );
    }
    await commit(content, partial, blob, h);
    return { created: true, resumedFrom };
  }
}

async function commit(content: ContentStore, partial: string, blob: BlobRequest, hash: Hash) {
  const actual = `sha256:${hash.digest('hex')}`;
  const onDisk = (await fs.stat(partial)).size;
  if (actual !== blob.digest || onDisk !== blob.size) {
    await fs.rm(partial, { force: true });
    throw invalidArgument(
      actual !== blob.digest
        ? `filesystem layer verification failed for digest ${blob.digest} (the content hashes to ${actual})`
        : `filesystem layer verification failed for digest ${blob.digest} (${onDisk} bytes written, ${blob.size} expected)`,
    );
  }
  // durable before it is named (a partial file taken over whole may never have been synced)
  const fh = await fs.open(partial, 'r');
  await fh.sync().finally(() => fh.close());
  await fs.mkdir(content.blobsDir, { recursive: true });
  await fs.rename(partial, content.blobPath(blob.digest));
  await fsyncDir(content.blobsDir);
}
