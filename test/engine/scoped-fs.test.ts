/** Paths resolved inside a root (a container's), and Docker's cp path rules. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  ScopedFs,
  assertsDirectory,
  cleanPreserving,
  preserveTrailing,
  specifiesCurrentDir,
  splitDirEntry,
} from '../../src/engine/scoped-fs.js';
import { tempDir } from '../helpers.js';

async function tree(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  await fs.mkdir(path.join(root, 'etc'));
  await fs.writeFile(path.join(root, 'etc/passwd'), 'container\n');
  await fs.mkdir(path.join(root, 'usr/lib'), { recursive: true });
  await fs.symlink('/etc', path.join(root, 'abs')); // absolute: the container's /etc
  await fs.symlink('../../../../../../etc', path.join(root, 'rel')); // climbs past the root
  await fs.symlink('lib', path.join(root, 'usr/l'));
  await fs.symlink('/loop2', path.join(root, 'loop1'));
  await fs.symlink('/loop1', path.join(root, 'loop2'));
  return root;
}

test('symlinks resolve inside the root, never to the host', async (t) => {
  const root = await tree(t);
  const view = new ScopedFs(root);
  assert.equal(view.resolve('/abs/passwd', false), '/etc/passwd');
  assert.equal(view.resolve('/rel/passwd', false), '/etc/passwd');
  assert.equal(view.hostPath(view.resolve('/abs/passwd', false)), path.join(root, 'etc/passwd'));
  assert.equal(
    await fs.readFile(view.hostPath(view.resolve('/rel/passwd', true)), 'utf8'),
    'container\n',
  );
  assert.equal(view.resolve('/abs', false), '/abs', 'the last component is kept unless followed');
  assert.equal(view.resolve('/abs', true), '/etc');
  assert.equal(view.resolve('/usr/l/../l/x', true), '/usr/lib/x', 'missing components are kept');
  assert.equal(view.resolve('/../../etc', true), '/etc', '.. stops at the root');
  assert.throws(() => view.resolve('/loop1/x', true), /too many levels of symbolic links/);
});

test('mounts lead to their host directories, also through symlinks', async (t) => {
  const root = await tree(t);
  const volume = await tempDir(t);
  await fs.writeFile(path.join(volume, 'data.txt'), 'in volume');
  await fs.symlink('/data', path.join(root, 'to-data'));
  const view = new ScopedFs(root, [{ destination: '/data', source: volume, readOnly: true }]);
  const p = view.resolve('/to-data/data.txt', true);
  assert.equal(p, '/data/data.txt');
  assert.equal(view.hostPath(p), path.join(volume, 'data.txt'));
  assert.equal(view.mountOf(p)?.readOnly, true);
  assert.equal(view.mountOf('/etc/passwd'), undefined);
  assert.ok(view.isMountPoint('/data'));
});

test('mkdirAll makes missing directories inside the root only', async (t) => {
  const root = await tree(t);
  const view = new ScopedFs(root);
  view.mkdirAll(view.resolve('/abs/new/dir', true));
  assert.ok((await fs.stat(path.join(root, 'etc/new/dir'))).isDirectory());
  view.mkdirAll(view.resolve('/rel/x', true));
  assert.ok((await fs.stat(path.join(root, 'etc/x'))).isDirectory());
  assert.throws(() => view.mkdirAll('/etc/passwd/x'), /not a directory/);
});

test("Docker's path rules: trailing / and /. are kept, dir/. names the contents", () => {
  assert.equal(cleanPreserving('/a//b/../c/'), '/a/c/');
  assert.equal(cleanPreserving('/a/b/.'), '/a/b/.');
  assert.equal(cleanPreserving('/a/b/./'), '/a/b/./');
  assert.equal(cleanPreserving('/'), '/');
  assert.equal(preserveTrailing('/work/dir', 'dir/.'), '/work/dir/.');
  assert.ok(specifiesCurrentDir('a/.') && specifiesCurrentDir('.') && !specifiesCurrentDir('a.'));
  assert.ok(assertsDirectory('a/') && assertsDirectory('a/.') && !assertsDirectory('a'));
  assert.deepEqual(splitDirEntry('/a/b'), { dir: '/a', base: 'b' });
  assert.deepEqual(splitDirEntry('/a/b/'), { dir: '/a', base: 'b' });
  assert.deepEqual(splitDirEntry('/a/b/.'), { dir: '/a/b', base: '.' });
  assert.deepEqual(splitDirEntry('/'), { dir: '/', base: '/' });
});
