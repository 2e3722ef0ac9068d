/** Streaming tar output: entries in, bytes out (pull-based, so the consumer sets the pace). */
import { BLOCK, encodeHeader, padding, type HeaderInput } from './tar-header.js';

export interface WriteEntry {
  header: HeaderInput;
  /** Exactly `header.size` bytes for regular files; absent otherwise. */
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Serialise entries as a tar stream, ending with the two-block end-of-archive marker. */
export async function* writeTar(
  entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>,
): AsyncGenerator<Buffer> {
  for await (const { header, body } of entries) {
    yield encodeHeader(header);
    if (header.type !== 'file') continue;
    let written = 0;
    if (body) {
      for await (const chunk of body) {
        written += chunk.length;
        if (written > header.size)
          throw new Error(`tar entry ${header.name} grew while being written`);
        yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      }
    }
    if (written !== header.size)
      throw new Error(`tar entry ${header.name} shrank while being written`);
    const pad = padding(header.size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(2 * BLOCK);
}
