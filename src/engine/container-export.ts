/** `export`: a tar of a container's whole file system, as Docker writes it. */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeTar } from '../archive/tar-writer.js';
import { invalidArgument, isBerthError } from '../core/errors.js';
import { withRootfs, type FileDeps } from './container-fs.js';
import { validateOutputPath, writeFileFromStream } from './output-file.js';
import { ScopedFs } from './scoped-fs.js';
import { treeEntries } from './tree-tar.js';

/**
 * Write the merged root file system of a container (its image with its changes; not its
 * volumes) to `output`: a file path (written whole or not at all) or a stream. A stopped
 * container's overlay is mounted for the time of the export.
 */
export async function exportContainer(
  d: FileDeps,
  idOrName: string,
  output: string | Writable,
): Promise<void> {
  if (typeof output === 'string') {
    try {
      validateOutputPath(output);
    } catch (e) {
      if (isBerthError(e)) throw invalidArgument(`failed to export container: ${e.message}`);
      throw e;
    }
  }
  const { record } = await d.containers.view(idOrName);
  await withRootfs(d, record, async (rootfs) => {
    const tar = writeTar(treeEntries(new ScopedFs(rootfs), '/', '', false));
    if (typeof output === 'string') await writeFileFromStream(output, tar);
    else await pipeline(Readable.from(tar), output, { end: false });
  });
}
