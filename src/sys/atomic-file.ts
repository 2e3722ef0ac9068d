/**
 * Crash-safe file writes (DESIGN.md, "On disk"): write a temp file beside the target, fsync it,
 * rename it over the target, fsync the directory. A reader, or the next process after a
 * `kill -9` or power loss, sees either the old content or the new one, never a mix.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

import { internal } from '../core/errors.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of the file, applied exactly (not masked by the umask). Default 0644 & ~umask. */
  mode?: number;
}

/**
 * Atomically replaces (or creates) `file` with `data`. The temp file, named
 * `.<base>.tmp-<pid>-<random>` in the same directory, is removed on failure; one left by a crash
 * is recognisable by that name (see {@link isAtomicTempName}).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: WriteFileAtomicOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, tempName(path.basename(file)));
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', opts.mode ?? 0o644);
    if (opts.mode !== undefined) await handle.chmod(opts.mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, file);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

/**
 * Reads and parses a JSON file; undefined when it does not exist. Corrupt JSON is Internal.
 * Metadata files are small: one synchronous read costs less than the four round trips through
 * the thread pool that an asynchronous one makes.
 */
export function readJsonFile<T>(file: string): Promise<T | undefined> {
  // a throw in the executor rejects the promise
  return new Promise((resolve) => resolve(readJsonFileSync<T>(file)));
}

/** readJsonFile, synchronously. */
export function readJsonFileSync<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw internal(`corrupt JSON in ${file}: ${(e as Error).message}`, e);
  }
}

/** fsyncs a directory, making renames and unlinks inside it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether `name` (a base name) is a temp file of {@link writeFileAtomic}, e.g. left by a crash. */
export function isAtomicTempName(name: string): boolean {
  return /^\..+\.tmp-\d+-[0-9a-f]{12}$/.test(name);
}

function tempName(base: string): string {
  return `.${base}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}
