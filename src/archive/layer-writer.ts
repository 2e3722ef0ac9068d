/**
 * Deterministic layer tarballs from a snapshot directory in overlayfs format. Entries are in
 * depth-first order with names sorted; owners are numeric only; atime/ctime are dropped; mtimes
 * are whole seconds, clamped to SOURCE_DATE_EPOCH when one is given. Whiteouts and opaque
 * directories become OCI `.wh.` entries. So the same files always give the same bytes.
 * Metadata calls are synchronous, like in extract.ts, for the same reason (many tiny calls).
 */

import fs, { createReadStream, type Stats } from 'node:fs';
import path from 'node:path';
import { devMajor, devMinor } from './devices.js';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX, joinRel } from './entry-path.js';
import { isOpaque, isWhiteout } from './overlay-format.js';
import { contentXattrs } from './xattrs.js';
import type { HeaderInput } from './tar-header.js';
import { writeTar, type WriteEntry } from './tar-writer.js';

/** Files up to this size are read whole (or taken from `written.bodies`); larger ones streamed. */
export const SMALL_LAYER_FILE = 1 << 20;

export interface LayerWriteOptions {
  /** Clamp every mtime to this (seconds since the epoch). */
  sourceDateEpoch?: number;
  /**
   * The directory was filled by berth itself, with no extended attributes and no opaque
   * directories: they are not looked for. Files' contents may be given, by path, so they are
   * not read again.
   */
  written?: { bodies: Map<string, Buffer> };
}

async function* walk(root: string, opts: LayerWriteOptions): AsyncGenerator<WriteEntry> {
  const links = new Map<string, string>(); // dev:ino → first name, for hardlinks
  const mtimeOf = (st: Stats) => {
    const t = Math.floor(st.mtimeMs / 1000);
    return opts.sourceDateEpoch !== undefined ? Math.min(t, opts.sourceDateEpoch) : t;
  };
  async function* visit(rel: string): AsyncGenerator<WriteEntry> {
    const names = fs.readdirSync(path.join(root, rel)).sort();
    const stats = names.map((n) => fs.lstatSync(path.join(root, rel, n)));
    // whiteouts first, as the OCI spec recommends, then everything else; each group sorted
    const order = names
      .map((_, i) => i)
      .sort((a, b) => Number(!isWhiteout(stats[a]!)) - Number(!isWhiteout(stats[b]!)) || a - b);
    for (const i of order) {
      const name = names[i]!;
      const st = stats[i]!;
      const r = joinRel(rel, name);
      const p = path.join(root, r);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: mtimeOf(st) };
      if (isWhiteout(st)) {
        yield {
          header: {
            ...base,
            name: joinRel(rel, WHITEOUT_PREFIX + name),
            type: 'file',
            mode: 0,
            size: 0,
          },
        };
        continue;
      }
      const xattrs = opts.written ? undefined : contentXattrs(p);
      let header: HeaderInput;
      if (st.isDirectory()) {
        yield { header: { ...base, name: `${r}/`, type: 'directory', size: 0, xattrs } };
        if (!opts.written && isOpaque(p)) {
          yield {
            header: { ...base, name: joinRel(r, OPAQUE_WHITEOUT), type: 'file', mode: 0, size: 0 },
          };
        }
        yield* visit(r);
        continue;
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          yield {
            header: { ...base, name: r, type: 'hardlink', size: 0, linkname: first, xattrs },
          };
          continue;
        }
        if (st.nlink > 1) links.set(key, r);
        yield {
          header: { ...base, name: r, type: 'file', size: st.size, xattrs },
          body:
            st.size <= SMALL_LAYER_FILE
              ? [opts.written?.bodies.get(r) ?? fs.readFileSync(p)]
              : createReadStream(p, { highWaterMark: 1 << 20 }),
        };
        continue;
      } else if (st.isSymbolicLink()) {
        header = { ...base, name: r, type: 'symlink', size: 0, linkname: fs.readlinkSync(p) };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        header = {
          ...base,
          name: r,
          type: st.isCharacterDevice() ? 'char' : 'block',
          size: 0,
          devmajor: devMajor(st.rdev),
          devminor: devMinor(st.rdev),
        };
      } else if (st.isFIFO()) {
        header = { ...base, name: r, type: 'fifo', size: 0 };
      } else continue; // sockets are not content
      yield { header: { ...header, xattrs } };
    }
  }
  yield* visit('');
}

/** The layer tarball of a snapshot directory, as a stream. */
export function writeLayer(root: string, opts: LayerWriteOptions = {}): AsyncGenerator<Buffer> {
  return writeTar(walk(root, opts));
}
