/** Writing a stream of small chunks to a file in fewer, larger writes. */
import type { FileHandle } from 'node:fs/promises';

const BATCH = 1 << 20;

/**
 * Gathers chunks and writes them to `fh` a MiB at a time, from `position` on (or at the file's
 * current offset). `flush` writes what is left; `written` counts what reached the file.
 */
export class BatchedWriter {
  private batch: Buffer[] = [];
  private batched = 0;
  written = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly position?: number,
  ) {}

  async push(chunk: Buffer): Promise<void> {
    this.batch.push(chunk);
    this.batched += chunk.length;
    if (this.batched >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batched === 0) return;
    const buf = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batched);
    this.batch = [];
    this.batched = 0;
    await this.fh.write(
      buf,
      0,
      buf.length,
      this.position === undefined ? null : this.position + this.written,
    );
    this.written += buf.length;
  }
}
