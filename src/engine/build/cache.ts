/**
 * The build cache: step keys (parent image, instruction, build args, content copied) to the
 * image each step made. One JSON file, replaced atomically under a lock; an entry whose image
 * is gone is simply a miss.
 */
import path from 'node:path';
import type { Digest } from '../../core/digest.js';
import { readJsonFile, writeFileAtomic } from '../../sys/atomic-file.js';
import { withFileLock } from '../../sys/lock.js';

type Entries = Record<string, Digest>;

export class BuildCache {
  constructor(private readonly file: string) {}

  private entries?: Entries;

  /** A step's image; the entries are read once per build (this object lives for one build). */
  async get(key: string): Promise<Digest | undefined> {
    this.entries ??= (await readJsonFile<Entries>(this.file)) ?? {};
    return this.entries[key];
  }

  async set(key: string, image: Digest): Promise<void> {
    await this.update((e) => {
      e[key] = image;
    });
    if (this.entries) this.entries[key] = image;
  }

  /** Forget every entry (`builder prune`; the images go with the build intermediates). */
  async clear(): Promise<void> {
    await this.update((e) => {
      for (const k of Object.keys(e)) delete e[k];
    });
  }

  private async update(fn: (e: Entries) => void): Promise<void> {
    await withFileLock(this.file + '.lock', async () => {
      const entries = (await readJsonFile<Entries>(this.file)) ?? {};
      fn(entries);
      await writeFileAtomic(this.file, JSON.stringify(entries) + '\n');
    });
  }

  private get memoFile(): string {
    return path.join(path.dirname(this.file), 'build-digests.json');
  }

  /** The file digests remembered by earlier builds (see DigestMemo). */
  async loadMemo(): Promise<Map<string, string>> {
    return new Map(
      Object.entries((await readJsonFile<Record<string, string>>(this.memoFile)) ?? {}),
    );
  }

  /** Keep at most `limit` of them, the newest. */
  async saveMemo(memo: Map<string, string>, limit = 200_000): Promise<void> {
    const entries = [...memo].slice(-limit);
    await writeFileAtomic(this.memoFile, JSON.stringify(Object.fromEntries(entries)));
  }
}
