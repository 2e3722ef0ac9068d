/** Interop with tools nobody here wrote: skopeo and umoci read what berth writes, and back. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { berthFor, runCommand, tempDir } from '../helpers.js';

test('berth save --format oci is read by skopeo and unpacked by umoci; skopeo’s docker-archive loads back to the same ID', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const id = (await b.ok(['image', 'builtin', 'busybox'])).trim();
  const archive = path.join(dir, 'busybox-oci.tar');
  await b.ok(['save', '--format', 'oci', '-o', archive, 'busybox']);
  const layout = path.join(dir, 'layout');
  await fs.mkdir(layout);
  const untar = await runCommand('tar', ['-C', layout, '-xf', archive]);
  assert.equal(untar.code, 0, untar.stderr);

  const inspect = await runCommand('skopeo', ['inspect', `oci:${layout}:latest`]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const info = JSON.parse(inspect.stdout);
  assert.equal(info.Architecture, 'amd64');
  assert.equal(info.Os, 'linux');
  const config = JSON.parse(
    (await runCommand('skopeo', ['inspect', '--config', `oci:${layout}:latest`])).stdout,
  );
  assert.deepEqual(config.config.Cmd, ['sh']);

  const bundle = path.join(dir, 'bundle');
  const unpack = await runCommand('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
  assert.equal(unpack.code, 0, unpack.stderr);
  const rootfs = path.join(bundle, 'rootfs');
  assert.ok((await fs.stat(path.join(rootfs, 'bin/busybox'))).isFile());
  assert.equal(
    (await fs.stat(path.join(rootfs, 'bin/sh'))).ino,
    (await fs.stat(path.join(rootfs, 'bin/busybox'))).ino,
  );
  assert.equal(((await fs.stat(path.join(rootfs, 'tmp'))).mode & 0o7777).toString(8), '1777');

  const dockerArchive = path.join(dir, 'from-skopeo.tar');
  const copy = await runCommand('skopeo', [
    'copy',
    `oci:${layout}:latest`,
    `docker-archive:${dockerArchive}:copied/busybox:v1`,
  ]);
  assert.equal(copy.code, 0, copy.stderr);
  await b.ok(['rmi', 'busybox']);
  assert.equal(await b.ok(['load', '-i', dockerArchive]), 'Loaded image: copied/busybox:v1\n');
  assert.equal((await b.ok(['image', 'inspect', '-f', '{{.Id}}', 'copied/busybox:v1'])).trim(), id);
  assert.match(await b.ok(['system', 'check']), /the store is clean/);
});

test('a docker-archive written by berth is read by skopeo', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  await b.ok(['image', 'builtin', 'busybox']);
  const archive = path.join(dir, 'docker.tar');
  await b.ok(['save', '-o', archive, 'busybox']);
  const r = await runCommand('skopeo', [
    'inspect',
    '--config',
    `docker-archive:${archive}:busybox:latest`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(r.stdout);
  assert.deepEqual(config.config.Cmd, ['sh']);
  assert.equal(config.rootfs.diff_ids.length, 1);
  const missing = await runCommand('skopeo', ['inspect', `docker-archive:${archive}:other:latest`]);
  assert.notEqual(missing.code, 0, 'skopeo finds images by the RepoTags berth wrote');
});
