/**
 * Where a build's context and Dockerfile come from: a directory (the Dockerfile in it, at a
 * path given with -f, or its text given on stdin), or a stream on stdin that is either a tar of
 * the context (plain, gzip or zstd; unpacked safely into a temporary directory) or the
 * Dockerfile itself with an empty context (`docker build - < Dockerfile`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { decompressDetected } from '../../archive/compression.js';
import { applyLayer } from '../../archive/extract.js';
import { invalidArgument } from '../../core/errors.js';
import { isArchive } from './add.js';

export interface DockerfileSource {
  /** `-f`: relative to the working directory (a directory context) or to the context tar. */
  path?: string;
  /** `-f -`: the Dockerfile's text itself. */
  text?: string;
}

async function readDockerfile(file: string, shown = file) {
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw invalidArgument(`failed to read dockerfile: open ${shown}: no such file or directory`);
  });
  return { text, name: path.basename(file) };
}

/** A directory context: its Dockerfile. */
export async function directoryContext(contextDir: string, dockerfile: DockerfileSource) {
  if (!(await fs.stat(contextDir).catch(() => undefined))?.isDirectory())
    throw invalidArgument(`unable to prepare context: path "${contextDir}" not found`);
  if (dockerfile.text !== undefined) return { text: dockerfile.text, name: 'Dockerfile' };
  return readDockerfile(
    dockerfile.path ? path.resolve(dockerfile.path) : path.join(contextDir, 'Dockerfile'),
  );
}

/** A stream context: `fn` runs with it unpacked; the temporary directory goes after. */
export async function withStreamContext<T>(
  input: AsyncIterable<Buffer>,
  dockerfile: DockerfileSource,
  fn: (contextDir: string, file: { text: string; name: string }) => Promise<T>,
): Promise<T> {
  if (dockerfile.text !== undefined)
    throw invalidArgument('the Dockerfile and the context cannot both come from stdin');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-context-'));
  try {
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(c);
    const data = Buffer.concat(chunks);
    if (!isArchive(data)) return await fn(dir, { text: data.toString('utf8'), name: 'Dockerfile' });
    const { stream } = await decompressDetected(Readable.from([data]));
    await applyLayer(dir, stream);
    const name = dockerfile.path ?? 'Dockerfile';
    return await fn(dir, await readDockerfile(path.join(dir, name), name));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
