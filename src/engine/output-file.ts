/** Output files for export (and cp's destination check), with Docker's rules and wording. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidArgument } from '../core/errors.js';

/**
 * Docker's ValidateOutputPath: the parent directory must exist, and an existing path must be a
 * directory or a regular file (or at least not a device).
 */
export function validateOutputPath(p: string): void {
  const dir = path.dirname(path.normalize(p));
  if (dir !== '.' && !fs.existsSync(dir))
    throw invalidArgument(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (st && (st.isCharacterDevice() || st.isBlockDevice()))
    throw invalidArgument(
      `invalid output path: ${JSON.stringify(p)} must be a directory or a regular file: got a device`,
    );
}

/**
 * Write a stream to `file` through a temporary file beside it, renamed into place when complete
 * (Docker's CopyToFile): a failed write leaves nothing.
 */
export async function writeFileFromStream(
  file: string,
  data: AsyncIterable<Uint8Array>,
): Promise<void> {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await pipeline(Readable.from(data), fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
