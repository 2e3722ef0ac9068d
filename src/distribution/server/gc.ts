/**
 * Garbage collection of the registry's storage (`berth registry gc`): mark every blob that a
 * manifest of any repository references, then sweep the rest.
 *
 * - Mark: each repository's index.json lists its manifests (tagged or not: untagged manifests
 *   stay until deleted, as distribution's default); a manifest marks itself, its config and
 *   layers, and for an index the manifests it lists (recursively). Marks are per repository.
 * - Sweep: a repository's link to a blob it does not reference goes; a shared blob that no
 *   repository references goes. Leftover upload sessions older than `uploadMaxAgeMs` go.
 *
 * Safe while the server runs: gc holds the gc lock exclusively for the whole mark and sweep,
 * and every server operation that makes a blob visible or referenced (completing an upload, a
 * mount, a manifest PUT) holds it shared, so none interleaves with a sweep. A push is
 * layers first and manifest last, so a blob pushed moments ago is not yet referenced: blobs
 * whose inode changed (created, linked, or HEAD-checked by a pusher deciding to skip it)
 * within `graceMs` are never swept.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { digestHex } from '../../core/digest.js';
import { RegistryStorage, enoent } from './storage.js';

export interface GcOptions {
  root: string;
  dryRun?: boolean;
  /** Blobs younger than this are kept (default one hour). */
  graceMs?: number;
  /** Upload sessions untouched for longer are removed (default 7 days, as distribution). */
  uploadMaxAgeMs?: number;
  /** Called for each thing removed (or that would be, with dryRun). */
  onRemove?: (what: string) => void;
}

export interface GcReport {
  manifests: number;
  blobsKept: number;
  blobsRemoved: number;
  linksRemoved: number;
  uploadsRemoved: number;
  bytesFreed: number;
}

export const defaultGraceMs = 60 * 60_000;
const defaultUploadMaxAgeMs = 7 * 24 * 60 * 60_000;

async function readDirNames(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    if (enoent(e)) return [];
    throw e;
  }
}

export async function collectRegistryGarbage(opts: GcOptions): Promise<GcReport> {
  const storage = new RegistryStorage(opts.root);
  const graceMs = opts.graceMs ?? defaultGraceMs;
  const uploadMaxAgeMs = opts.uploadMaxAgeMs ?? defaultUploadMaxAgeMs;
  const report: GcReport = {
    manifests: 0,
    blobsKept: 0,
    blobsRemoved: 0,
    linksRemoved: 0,
    uploadsRemoved: 0,
    bytesFreed: 0,
  };
  const remove = async (file: string, what: string) => {
    opts.onRemove?.(what);
    if (!opts.dryRun) await fs.rm(file, { recursive: true, force: true });
  };
  return storage.withExclusive(async () => {
    const now = Date.now();
    // mark
    const repos = await storage.repositories();
    const marked = new Map<string, Set<string>>();
    const global = new Set<string>();
    for (const name of repos) {
      const set = new Set<string>();
      marked.set(name, set);
      const index = await storage.readIndex(name);
      const mark = async (digest: string, mediaType?: string) => {
        if (set.has(digest)) return;
        set.add(digest);
        global.add(digest);
        const s = await storage.manifestSummary(digest, mediaType);
        if (!s) return;
        for (const b of s.blobs) {
          set.add(b);
          global.add(b);
        }
        for (const m of s.manifests) await mark(m);
      };
      for (const d of index?.manifests ?? []) {
        report.manifests += 1;
        await mark(d.digest, d.mediaType);
      }
    }
    // sweep: ages are read before anything is unlinked (an unlink changes a blob's ctime)
    const young = new Set<string>();
    const sizes = new Map<string, number>();
    for (const hex of await readDirNames(storage.blobs.blobsDir)) {
      try {
        const st = await fs.stat(path.join(storage.blobs.blobsDir, hex));
        sizes.set(hex, st.size);
        if (now - Math.max(st.ctimeMs, st.mtimeMs) < graceMs) young.add(hex);
      } catch (e) {
        if (!enoent(e)) throw e;
      }
    }
    for (const name of repos) {
      const set = new Set([...marked.get(name)!].map((d) => safeHex(d)));
      const dir = path.join(storage.layoutDir(name), 'blobs', 'sha256');
      for (const hex of await readDirNames(dir)) {
        if (set.has(hex) || young.has(hex)) continue;
        await remove(path.join(dir, hex), `${name}@sha256:${hex}`);
        report.linksRemoved += 1;
      }
    }
    const globalHex = new Set([...global].map((d) => safeHex(d)));
    for (const [hex, size] of sizes) {
      if (globalHex.has(hex) || young.has(hex)) {
        report.blobsKept += 1;
        continue;
      }
      await remove(path.join(storage.blobs.blobsDir, hex), `sha256:${hex}`);
      report.blobsRemoved += 1;
      report.bytesFreed += size;
    }
    for (const id of await readDirNames(storage.uploadsDir)) {
      const dir = path.join(storage.uploadsDir, id);
      // the data file's mtime is the last write; a session dir caught before its data file
      // exists is judged by the dir's own mtime
      const st = await fs.stat(path.join(dir, 'data')).catch(async (e: unknown) => {
        if (enoent(e)) return fs.stat(dir);
        throw e;
      });
      if (now - st.mtimeMs < uploadMaxAgeMs) continue;
      await remove(dir, `upload ${id}`);
      report.uploadsRemoved += 1;
    }
    return report;
  });
}

function safeHex(digest: string): string {
  try {
    return digestHex(digest);
  } catch {
    return digest;
  }
}
