/**
 * Tar headers: decoding and encoding of ustar blocks, PAX extended records and GNU long names.
 * PAX values are kept as raw bytes, because xattrs (`SCHILY.xattr.security.capability`) are
 * binary and must round-trip unchanged.
 */
import { invalidArgument } from '../core/errors.js';

export const BLOCK = 512;

export type EntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-long-name'
  | 'gnu-long-link'
  | 'unsupported';

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional with PAX mtime). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*` records, values as raw bytes. */
  xattrs: Map<string, Buffer>;
  /** The raw typeflag character, for error messages about unsupported types. */
  typeflag: string;
}

const typeByFlag: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-long-name',
  K: 'gnu-long-link',
};
const flagByType: Partial<Record<EntryType, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
  pax: 'x',
};

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function octal(buf: Buffer, start: number, length: number, field: string): number {
  // GNU base-256 encoding for large values: high bit of the first byte set.
  if ((buf[start]! & 0x80) !== 0) {
    let value = buf[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i]!;
    return value;
  }
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw invalidArgument(`invalid tar header: bad ${field} field`);
  return parseInt(text, 8);
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decode one 512-byte header block (without applying PAX or GNU long-name records). */
export function decodeHeader(block: Buffer): TarHeader {
  const stored = octal(block, 148, 8, 'checksum');
  if (stored !== checksumOf(block)) throw invalidArgument('invalid tar header: checksum mismatch');
  const typeflag = String.fromCharCode(block[156]!);
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block, 0, 100);
  if (magic === 'ustar\0' || magic === 'ustar ') {
    const prefix = magic === 'ustar\0' ? cString(block, 345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    type: typeByFlag[typeflag] ?? 'unsupported',
    mode: octal(block, 100, 8, 'mode'),
    uid: octal(block, 108, 8, 'uid'),
    gid: octal(block, 116, 8, 'gid'),
    size: octal(block, 124, 12, 'size'),
    mtime: octal(block, 136, 12, 'mtime'),
    linkname: cString(block, 157, 100),
    uname: cString(block, 265, 32),
    gname: cString(block, 297, 32),
    devmajor: octal(block, 329, 8, 'devmajor'),
    devminor: octal(block, 337, 8, 'devminor'),
    xattrs: new Map(),
    typeflag,
  };
}

/** Parse PAX records (`<len> <key>=<value>\n`), keeping values as bytes. */
export function decodePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.toString('latin1', pos, space), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) {
      throw invalidArgument('invalid tar header: malformed PAX record');
    }
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw invalidArgument('invalid tar header: malformed PAX record');
    records.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return records;
}

/** Apply PAX records to a header (path, linkpath, size, uid/gid, mtime, xattrs). */
export function applyPax(header: TarHeader, pax: Map<string, Buffer>): void {
  for (const [key, value] of pax) {
    const text = value.toString('utf8');
    switch (key) {
      case 'path':
        header.name = text;
        break;
      case 'linkpath':
        header.linkname = text;
        break;
      case 'size':
        header.size = parseInt(text, 10);
        break;
      case 'uid':
        header.uid = parseInt(text, 10);
        break;
      case 'gid':
        header.gid = parseInt(text, 10);
        break;
      case 'mtime':
        header.mtime = parseFloat(text);
        break;
      case 'uname':
        header.uname = text;
        break;
      case 'gname':
        header.gname = text;
        break;
      default:
        if (key.startsWith('SCHILY.xattr.')) header.xattrs.set(key.slice(13), value);
        else if (key.startsWith('GNU.sparse')) {
          throw invalidArgument('unsupported tar entry: GNU sparse files are not supported');
        }
    }
  }
  if (!Number.isSafeInteger(header.size) || header.size < 0) {
    throw invalidArgument('invalid tar header: bad size');
  }
}

/** What a writer puts in a header. */
export interface HeaderInput {
  name: string;
  type: 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function writeOctal(block: Buffer, value: number, start: number, length: number): boolean {
  const text = value.toString(8);
  if (text.length > length - 1) return false;
  block.write(text.padStart(length - 1, '0'), start, 'latin1');
  return true;
}

function encodeBlock(h: HeaderInput, name: string, linkname: string, typeflag: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, h.mode & 0o7777, 100, 8);
  writeOctal(block, h.uid, 108, 8);
  writeOctal(block, h.gid, 116, 8);
  writeOctal(block, h.size, 124, 12);
  writeOctal(block, Math.floor(h.mtime), 136, 12);
  block.write(typeflag, 156, 1, 'latin1');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 8, 'latin1');
  writeOctal(block, h.devmajor ?? 0, 329, 8);
  writeOctal(block, h.devminor ?? 0, 337, 8);
  block.write(checksumOf(block).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

const fitsUstar = (s: string) => Buffer.byteLength(s) <= 100 && !/[^\x20-\x7e]/.test(s);
const fitsOctal = (n: number, digits: number) => n >= 0 && n < 8 ** digits;

/**
 * Encode a header as ustar, preceded by a PAX header when a field does not fit (long names,
 * non-ASCII names, big sizes or ids) or xattrs are present. Output is a function of the input
 * only, so equal inputs give equal bytes.
 */
export function encodeHeader(h: HeaderInput): Buffer {
  const linkname = h.linkname ?? '';
  const records: Buffer[] = [];
  if (!fitsUstar(h.name)) records.push(paxRecord('path', Buffer.from(h.name)));
  if (!fitsUstar(linkname)) records.push(paxRecord('linkpath', Buffer.from(linkname)));
  if (!fitsOctal(h.size, 11)) records.push(paxRecord('size', Buffer.from(String(h.size))));
  if (!fitsOctal(h.uid, 7)) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if (!fitsOctal(h.gid, 7)) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  for (const [key, value] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
    records.push(paxRecord(`SCHILY.xattr.${key}`, value));
  }
  const main = encodeBlock(
    { ...h, size: fitsOctal(h.size, 11) ? h.size : 0 },
    fitsUstar(h.name) ? h.name : h.name.slice(0, 99).replace(/[^\x20-\x7e]/g, '_'),
    fitsUstar(linkname) ? linkname : '',
    flagByType[h.type]!,
  );
  if (records.length === 0) return main;
  const pax = Buffer.concat(records);
  const paxHeader = encodeBlock(
    { name: '', type: 'file', mode: 0o644, uid: 0, gid: 0, size: pax.length, mtime: h.mtime },
    'PaxHeaders/' + h.name.slice(0, 80).replace(/[^\x20-\x7e]/g, '_'),
    '',
    'x',
  );
  return Buffer.concat([paxHeader, pax, Buffer.alloc(padding(pax.length)), main]);
}

/** Bytes of zero padding after `size` bytes of data. */
export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
