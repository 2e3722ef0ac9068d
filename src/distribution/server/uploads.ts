/**
 * Blob upload sessions (distribution-spec "Pushing blobs"): started by POST, fed by PATCH
 * (streamed or in `Content-Range` chunks), completed by PUT `?digest=`, cancelled by DELETE.
 *
 *     <root>/uploads/<uuid>/state.json   {"name": repository, "startedAt": ISO time}
 *     <root>/uploads/<uuid>/data         the bytes received so far
 *
 * Bodies are streamed to disk in 1 MiB writes, never held whole. While one server feeds an
 * upload it keeps the running sha256 in memory, so completing a 256 MB push hashes nothing
 * twice; without it (a server restart in the middle) completion hashes the file. The digest is
 * verified before the blob becomes visible: a mismatch is DIGEST_INVALID and nothing is stored.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../sys/atomic-file.js';
import { BatchedWriter } from '../../sys/batched-writer.js';
import { registryError } from './errors.js';
import { uploadIdPattern } from './routes.js';
import { checkDigest, enoent, type RegistryStorage } from './storage.js';

const maxRunningHashes = 256;

interface UploadState {
  name: string;
  startedAt: string;
}

export class Uploads {
  /** Running hashes of the uploads this process is feeding, valid up to `offset`. */
  private readonly hashes = new Map<string, { hash: Hash; offset: number }>();
  /** One operation at a time per upload (a queue of promises). */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly storage: RegistryStorage) {}

  private dir(id: string): string {
    return path.join(this.storage.uploadsDir, id);
  }

  async start(name: string): Promise<string> {
    const id = randomUUID();
    const dir = this.dir(id);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'data'), '');
    await writeFileAtomic(
      path.join(dir, 'state.json'),
      JSON.stringify({ name, startedAt: new Date().toISOString() } satisfies UploadState),
    );
    // abandoned sessions must not pile up hashes: past a bound the oldest is dropped (its
    // completion, if it ever comes, hashes the file instead)
    if (this.hashes.size >= maxRunningHashes) {
      this.hashes.delete(this.hashes.keys().next().value!);
    }
    this.hashes.set(id, { hash: createHash('sha256'), offset: 0 });
    return id;
  }

  /** Bytes received so far; BLOB_UPLOAD_UNKNOWN for an upload of another repository or none. */
  async size(name: string, id: string): Promise<number> {
    const unknown = () => registryError('BLOB_UPLOAD_UNKNOWN', undefined, { uuid: id });
    if (!uploadIdPattern.test(id)) throw unknown();
    const state = await readJsonFile<UploadState>(path.join(this.dir(id), 'state.json'));
    if (!state || state.name !== name) throw unknown();
    try {
      return (await fs.stat(path.join(this.dir(id), 'data'))).size;
    } catch (e) {
      if (enoent(e)) throw unknown();
      throw e;
    }
  }

  private serialize<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.busy.set(id, settled);
    void settled.then(() => {
      if (this.busy.get(id) === settled) this.busy.delete(id);
    });
    return next;
  }

  /**
   * Appends `body` to the upload. With `range` (a PATCH's Content-Range) the chunk must start
   * where the upload ends (else 416) and be exactly that long. Returns the new size.
   */
  append(
    name: string,
    id: string,
    body: AsyncIterable<Buffer>,
    range?: { start: number; end: number },
  ): Promise<number> {
    return this.serialize(id, async () => {
      const size = await this.size(name, id);
      if (range && range.start !== size) {
        throw registryError(
          'BLOB_UPLOAD_INVALID',
          `chunk starts at ${range.start}, the upload has ${size} bytes`,
          { expectedStart: size },
          416,
        );
      }
      let running = this.hashes.get(id);
      if (running && running.offset !== size) {
        this.hashes.delete(id);
        running = undefined;
      }
      const fh = await fs.open(path.join(this.dir(id), 'data'), 'r+');
      const writer = new BatchedWriter(fh, size);
      let written = 0;
      try {
        for await (const chunk of body) {
          running?.hash.update(chunk);
          await writer.push(chunk);
        }
        await writer.flush();
        written = writer.written;
        if (range && written !== range.end - range.start + 1) {
          throw registryError(
            'SIZE_INVALID',
            `Content-Range ${range.start}-${range.end} does not match the ${written} bytes sent`,
            undefined,
            416,
          );
        }
      } catch (e) {
        // a chunk is all or nothing: the client resumes from the status it asks for
        await fh.truncate(size).catch(() => undefined);
        this.hashes.delete(id);
        throw e;
      } finally {
        await fh.close();
      }
      if (running) running.offset = size + written;
      return size + written;
    });
  }

  /**
   * Completes an upload: appends the last chunk, checks `digest`, and makes the blob part of the
   * repository. On a mismatch the upload is discarded and nothing is stored.
   */
  async complete(
    name: string,
    id: string,
    digestParam: string | null,
    body: AsyncIterable<Buffer>,
    range?: { start: number; end: number },
  ): Promise<{ digest: string; size: number }> {
    await this.size(name, id); // an unknown upload is BLOB_UPLOAD_UNKNOWN before anything else
    if (!digestParam) throw registryError('DIGEST_INVALID', 'digest parameter missing');
    const digest = checkDigest(digestParam);
    await this.append(name, id, body, range);
    return this.serialize(id, async () => {
      const size = await this.size(name, id);
      const file = path.join(this.dir(id), 'data');
      const running = this.hashes.get(id);
      let actual: string;
      if (running && running.offset === size) {
        actual = `sha256:${running.hash.digest('hex')}`;
      } else {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
          hash.update(chunk as Buffer);
        actual = `sha256:${hash.digest('hex')}`;
      }
      this.hashes.delete(id);
      if (actual !== digest) {
        await this.remove(id);
        throw registryError('DIGEST_INVALID', undefined, { expected: digest, actual });
      }
      const fh = await fs.open(file, 'r');
      await fh.sync();
      await fh.close();
      await this.storage.withWriteLease(async () => {
        await this.storage.adoptBlobFile(file, digest);
        await this.storage.linkBlob(name, digest);
      });
      await this.remove(id);
      return { digest, size };
    });
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.size(name, id);
    await this.serialize(id, () => this.remove(id));
  }

  private async remove(id: string): Promise<void> {
    this.hashes.delete(id);
    await fs.rm(this.dir(id), { recursive: true, force: true });
  }
}
