import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  MNT_DETACH,
  MS_NODEV,
  MS_NOSUID,
  lgetxattr,
  llistxattr,
  lsetxattr,
  mknod,
  mount,
  nativeAddonPath,
  readdirStats,
  umount2,
} from '../../src/sys/native.js';

/** glibc's makedev(), to check st_rdev. */
const makedev = (major: number, minor: number) =>
  (major & 0xfff) * 0x100 + (minor & 0xff) + (minor & ~0xff) * 0x1000;

describe('native addon', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-native-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is found by walking up from src/sys', () => {
    assert.match(nativeAddonPath() ?? '', /native\/build\/Release\/berth_native\.node$/);
  });

  describe('mknod', () => {
    it('creates a character device 0/0 (an overlayfs whiteout)', async () => {
      const file = path.join(dir, 'whiteout');
      mknod(file, constants.S_IFCHR | 0o000, 0, 0);
      const st = await lstat(file);
      assert.ok(st.isCharacterDevice());
      assert.equal(st.rdev, 0);
    });

    it('encodes major and minor numbers as makedev does', async () => {
      for (const [major, minor] of [
        [1, 3],
        [4, 300],
        [259, 70000],
      ] as const) {
        const file = path.join(dir, `chr-${major}-${minor}`);
        mknod(file, constants.S_IFCHR | 0o666, major, minor);
        assert.equal((await lstat(file)).rdev, makedev(major, minor), `${major}:${minor}`);
      }
      const blk = path.join(dir, 'blk');
      mknod(blk, constants.S_IFBLK | 0o660, 7, 0);
      const st = await lstat(blk);
      assert.ok(st.isBlockDevice());
      assert.equal(st.rdev, makedev(7, 0));
    });

    it('creates a FIFO', async () => {
      const file = path.join(dir, 'fifo');
      mknod(file, constants.S_IFIFO | 0o644, 0, 0);
      assert.ok((await lstat(file)).isFIFO());
    });

    it('throws errors shaped like node:fs errors', () => {
      const file = path.join(dir, 'fifo-twice');
      mknod(file, constants.S_IFIFO | 0o644, 0, 0);
      assert.throws(() => mknod(file, constants.S_IFIFO | 0o644, 0, 0), {
        name: 'Error',
        code: 'EEXIST',
        errno: -17,
        syscall: 'mknod',
        path: file,
        message: `EEXIST: file already exists, mknod '${file}'`,
      });
    });

    it('rejects bad arguments with TypeErrors, and paths with NUL bytes', () => {
      const m = mknod as (...args: unknown[]) => void;
      assert.throws(() => m(path.join(dir, 'x'), constants.S_IFIFO), {
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
      });
      assert.throws(() => m(42, constants.S_IFIFO, 0, 0), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => m(path.join(dir, 'x'), -1, 0, 0), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => m(path.join(dir, 'x'), 1.5, 0, 0), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => m(path.join(dir, 'a\0b'), constants.S_IFIFO, 0, 0), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    });
  });

  describe('readdirStats', () => {
    it('gives every entry with the numbers node:fs gives', async () => {
      const d = await mkdtemp(path.join(dir, 'rd-'));
      await writeFile(path.join(d, 'file'), 'hello');
      await symlink('file', path.join(d, 'link'));
      await mkdtemp(path.join(d, 'sub-'));
      const entries = readdirStats(d);
      assert.deepEqual(entries.map((e) => e.name).sort(), (await readdir(d)).sort());
      for (const { name, stat } of entries) {
        const want = await lstat(path.join(d, name));
        for (const k of ['mode', 'uid', 'gid', 'size', 'dev', 'ino', 'nlink'] as const)
          assert.equal(stat[k], want[k], `${name} ${k}`);
        // the same floating-point milliseconds (the build cache's memo keys on them)
        for (const k of ['atimeMs', 'mtimeMs', 'ctimeMs'] as const)
          assert.equal(stat[k], want[k], `${name} ${k}`);
        assert.equal(stat.isFile(), want.isFile());
        assert.equal(stat.isDirectory(), want.isDirectory());
        assert.equal(stat.isSymbolicLink(), want.isSymbolicLink());
      }
      assert.deepEqual(readdirStats(await mkdtemp(path.join(dir, 'empty-'))), []);
    });

    it('names the directory in its error', () => {
      assert.throws(() => readdirStats(path.join(dir, 'nope')), {
        code: 'ENOENT',
        syscall: 'scandir',
        path: path.join(dir, 'nope'),
      });
      assert.throws(() => readdirStats('/etc/hostname'), { code: 'ENOTDIR' });
    });
  });

  describe('xattrs', () => {
    it('sets, gets and lists user.* and trusted.* attributes on a file', async () => {
      const file = path.join(dir, 'file');
      await writeFile(file, 'x');
      lsetxattr(file, 'user.berth', Buffer.from('hello'));
      lsetxattr(file, 'trusted.overlay.opaque', new Uint8Array([0x79]));
      lsetxattr(file, 'user.empty', Buffer.alloc(0));
      assert.deepEqual(lgetxattr(file, 'user.berth'), Buffer.from('hello'));
      assert.deepEqual(lgetxattr(file, 'trusted.overlay.opaque'), Buffer.from('y'));
      assert.deepEqual(lgetxattr(file, 'user.empty'), Buffer.alloc(0));
      assert.equal(lgetxattr(file, 'user.missing'), undefined);
      assert.deepEqual(llistxattr(file).sort(), [
        'trusted.overlay.opaque',
        'user.berth',
        'user.empty',
      ]);

      lsetxattr(file, 'user.berth', Buffer.from('replaced'));
      assert.deepEqual(lgetxattr(file, 'user.berth'), Buffer.from('replaced'));
      const big = Buffer.alloc(3000, 0xab);
      lsetxattr(file, 'user.big', big);
      assert.deepEqual(lgetxattr(file, 'user.big'), big);
    });

    it('does not follow symlinks', async () => {
      const target = path.join(dir, 'target');
      const link = path.join(dir, 'link');
      await writeFile(target, 'x');
      await symlink(target, link);

      lsetxattr(link, 'trusted.berth', Buffer.from('on-link'));
      assert.deepEqual(lgetxattr(link, 'trusted.berth'), Buffer.from('on-link'));
      assert.equal(lgetxattr(target, 'trusted.berth'), undefined);
      assert.deepEqual(llistxattr(link), ['trusted.berth']);
      assert.deepEqual(llistxattr(target), []);
      // The kernel refuses user.* on symlinks: proof that the link itself was addressed.
      assert.throws(() => lsetxattr(link, 'user.x', Buffer.from('v')), {
        code: 'EPERM',
        syscall: 'lsetxattr',
      });
    });

    it('throws ENOENT with code, errno, syscall and path', () => {
      const missing = path.join(dir, 'missing');
      for (const call of [
        () => lgetxattr(missing, 'user.x'),
        () => llistxattr(missing),
        () => lsetxattr(missing, 'user.x', Buffer.from('v')),
      ]) {
        assert.throws(call, (e: NodeJS.ErrnoException) => {
          assert.equal(e.code, 'ENOENT');
          assert.equal(e.errno, -2);
          assert.equal(e.path, missing);
          assert.match(e.message, /^ENOENT: no such file or directory, l(get|list|set)xattr '/);
          return true;
        });
      }
    });
  });
});

describe('mount', () => {
  it('mounts a tmpfs and unmounts it; errors name the target', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mount-'));
    try {
      mount('tmpfs', dir, 'tmpfs', MS_NOSUID | MS_NODEV, 'size=1m,mode=0700');
      await writeFile(path.join(dir, 'x'), 'in tmpfs');
      const mounts = await readFile('/proc/self/mounts', 'utf8');
      assert.ok(mounts.includes(` ${dir} tmpfs `));
      umount2(dir, MNT_DETACH);
      assert.deepEqual(await readdir(dir), []);
      assert.throws(
        () => umount2(dir),
        (e: NodeJS.ErrnoException) => e.code === 'EINVAL' && e.path === dir,
      );
      assert.throws(() => mount('none', path.join(dir, 'missing'), 'tmpfs', 0, ''), {
        code: 'ENOENT',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
