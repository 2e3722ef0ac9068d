/** Detection and decompression of layer and archive streams: gzip, zstd, or none. */
// zlib and fzstd are loaded when a compressed stream shows up: most commands never see one
import { Readable } from 'node:stream';
import { invalidArgument } from '../core/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Recognise compression by magic bytes. */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

async function* zstdDecompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const { Decompress } = await import('fzstd');
  const out: Buffer[] = [];
  const d = new Decompress((chunk) => out.push(Buffer.from(chunk)));
  try {
    for await (const chunk of source) {
      d.push(chunk);
      while (out.length) yield out.shift()!;
    }
    d.push(new Uint8Array(0), true);
  } catch (e) {
    throw invalidArgument(`invalid zstd data: ${(e as Error).message}`, e);
  }
  while (out.length) yield out.shift()!;
}

async function* gunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const { createGunzip } = await import('node:zlib');
  const z = createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_'))
      throw invalidArgument(`invalid gzip data: ${(e as Error).message}`, e);
    throw e;
  } finally {
    input.destroy();
  }
}

/** Yield the first chunks again after peeking at them. */
async function* prepend(
  head: Buffer[],
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield* head;
  for (let n = await rest.next(); !n.done; n = await rest.next()) yield n.value;
}

/**
 * Decompress a stream whose compression is detected from its first bytes.
 * Returns the detected compression and the decompressed stream.
 */
export async function decompressDetected(
  source: AsyncIterable<Uint8Array>,
): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let length = 0;
  while (length < 4) {
    const n = await it.next();
    if (n.done) break;
    head.push(Buffer.from(n.value));
    length += n.value.length;
  }
  const compression = detectCompression(Buffer.concat(head));
  const whole = prepend(head, it) as AsyncIterable<Buffer>;
  if (compression === 'gzip') return { compression, stream: gunzip(whole) };
  if (compression === 'zstd') return { compression, stream: zstdDecompress(whole) };
  return { compression, stream: whole };
}

/** Pass a stream through, feeding every chunk to `observe` (a hash, a counter). */
export async function* tap(
  source: AsyncIterable<Uint8Array>,
  observe: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    observe(b);
    yield b;
  }
}
