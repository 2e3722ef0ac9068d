/**
 * The registry's storage: one shared, deduplicated blob store, and one OCI image layout per
 * repository whose blobs are hardlinks into it.
 *
 *     <root>/
 *       blobs/sha256/<hex>                 every blob once (the shared store; a ContentStore)
 *       ingest/                            manifest writes in progress (ContentStore)
 *       uploads/<uuid>/{state.json,data}   blob uploads in progress (never visible as blobs)
 *       repositories/<name>/_layout/       the OCI image layout of repository <name>:
 *           oci-layout                     {"imageLayoutVersion":"1.0.0"}
 *           index.json                     its manifests; tags as org.opencontainers.image.ref.name
 *           blobs/sha256/<hex>             hardlinks to ../../../…/blobs/sha256/<hex>
 *       locks/gc                           shared by writers, exclusive while gc runs
 *       locks/repositories/<sha256(name)>  serialises a repository's index.json updates
 *
 * `repositories/a/b/_layout` is readable as is by `skopeo inspect oci:<root>/repositories/a/b/_layout:TAG`.
 * `_layout` cannot be a path component of a name (components start with [a-z0-9]), so a
 * repository `a` and a repository `a/b` never collide.
 *
 * A repository "has" a blob when its layout holds the link: blob reads go through the link, so
 * one repository never serves another's blobs. A repository has a manifest when index.json lists
 * it: one entry per tag (with the ref.name annotation), or one untagged entry; a manifest stays
 * (untagged) when its tag moves, until it is deleted, as in distribution.
 *
 * Crash safety: blobs and index.json are written to a temp file, fsynced and renamed (the
 * directory fsynced too); links are atomic. A crash leaves at most an upload or ingest file,
 * or a link to an unreferenced blob — all of which `berth registry gc` removes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Descriptor, ImageIndex } from '../../core/oci.js';
import { digestHex, parseDigest } from '../../core/digest.js';
import { ociIndex } from '../../core/media-types.js';
import { ContentStore } from '../../content/store.js';
import { fsyncDir, readJsonFile, writeFileAtomic } from '../../sys/atomic-file.js';
import { withFileLock } from '../../sys/lock.js';
import { registryError } from './errors.js';
import { summarizeManifest, type ManifestSummary } from './manifest.js';
import { byteSort } from './pagination.js';
import { isTagReference } from './routes.js';

export const refNameAnnotation = 'org.opencontainers.image.ref.name';
const layoutDirName = '_layout';
/** How long a write waits for a running gc before answering 503 UNAVAILABLE. */
const leaseWaitMs = 5 * 60_000;
/** Manifest summaries kept in memory (a few hundred bytes each). */
const maxCachedSummaries = 50_000;

const enoent = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';
const eexist = (e: unknown) => (e as NodeJS.ErrnoException).code === 'EEXIST';

/** A digest the store can hold (sha256), or DIGEST_INVALID / UNSUPPORTED. */
export function checkDigest(digest: string): string {
  let algorithm: string;
  try {
    algorithm = parseDigest(digest).algorithm;
  } catch (e) {
    throw registryError('DIGEST_INVALID', (e as Error).message, { digest });
  }
  if (algorithm !== 'sha256') {
    throw registryError('DIGEST_INVALID', `unsupported digest algorithm "${algorithm}"`, {
      digest,
    });
  }
  return digest;
}

export class RegistryStorage {
  readonly blobs: ContentStore;
  readonly reposDir: string;
  readonly uploadsDir: string;
  readonly locksDir: string;
  /** Summaries of manifests by digest (manifests are immutable, so this never goes stale). */
  private readonly summaries = new Map<string, ManifestSummary>();

  constructor(readonly root: string) {
    this.blobs = new ContentStore(root);
    this.reposDir = path.join(root, 'repositories');
    this.uploadsDir = path.join(root, 'uploads');
    this.locksDir = path.join(root, 'locks');
  }

  /** Runs `fn` holding the writers' side of the gc lock: gc waits until it is done. */
  withWriteLease<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.locksDir, 'gc'), fn, {
      shared: true,
      timeoutMs: leaseWaitMs,
    });
  }

  /** Runs `fn` with every writer excluded (garbage collection). */
  withExclusive<T>(fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
    return withFileLock(path.join(this.locksDir, 'gc'), fn, { timeoutMs });
  }

  layoutDir(name: string): string {
    return path.join(this.reposDir, ...name.split('/'), layoutDirName);
  }

  private linkPath(name: string, digest: string): string {
    return path.join(this.layoutDir(name), 'blobs', 'sha256', digestHex(digest));
  }

  async repositoryExists(name: string): Promise<boolean> {
    try {
      await fs.stat(path.join(this.layoutDir(name), 'index.json'));
      return true;
    } catch (e) {
      if (enoent(e)) return false;
      throw e;
    }
  }

  /** Creates the repository's layout if it does not exist yet. */
  async ensureRepository(name: string): Promise<void> {
    const dir = this.layoutDir(name);
    if (await this.repositoryExists(name)) return;
    await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    await withFileLock(this.repoLock(name), async () => {
      if (await this.repositoryExists(name)) return;
      await writeFileAtomic(
        path.join(dir, 'oci-layout'),
        JSON.stringify({ imageLayoutVersion: '1.0.0' }),
      );
      await writeFileAtomic(
        path.join(dir, 'index.json'),
        JSON.stringify({ schemaVersion: 2, mediaType: ociIndex, manifests: [] }),
      );
    });
  }

  private repoLock(name: string): string {
    const id = createHash('sha256').update(name).digest('hex');
    return path.join(this.locksDir, 'repositories', id);
  }

  async readIndex(name: string): Promise<ImageIndex | undefined> {
    return readJsonFile<ImageIndex>(path.join(this.layoutDir(name), 'index.json'));
  }

  /** Read-modify-write of a repository's index.json, serialised across processes. */
  async updateIndex(name: string, fn: (manifests: Descriptor[]) => Descriptor[]): Promise<void> {
    await withFileLock(this.repoLock(name), async () => {
      const index = (await this.readIndex(name)) ?? {
        schemaVersion: 2,
        mediaType: ociIndex,
        manifests: [],
      };
      index.manifests = fn(index.manifests);
      await writeFileAtomic(path.join(this.layoutDir(name), 'index.json'), JSON.stringify(index));
    });
  }

  /** The size of a blob the repository has, or undefined. */
  async linkedBlobSize(name: string, digest: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.linkPath(name, digest))).size;
    } catch (e) {
      if (enoent(e)) return undefined;
      throw e;
    }
  }

  /**
   * The size of a blob the repository has, renewing its age for gc (its grace period starts
   * again); undefined when the repository does not have it. Call inside a write lease.
   */
  async touchLinkedBlob(name: string, digest: string): Promise<number | undefined> {
    const size = await this.linkedBlobSize(name, digest);
    if (size === undefined) return undefined;
    const now = new Date();
    await fs.utimes(this.linkPath(name, digest), now, now).catch(() => undefined); // read-only fs
    return size;
  }

  /** The file to read a blob of the repository from (its link). */
  blobFile(name: string, digest: string): string {
    return this.linkPath(name, digest);
  }

  /** Makes a blob of the shared store part of the repository. Call inside a write lease. */
  async linkBlob(name: string, digest: string): Promise<void> {
    await this.ensureRepository(name);
    try {
      await fs.link(this.blobs.blobPath(digest), this.linkPath(name, digest));
    } catch (e) {
      if (!eexist(e)) throw e;
      return;
    }
    await fsyncDir(path.dirname(this.linkPath(name, digest)));
  }

  /** Removes a blob from the repository (the shared copy stays until gc). */
  async unlinkBlob(name: string, digest: string): Promise<boolean> {
    try {
      await fs.unlink(this.linkPath(name, digest));
      return true;
    } catch (e) {
      if (enoent(e)) return false;
      throw e;
    }
  }

  /**
   * Moves a verified upload file into the shared store under `digest` (the caller hashed it).
   * Call inside a write lease.
   */
  async adoptBlobFile(file: string, digest: string): Promise<void> {
    const dest = this.blobs.blobPath(digest);
    if (await this.blobs.has(digest)) {
      await fs.rm(file, { force: true });
      return;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(file, dest);
    await fsyncDir(path.dirname(dest));
  }

  /** The index entries of a manifest by tag or digest, or undefined. */
  async resolveManifest(name: string, reference: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex(name);
    if (!index) return undefined;
    return isTagReference(reference)
      ? index.manifests.find((d) => d.annotations?.[refNameAnnotation] === reference)
      : index.manifests.find((d) => d.digest === reference);
  }

  /** Stores a validated manifest and lists it in the repository (tagged when `tag` is given). */
  async putManifest(
    name: string,
    bytes: Uint8Array,
    summary: ManifestSummary,
    tag: string | undefined,
  ): Promise<string> {
    const { digest } = await this.blobs.put(bytes);
    this.cacheSummary(digest, summary);
    await this.linkBlob(name, digest);
    const entry: Descriptor = { mediaType: summary.mediaType, digest, size: bytes.length };
    if (summary.artifactType !== undefined && summary.kind === 'index')
      entry.artifactType = summary.artifactType;
    await this.updateIndex(name, (manifests) => {
      let out = manifests;
      if (tag !== undefined) {
        const old = out.find((d) => d.annotations?.[refNameAnnotation] === tag);
        out = out.filter((d) => d !== old);
        // the manifest the tag leaves stays in the repository, untagged
        if (old && old.digest !== digest && !out.some((d) => d.digest === old.digest)) {
          out.push(withoutTag(old));
        }
        out = out.filter((d) => !(d.digest === digest && tagOf(d) === undefined));
        out.push({ ...entry, annotations: { [refNameAnnotation]: tag } });
      } else if (!out.some((d) => d.digest === digest)) {
        out.push(entry);
      }
      return out;
    });
    return digest;
  }

  /** Removes a manifest and every tag of it; false when the repository did not have it. */
  async deleteManifest(name: string, digest: string): Promise<boolean> {
    let found = false;
    await this.updateIndex(name, (manifests) => {
      found = manifests.some((d) => d.digest === digest);
      return manifests.filter((d) => d.digest !== digest);
    });
    if (found) await this.unlinkBlob(name, digest);
    return found;
  }

  /** Removes a tag, keeping its manifest untagged; false when there was no such tag. */
  async deleteTag(name: string, tag: string): Promise<boolean> {
    let found = false;
    await this.updateIndex(name, (manifests) => {
      const old = manifests.find((d) => tagOf(d) === tag);
      if (!old) return manifests;
      found = true;
      const out = manifests.filter((d) => d !== old);
      if (!out.some((d) => d.digest === old.digest)) out.push(withoutTag(old));
      return out;
    });
    return found;
  }

  async tags(name: string): Promise<string[] | undefined> {
    const index = await this.readIndex(name);
    if (!index) return undefined;
    return byteSort(index.manifests.flatMap((d) => tagOf(d) ?? []));
  }

  /** Every repository name, sorted. */
  async repositories(): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string, prefix: string[]) => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (enoent(e)) return;
        throw e;
      }
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        if (e.name === layoutDirName) {
          if (prefix.length > 0) names.push(prefix.join('/'));
        } else {
          await walk(path.join(dir, e.name), [...prefix, e.name]);
        }
      }
    };
    await walk(this.reposDir, []);
    return byteSort(names);
  }

  /** A manifest's summary (cached), or null when its bytes are missing or unreadable. */
  /**
   * A stored manifest's summary; null when the manifest is not stored. Any other failure
   * (unreadable, or no longer valid) throws: gc must not take a manifest it cannot read for one
   * that references nothing.
   */
  async manifestSummary(digest: string, mediaType?: string): Promise<ManifestSummary | null> {
    const cached = this.summaries.get(digest);
    if (cached !== undefined) return cached;
    let bytes: Buffer;
    try {
      bytes = await this.blobs.read(digest);
    } catch (e) {
      if (enoent(e)) return null;
      throw e;
    }
    const summary = summarizeManifest(bytes, mediaType);
    this.cacheSummary(digest, summary);
    return summary;
  }

  /** Keep a summary in memory, within bounds (big annotations are read again when needed). */
  private cacheSummary(digest: string, summary: ManifestSummary): void {
    if (JSON.stringify(summary.annotations ?? {}).length > 16_384) return;
    if (this.summaries.size >= maxCachedSummaries) this.summaries.clear();
    this.summaries.set(digest, summary);
  }

  /** The manifests of the repository whose subject is `digest`, as referrer descriptors. */
  async referrers(
    name: string,
    subject: string,
  ): Promise<Array<{ digest: string; size: number; summary: ManifestSummary }>> {
    const index = await this.readIndex(name);
    if (!index) return [];
    const seen = new Set<string>();
    const out = [];
    for (const d of index.manifests) {
      if (seen.has(d.digest)) continue;
      seen.add(d.digest);
      // a manifest that cannot be read refers to nothing here
      const summary = await this.manifestSummary(d.digest, d.mediaType).catch(() => null);
      if (summary?.subject === subject) out.push({ digest: d.digest, size: d.size, summary });
    }
    return out;
  }
}

const tagOf = (d: Descriptor): string | undefined => d.annotations?.[refNameAnnotation];

function withoutTag(d: Descriptor): Descriptor {
  const { annotations, ...rest } = d;
  const others = { ...annotations };
  delete others[refNameAnnotation];
  return Object.keys(others).length > 0 ? { ...rest, annotations: others } : rest;
}

export { enoent };
