/** Applying layers: what is kept, how deletions are recorded, and that nothing escapes the root. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { applyLayer } from '../../src/archive/extract.js';
import { lgetxattr } from '../../src/sys/native.js';
import { chunksOf, craftTar, listTree, tempDir, type CraftEntry } from '../helpers.js';

async function sandbox(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  await fs.mkdir(root);
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'secret'), 'untouched');
  return { dir, root, outside };
}

const malicious: [string, (outside: string) => CraftEntry[]][] = [
  ['parent traversal', () => [{ name: '../outside/pwned', data: 'x' }]],
  [
    'parent traversal inside a path',
    () => [
      { name: 'a/', type: 'directory' },
      { name: 'a/../../outside/pwned', data: 'x' },
    ],
  ],
  ['absolute path', (o) => [{ name: path.join(o, 'pwned'), data: 'x' }]],
  [
    'symlink then write through it',
    (o) => [
      { name: 'link', type: 'symlink', linkname: o },
      { name: 'link/pwned', data: 'x' },
    ],
  ],
  [
    'relative symlink escaping then write through it',
    () => [
      { name: 'up', type: 'symlink', linkname: '../../../../../../..' },
      { name: 'up/tmp/pwned', data: 'x' },
    ],
  ],
  [
    'symlink then overwrite of the target through a directory entry',
    (o) => [
      { name: 'd', type: 'symlink', linkname: o },
      { name: 'd/secret', data: 'overwritten' },
    ],
  ],
  ['hardlink to outside', () => [{ name: 'h', type: 'hardlink', linkname: '../outside/secret' }]],
  [
    'hardlink to an absolute path',
    (o) => [{ name: 'h', type: 'hardlink', linkname: path.join(o, 'secret') }],
  ],
  [
    'hardlink through a symlink',
    (o) => [
      { name: 's', type: 'symlink', linkname: o },
      { name: 'h', type: 'hardlink', linkname: 's/secret' },
    ],
  ],
  ['whiteout that targets outside', () => [{ name: '../outside/.wh.secret' }]],
  ['whiteout of ..', () => [{ name: 'a/', type: 'directory' }, { name: 'a/.wh...' }]],
  [
    'symlink loop',
    () => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', data: 'x' },
    ],
  ],
];

for (const [what, entries] of malicious) {
  test(`a layer with a ${what} is rejected and nothing outside changes`, async (t) => {
    const { dir, root, outside } = await sandbox(t);
    const before = await listTree(dir);
    await assert.rejects(applyLayer(root, chunksOf(craftTar(entries(outside)))), (e: Error) => {
      assert.match(e.message, /^(unsafe layer entry|invalid layer entry)/);
      return true;
    });
    assert.equal(await fs.readFile(path.join(outside, 'secret'), 'utf8'), 'untouched');
    const after = (await listTree(dir)).filter((p) => !p.startsWith('root/'));
    assert.deepEqual(
      after,
      before.filter((p) => !p.startsWith('root/')),
    );
    await assert.rejects(fs.access('/tmp/pwned'));
  });
}

test('a write through a symlink of a lower layer is rejected', async (t) => {
  const { dir, root, outside } = await sandbox(t);
  const lower = path.join(dir, 'lower');
  await fs.mkdir(lower);
  await applyLayer(
    lower,
    chunksOf(craftTar([{ name: 'lnk', type: 'symlink', linkname: outside }])),
  );
  await assert.rejects(
    applyLayer(root, chunksOf(craftTar([{ name: 'lnk/pwned', data: 'x' }])), [lower]),
    /symlink lnk of a lower layer/,
  );
  assert.deepEqual(await fs.readdir(outside), ['secret']);
});

test('modes, owners, times, links, devices, fifos and binary xattrs are kept', async (t) => {
  const { root } = await sandbox(t);
  const cap = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  await applyLayer(
    root,
    chunksOf(
      craftTar([
        { name: 'bin/', type: 'directory', mode: 0o751, uid: 12, gid: 34, mtime: 1_600_000_000 },
        {
          name: 'bin/tool',
          data: 'ELF',
          mode: 0o4755,
          uid: 1000,
          gid: 1001,
          mtime: 1_500_000_000,
          xattrs: new Map([['security.capability', cap]]),
        },
        { name: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox', uid: 5, gid: 6 },
        { name: 'dev/', type: 'directory' },
        { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 },
        { name: 'dev/loop0', type: 'block', devmajor: 7, devminor: 0, mode: 0o660 },
        { name: 'run.fifo', type: 'fifo', mode: 0o600 },
        {
          name: 'notes',
          data: 'hello',
          xattrs: new Map([['user.comment', Buffer.from([0xff, 0, 0x80])]]),
        },
      ]),
    ),
  );
  const tool = await fs.stat(path.join(root, 'bin/tool'));
  assert.equal(tool.mode & 0o7777, 0o4755);
  assert.equal(tool.uid, 1000);
  assert.equal(tool.gid, 1001);
  assert.equal(tool.mtimeMs, 1_500_000_000_000);
  assert.deepEqual(lgetxattr(path.join(root, 'bin/tool'), 'security.capability'), cap);
  assert.equal((await fs.stat(path.join(root, 'bin/alias'))).ino, tool.ino);
  const dirSt = await fs.stat(path.join(root, 'bin'));
  assert.equal(dirSt.mode & 0o7777, 0o751);
  assert.equal(
    dirSt.mtimeMs,
    1_600_000_000_000,
    'directory mtimes are restored after their contents',
  );
  assert.equal(await fs.readlink(path.join(root, 'bin/sh')), '/bin/busybox');
  assert.equal((await fs.lstat(path.join(root, 'bin/sh'))).uid, 5);
  const nul = await fs.lstat(path.join(root, 'dev/null'));
  assert.ok(nul.isCharacterDevice());
  assert.equal(nul.rdev, (1 << 8) | 3);
  assert.ok((await fs.lstat(path.join(root, 'dev/loop0'))).isBlockDevice());
  assert.ok((await fs.lstat(path.join(root, 'run.fifo'))).isFIFO());
  assert.deepEqual(
    lgetxattr(path.join(root, 'notes'), 'user.comment'),
    Buffer.from([0xff, 0, 0x80]),
  );
});

test('whiteouts become overlayfs whiteouts and opaque directories', async (t) => {
  const { dir, root } = await sandbox(t);
  const lower = path.join(dir, 'lower');
  await fs.mkdir(lower);
  await applyLayer(
    lower,
    chunksOf(
      craftTar([
        { name: 'a/', type: 'directory', mode: 0o700, uid: 7 },
        { name: 'a/gone', data: 'x' },
        { name: 'a/kept', data: 'x' },
        { name: 'b/', type: 'directory' },
        { name: 'b/hidden', data: 'x' },
        { name: 'c', data: 'lower file' },
      ]),
    ),
  );
  await applyLayer(
    root,
    chunksOf(
      craftTar([
        { name: 'a/.wh.gone' },
        { name: 'a/.wh.never-existed' },
        { name: 'b/', type: 'directory' },
        { name: 'b/.wh..wh..opq' },
        { name: 'b/new', data: 'y' },
        { name: 'copy', type: 'hardlink', linkname: 'c' },
      ]),
    ),
    [lower],
  );
  const wh = await fs.lstat(path.join(root, 'a/gone'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'a whiteout is a 0/0 character device');
  await assert.rejects(
    fs.lstat(path.join(root, 'a/never-existed')),
    'nothing to hide, no whiteout',
  );
  const a = await fs.stat(path.join(root, 'a'));
  assert.equal(a.mode & 0o777, 0o700, 'implicit parent directories copy the lower metadata');
  assert.equal(a.uid, 7);
  assert.equal(lgetxattr(path.join(root, 'b'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.equal(await fs.readFile(path.join(root, 'b/new'), 'utf8'), 'y');
  assert.equal(
    await fs.readFile(path.join(root, 'copy'), 'utf8'),
    'lower file',
    'hardlinks to lower files are copied up',
  );
});

test('archives written by GNU tar, with long names and links, unpack exactly', async (t) => {
  const { dir, root } = await sandbox(t);
  const src = path.join(dir, 'src');
  const long = 'd'.repeat(90) + '/' + 'f'.repeat(120);
  await fs.mkdir(path.join(src, path.dirname(long)), { recursive: true });
  await fs.writeFile(path.join(src, long), 'long name');
  await fs.symlink('x'.repeat(150), path.join(src, 'longlink'));
  await fs.writeFile(path.join(src, 'één.txt'), 'utf-8 name');
  await fs.link(path.join(src, long), path.join(src, 'hard'));
  for (const format of ['gnu', 'pax']) {
    const out = path.join(root, format);
    await fs.mkdir(out);
    const tar = execFileSync('tar', ['-C', src, `--format=${format}`, '-cf', '-', '.'], {
      maxBuffer: 1 << 26,
    });
    await applyLayer(out, chunksOf(tar));
    assert.equal(await fs.readFile(path.join(out, long), 'utf8'), 'long name');
    assert.equal(await fs.readlink(path.join(out, 'longlink')), 'x'.repeat(150));
    assert.equal(await fs.readFile(path.join(out, 'één.txt'), 'utf8'), 'utf-8 name');
    assert.equal(
      (await fs.stat(path.join(out, 'hard'))).ino,
      (await fs.stat(path.join(out, long))).ino,
    );
  }
});

test('input that is not a tar archive is rejected', async (t) => {
  const { root } = await sandbox(t);
  await assert.rejects(
    applyLayer(root, chunksOf(Buffer.from('hello, this is not a tarball'))),
    /not a tar archive/,
  );
  await assert.rejects(applyLayer(root, chunksOf(Buffer.alloc(0))), /not a tar archive/);
  const truncated = craftTar([{ name: 'big', data: 'x'.repeat(5000) }]).subarray(0, 2048);
  await assert.rejects(applyLayer(root, chunksOf(truncated)), /unexpected end of data/);
});
