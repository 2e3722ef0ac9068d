/**
 * The content store: immutable blobs addressed by sha256 digest.
 *
 *   content/blobs/sha256/<hex>    verified blobs, never modified
 *   content/ingest/<pid>-<rand>   writes in progress (never visible as blobs)
 *
 * Ingest streams into a temporary file while hashing, checks size and digest, fsyncs and
 * renames into place. Two processes ingesting the same digest both succeed: the second rename
 * replaces identical bytes. A crash leaves only an ingest file, which `check` removes once its
 * writer is gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { digestHex, parseDigest, type Digest } from '../core/digest.js';
import { invalidArgument, notFound } from '../core/errors.js';
import { fsyncDir } from '../sys/atomic-file.js';
import { BatchedWriter } from '../sys/batched-writer.js';
import { drain } from '../sys/streams.js';
import { ownerPid, processAlive } from '../sys/process.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** The result of an ingest: `created` is false when the blob was already stored. */
export interface Ingested extends BlobInfo {
  created: boolean;
}

export interface Expected {
  digest?: Digest;
  size?: number;
}

export class ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobsDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
  }

  /** The file holding a blob (it may not exist). */
  blobPath(digest: Digest): string {
    const { algorithm } = parseDigest(digest);
    if (algorithm !== 'sha256') throw invalidArgument(`unsupported digest algorithm: ${algorithm}`);
    return path.join(this.blobsDir, digestHex(digest));
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await fs.stat(this.blobPath(digest));
      return { digest, size: st.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  /** A small blob's bytes, verified against its digest. */
  read(digest: Digest): Promise<Buffer> {
    // a throw in the executor rejects the promise
    return new Promise((resolve) => resolve(this.readSync(digest)));
  }

  /** `read`, synchronously: small blobs cost less read in one call than through the pool. */
  readSync(digest: Digest): Buffer {
    let data: Buffer;
    try {
      data = readFileSync(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw notFound(`blob ${digest} not found`);
      throw e;
    }
    const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (actual !== digest)
      throw invalidArgument(`blob ${digest} is corrupt (its content hashes to ${actual})`);
    return data;
  }

  /** Stream a blob's bytes (large blobs; verified by `check`, and by whoever hashes the stream). */
  stream(digest: Digest, opts: { start?: number } = {}): AsyncIterable<Buffer> {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20, start: opts.start });
  }

  /** Store bytes whose digest is known or computed. */
  async put(data: Uint8Array, expected: Expected = {}): Promise<Ingested> {
    // bytes in hand are hashed first, so content already stored is not written again
    const digest = expected.digest ?? `sha256:${createHash('sha256').update(data).digest('hex')}`;
    return this.ingest([data], { ...expected, digest });
  }

  /**
   * Stream `source` into the store. If `expected` is given, a size or digest mismatch rejects
   * the blob and nothing is stored.
   */
  async ingest(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: Expected = {},
  ): Promise<Ingested> {
    if (expected.digest) {
      this.blobPath(expected.digest); // validates the digest's form before any work
      const have = await this.info(expected.digest);
      if (have && (expected.size === undefined || have.size === expected.size)) {
        await drain(source); // the caller's stream must still be consumed (e.g. a tar being read)
        return { ...have, created: false };
      }
    }
    await fs.mkdir(this.ingestDir, { recursive: true });
    const tmp = path.join(this.ingestDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const fh = await fs.open(tmp, 'wx', 0o644);
    const hash = createHash('sha256');
    let size = 0;
    let committed = false;
    try {
      const writer = new BatchedWriter(fh);
      for await (const chunk of source) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        hash.update(b);
        size += b.length;
        if (expected.size !== undefined && size > expected.size) {
          throw invalidArgument(`size mismatch: got more than the expected ${expected.size} bytes`);
        }
        await writer.push(b);
      }
      await writer.flush();
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected.size !== undefined && size !== expected.size) {
        throw invalidArgument(`size mismatch: expected ${expected.size} bytes, got ${size}`);
      }
      if (expected.digest !== undefined && digest !== expected.digest) {
        throw invalidArgument(`digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (await this.has(digest)) return { digest, size, created: false }; // temp removed below
      await fh.sync();
      await fh.close();
      await fs.mkdir(this.blobsDir, { recursive: true });
      await fs.rename(tmp, this.blobPath(digest));
      committed = true;
      await fsyncDir(this.blobsDir);
      return { digest, size, created: true };
    } finally {
      if (!committed) {
        await fh.close().catch(() => undefined);
        await fs.rm(tmp, { force: true });
      }
    }
  }

  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.blobPath(digest), { force: true });
  }

  /** Every blob in the store. */
  async list(): Promise<BlobInfo[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.blobsDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: BlobInfo[] = [];
    for (const n of names) {
      const st = await fs.stat(path.join(this.blobsDir, n));
      out.push({ digest: `sha256:${n}`, size: st.size });
    }
    return out;
  }

  /** Hash a stored blob and compare it with its name. */
  async verify(digest: Digest): Promise<boolean> {
    const hash = createHash('sha256');
    for await (const chunk of this.stream(digest)) hash.update(chunk);
    return `sha256:${hash.digest('hex')}` === digest;
  }

  /** Ingest files whose writer process is gone (a crash or kill -9). */
  async abandonedIngests(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.ingestDir);
    } catch {
      return [];
    }
    return names.filter((n) => !processAlive(ownerPid(n))).map((n) => path.join(this.ingestDir, n));
  }
}
