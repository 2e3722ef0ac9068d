/**
 * A streaming tar reader: yields one entry at a time with its body as an async iterable.
 * A body the consumer does not read is skipped when the next entry is requested.
 */
import { invalidArgument } from '../core/errors.js';
import { ChunkReader, type ByteStream } from './chunk-reader.js';
import {
  BLOCK,
  applyPax,
  decodeHeader,
  decodePax,
  isZeroBlock,
  padding,
  type TarHeader,
} from './tar-header.js';

export interface TarEntry {
  header: TarHeader;
  /** The entry's data (`header.size` bytes). Read it before asking for the next entry, or not at all. */
  body: AsyncIterable<Buffer>;
}

const MAX_META = 1 << 20;

async function readMeta(reader: ChunkReader, size: number, what: string): Promise<Buffer> {
  if (size > MAX_META) throw invalidArgument(`invalid tar archive: ${what} record too large`);
  const data = await reader.read(size);
  if (data.length < size) throw invalidArgument('invalid tar archive: unexpected end of data');
  await reader.skip(padding(size));
  return data;
}

/** Read tar entries from a byte stream. Throws InvalidArgument on anything that is not tar. */
export async function* readTar(source: ByteStream): AsyncGenerator<TarEntry> {
  const reader = new ChunkReader(source);
  let globalPax = new Map<string, Buffer>();
  let first = true;
  try {
    for (;;) {
      let pax: Map<string, Buffer> | undefined;
      let longName: string | undefined;
      let longLink: string | undefined;
      let header: TarHeader | undefined;
      while (!header) {
        const offset = reader.offset;
        const block = await reader.read(BLOCK);
        if (block.length === 0 && !first) return; // tolerate a missing end-of-archive marker
        if (block.length < BLOCK) {
          throw invalidArgument(
            first
              ? 'not a tar archive: input is empty or too short'
              : 'invalid tar archive: unexpected end of data',
          );
        }
        if (isZeroBlock(block)) {
          if (first) throw invalidArgument('not a tar archive: input starts with an empty block');
          // end-of-archive marker; drain the rest (record padding) so hashes cover the whole stream
          await reader.skip(Infinity);
          return;
        }
        let h: TarHeader;
        try {
          h = decodeHeader(block);
        } catch (e) {
          throw invalidArgument(
            first ? 'not a tar archive' : `invalid tar archive: bad header at offset ${offset}`,
            e,
          );
        }
        first = false;
        switch (h.type) {
          case 'pax':
            pax = decodePax(await readMeta(reader, h.size, 'PAX'));
            break;
          case 'pax-global':
            globalPax = decodePax(await readMeta(reader, h.size, 'PAX'));
            break;
          case 'gnu-long-name':
            longName = (await readMeta(reader, h.size, 'long name'))
              .toString('utf8')
              .replace(/\0+$/, '');
            break;
          case 'gnu-long-link':
            longLink = (await readMeta(reader, h.size, 'long link'))
              .toString('utf8')
              .replace(/\0+$/, '');
            break;
          default:
            header = h;
        }
      }
      if (longName !== undefined) header.name = longName;
      if (longLink !== undefined) header.linkname = longLink;
      if (globalPax.size > 0) applyPax(header, globalPax);
      if (pax) applyPax(header, pax);
      // Only regular files carry data (a hardlink's size field is informational).
      const size = header.type === 'file' || header.type === 'unsupported' ? header.size : 0;
      let consumed = 0;
      const body = (async function* () {
        for await (const chunk of reader.stream(size - consumed)) {
          consumed += chunk.length;
          yield chunk;
        }
        if (consumed < size) throw invalidArgument('invalid tar archive: unexpected end of data');
      })();
      yield { header, body };
      const left = size - consumed;
      if ((await reader.skip(left)) < left) {
        throw invalidArgument('invalid tar archive: unexpected end of data');
      }
      await reader.skip(padding(size));
    }
  } finally {
    await reader.close();
  }
}
