/** Deterministic layer tarballs, and the round trip snapshot → layer → snapshot. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { applyLayer } from '../../src/archive/extract.js';
import { writeLayer } from '../../src/archive/layer-writer.js';
import { readTar } from '../../src/archive/tar-reader.js';
import { lgetxattr, lsetxattr } from '../../src/sys/native.js';
import { chunksOf, craftTar, tempDir } from '../helpers.js';

async function digestOf(dir: string, sourceDateEpoch?: number): Promise<string> {
  const h = createHash('sha256');
  for await (const c of writeLayer(dir, { sourceDateEpoch })) h.update(c);
  return h.digest('hex');
}

async function collect(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of writeLayer(dir)) parts.push(c);
  return Buffer.concat(parts);
}

async function fill(dir: string, order: 'forward' | 'backward') {
  const files = ['b/2', 'a/1', 'c', 'a/z/3'];
  for (const f of order === 'forward' ? files : [...files].reverse()) {
    await fs.mkdir(path.join(dir, path.dirname(f)), { recursive: true });
    await fs.writeFile(path.join(dir, f), `content of ${f}`);
  }
  await fs.symlink('a/1', path.join(dir, 'link'));
}

test('the same files give the same layer digest, whatever order they were written in', async (t) => {
  const base = await tempDir(t);
  const one = path.join(base, 'one');
  const two = path.join(base, 'two');
  await fill(one, 'forward');
  await fill(two, 'backward');
  // mtimes differ between the two trees; SOURCE_DATE_EPOCH clamps them
  const epoch = 1_000_000_000;
  assert.equal(await digestOf(one, epoch), await digestOf(two, epoch));
  assert.equal(await digestOf(one, epoch), await digestOf(one, epoch));
  const names: string[] = [];
  for await (const { header } of readTar(writeLayer(one))) names.push(header.name);
  assert.deepEqual(names, ['a/', 'a/1', 'a/z/', 'a/z/3', 'b/', 'b/2', 'c', 'link']);
});

test('a content change changes the digest', async (t) => {
  const base = await tempDir(t);
  await fill(base, 'forward');
  const before = await digestOf(base, 0);
  await fs.writeFile(path.join(base, 'c'), 'changed');
  assert.notEqual(await digestOf(base, 0), before);
});

test('snapshot → layer → snapshot keeps whiteouts, opaque dirs, hardlinks and xattrs', async (t) => {
  const base = await tempDir(t);
  const lower = path.join(base, 'lower');
  const upper = path.join(base, 'upper');
  const again = path.join(base, 'again');
  for (const d of [lower, upper, again]) await fs.mkdir(d);
  await applyLayer(
    lower,
    chunksOf(
      craftTar([
        { name: 'gone', data: 'x' },
        { name: 'dir/', type: 'directory' },
        { name: 'dir/old', data: 'x' },
      ]),
    ),
  );
  await applyLayer(
    upper,
    chunksOf(
      craftTar([
        { name: '.wh.gone' },
        { name: 'dir/', type: 'directory' },
        { name: 'dir/.wh..wh..opq' },
        { name: 'dir/new', data: 'n' },
        { name: 'f', data: 'f', xattrs: new Map([['user.k', Buffer.from('v')]]) },
        { name: 'g', type: 'hardlink', linkname: 'f' },
      ]),
    ),
    [lower],
  );
  lsetxattr(path.join(upper, 'dir/new'), 'user.bin', Buffer.from([0, 1, 2]));
  const layer = await collect(upper);
  const entries: string[] = [];
  for await (const { header } of readTar(chunksOf(layer)))
    entries.push(`${header.type}:${header.name}`);
  assert.deepEqual(entries, [
    'file:.wh.gone',
    'directory:dir/',
    'file:dir/.wh..wh..opq',
    'file:dir/new',
    'file:f',
    'hardlink:g',
  ]);
  await applyLayer(again, chunksOf(layer), [lower]);
  assert.ok((await fs.lstat(path.join(again, 'gone'))).isCharacterDevice());
  assert.equal(lgetxattr(path.join(again, 'dir'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.deepEqual(lgetxattr(path.join(again, 'dir/new'), 'user.bin'), Buffer.from([0, 1, 2]));
  assert.equal(
    (await fs.stat(path.join(again, 'g'))).ino,
    (await fs.stat(path.join(again, 'f'))).ino,
  );
  assert.deepEqual(await collect(again), layer, 'the round trip gives the same bytes');
});

test('a tarball that omits its directories imports to the same layer every time', async (t) => {
  const base = await tempDir(t);
  const tar = craftTar([{ name: 'deep/er/file', data: 'x', mtime: 1_234_567_890 }]);
  const digests = [];
  for (const name of ['one', 'two']) {
    const dir = path.join(base, name);
    await fs.mkdir(dir);
    await applyLayer(dir, chunksOf(tar));
    assert.equal((await fs.stat(path.join(dir, 'deep/er'))).mtimeMs, 1_234_567_890_000);
    digests.push(await digestOf(dir));
    await new Promise((r) => setTimeout(r, 1100));
  }
  assert.equal(digests[0], digests[1]);
});
