/**
 * What the registry client remembers between runs, in `metadata/distribution.json`:
 *
 * - `compressed`: uncompressed layer digest → the gzip blob it was pushed as, so a second push
 *   neither recompresses nor re-uploads (the registry is asked about the known digest);
 * - `sources`: blob digest → the repositories (`domain/path`) it was pulled from or pushed to,
 *   for cross-repository mounts.
 *
 * Writers take `distribution.lock`; the file is replaced atomically.
 */
import path from 'node:path';
import type { Digest } from '../../core/digest.js';
import type { Descriptor } from '../../core/oci.js';
import { readJsonFile, writeFileAtomic } from '../../sys/atomic-file.js';
import { withFileLock } from '../../sys/lock.js';

interface StateDoc {
  compressed: Record<Digest, { digest: Digest; size: number; mediaType: string }>;
  sources: Record<Digest, string[]>;
}

/** Repositories remembered per blob (the most recent last). */
const MAX_SOURCES = 8;

export class DistributionState {
  private readonly file: string;
  private readonly lock: string;

  constructor(metadataDir: string) {
    this.file = path.join(metadataDir, 'distribution.json');
    this.lock = path.join(metadataDir, 'distribution.lock');
  }

  async read(): Promise<StateDoc> {
    const doc = await readJsonFile<StateDoc>(this.file).catch(() => undefined);
    return { compressed: doc?.compressed ?? {}, sources: doc?.sources ?? {} };
  }

  private async update(fn: (doc: StateDoc) => void): Promise<void> {
    await withFileLock(this.lock, async () => {
      const doc = await this.read();
      fn(doc);
      await writeFileAtomic(this.file, JSON.stringify(doc));
    });
  }

  async compressedOf(layer: Digest): Promise<Descriptor | undefined> {
    const c = (await this.read()).compressed[layer];
    // always the same key order: the manifest's bytes (its digest) must not depend on it
    return c && { mediaType: c.mediaType, digest: c.digest, size: c.size };
  }

  async setCompressed(layer: Digest, blob: Descriptor): Promise<void> {
    await this.update((doc) => {
      doc.compressed[layer] = { digest: blob.digest, size: blob.size, mediaType: blob.mediaType };
    });
  }

  /** Remember that these blobs are in `repository` (`domain/path`). */
  async addSources(repository: string, blobs: Digest[]): Promise<void> {
    if (blobs.length === 0) return;
    await this.update((doc) => {
      for (const b of blobs) {
        const list = (doc.sources[b] ?? []).filter((r) => r !== repository);
        list.push(repository);
        doc.sources[b] = list.slice(-MAX_SOURCES);
      }
    });
  }
}
