/** Bytes arriving in chunks: a file or network stream, a generator, or an array of buffers. */
export type ByteStream = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Exact-size reads over an async stream of chunks, without copying large bodies. */
export class ChunkReader {
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Total bytes consumed so far (for error messages). */
  offset = 0;

  constructor(source: ByteStream) {
    this.it =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Exactly `n` bytes, or fewer only when the stream ended first. */
  async read(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.fill()));
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.offset += out.length;
    return out;
  }

  /** Yield the next `n` bytes as they arrive; stops early only at the end of the stream. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) return;
      const out = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(out.length);
      this.offset += out.length;
      left -= out.length;
      yield out;
    }
  }

  /** Discard `n` bytes; returns how many were really there. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const chunk of this.stream(n)) skipped += chunk.length;
    return skipped;
  }

  /** Release the underlying source (e.g. close a file stream). */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}
