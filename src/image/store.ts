/**
 * Image metadata: which images exist and which names point at them.
 *
 *   images.json   { images: { <id>: ImageRecord }, tags: { <full reference>: <id> } }
 *   images.lock   flock taken by writers
 *
 * Readers read the file as it is (writes replace it atomically by rename); writers take the
 * lock, re-read, change and write it back, so concurrent berth processes never lose an update.
 */
import path from 'node:path';
import type { Digest } from '../core/digest.js';
import { conflict, noSuchImage } from '../core/errors.js';
import {
  parseReference,
  referenceString,
  repositoryName,
  type Reference,
} from '../core/reference.js';
import { readJsonFile, writeFileAtomic } from '../sys/atomic-file.js';
import { withFileLock } from '../sys/lock.js';

export interface ImageRecord {
  /** The image ID: the digest of its config. */
  id: Digest;
  /** The digest and media type of its manifest in the content store. */
  manifest: Digest;
  manifestMediaType: string;
  /** Layer blobs, bottom first, and the chain IDs of their snapshots. */
  layers: Digest[];
  chainIds: Digest[];
  /** `repository@sha256:…` names known from registries. */
  repoDigests: string[];
  /** Unpacked size of all layers, bytes. */
  size: number;
  /** The config's `created`, or when the image was stored. */
  created: string;
  /** When this image was stored here. */
  added: string;
  /**
   * Blobs kept for registries (not needed to run the image): the manifests and indexes it was
   * pulled or pushed as, and the compressed copies of its layers that were pushed.
   */
  registryBlobs?: Digest[];
  /** The config's labels (kept here so listings need not read configs). */
  labels?: Record<string, string>;
  /**
   * The result of a build step, kept for the build cache: listed by `images -a` only, removed by
   * `builder prune` (and by `image prune -a`), never by a plain `image prune`.
   */
  intermediate?: true;
}

export interface ImageDb {
  images: Record<string, ImageRecord>;
  tags: Record<string, Digest>;
}

const emptyDb = (): ImageDb => ({ images: {}, tags: {} });

export class ImageStore {
  private readonly file: string;
  private readonly lockFile: string;

  constructor(readonly root: string) {
    this.file = path.join(root, 'images.json');
    this.lockFile = path.join(root, 'images.lock');
  }

  async read(): Promise<ImageDb> {
    return (await readJsonFile<ImageDb>(this.file)) ?? emptyDb();
  }

  /** Change the metadata under the lock; `fn` may mutate `db`. */
  async update<T>(fn: (db: ImageDb) => T | Promise<T>): Promise<T> {
    return withFileLock(this.lockFile, async () => {
      const db = await this.read();
      const before = JSON.stringify(db);
      const result = await fn(db);
      const after = JSON.stringify(db);
      if (after !== before) await writeFileAtomic(this.file, after);
      return result;
    });
  }
}

/** The tags (full reference strings) that point at an image. */
export function tagsOf(db: ImageDb, id: Digest): string[] {
  return Object.keys(db.tags)
    .filter((t) => db.tags[t] === id)
    .sort();
}

/** How a name given by the user found its image. */
export interface Resolved {
  record: ImageRecord;
  /** The full tag (`docker.io/library/busybox:latest`) or `repo@digest` it was found by, if any. */
  byName?: string;
}

/**
 * Find an image the way Docker does: a full ID (`sha256:…`), a name with tag or digest, or a
 * unique prefix of an ID. Throws `No such image: <input>`.
 */
export function resolveImage(db: ImageDb, input: string): Resolved {
  const found = findImage(db, input);
  if (!found) throw noSuchImage(input);
  return found;
}

export function findImage(db: ImageDb, input: string): Resolved | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(input))
    return db.images[input] ? { record: db.images[input] } : undefined;
  let ref: Reference | undefined;
  try {
    ref = parseReference(input);
  } catch {
    ref = undefined;
  }
  if (ref?.digest) {
    const name = `${repositoryName(ref)}@${ref.digest}`;
    const record = Object.values(db.images).find(
      (img) => img.repoDigests.includes(name) || img.manifest === ref.digest,
    );
    if (record) return { record, byName: name };
  } else if (ref) {
    const tag = referenceString(ref);
    const id = db.tags[tag];
    if (id && db.images[id]) return { record: db.images[id], byName: tag };
  }
  const hex = input.startsWith('sha256:') ? input.slice(7) : input;
  if (/^[0-9a-f]{1,64}$/.test(hex)) {
    const matches = Object.keys(db.images).filter((id) => id.slice(7).startsWith(hex));
    if (matches.length > 1) throw conflict(`multiple images found with provided prefix: ${hex}`);
    if (matches.length === 1) return { record: db.images[matches[0]!]! };
  }
  return undefined;
}
