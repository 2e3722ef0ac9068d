/**
 * ADD's extra: a local tar archive (plain, gzip or zstd) is extracted at the destination instead
 * of copied, as Docker does; anything else is copied like COPY. Extraction goes through the
 * safe layer extractor, entries re-rooted under the destination, so nothing lands outside it.
 */
import fs from 'node:fs';
import { createReadStream } from 'node:fs';
import { decompressDetected } from '../../archive/compression.js';
import { applyLayer } from '../../archive/extract.js';
import { readTar } from '../../archive/tar-reader.js';
import { writeTar, type WriteEntry } from '../../archive/tar-writer.js';
import type { HeaderInput } from '../../archive/tar-header.js';

/** Whether bytes start like a tar archive, compressed or not. */
export function isArchive(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true; // gzip
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return true; // zstd
  return head.length >= 512 && head.toString('latin1', 257, 262) === 'ustar';
}

function looksLikeTar(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    return isArchive(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** The items of an ADD that are local archives to extract. */
export function tarSources<T extends { host: string }>(items: T[]): T[] {
  return items.filter((i) => fs.lstatSync(i.host).isFile() && looksLikeTar(i.host));
}

/** Extract `archive` under `dest` (relative to the layer) in the layer directory `dir`. */
export async function extractInto(
  dir: string,
  lowers: string[],
  dest: string,
  archive: string,
): Promise<number> {
  const { stream } = await decompressDetected(createReadStream(archive));
  const prefix = dest === '' ? '' : `${dest.replace(/\/$/, '')}/`;
  async function* rooted(): AsyncGenerator<WriteEntry> {
    if (prefix)
      yield {
        header: { name: prefix, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 },
      };
    for await (const { header, body } of readTar(stream)) {
      const h = { ...header, name: prefix + header.name.replace(/^\.?\//, '') } as HeaderInput;
      if (h.type === 'hardlink' && h.linkname)
        h.linkname = prefix + h.linkname.replace(/^\.?\//, '');
      yield { header: h, body };
    }
  }
  const { size } = await applyLayer(dir, writeTar(rooted()), lowers);
  return size;
}
