import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { isBerthError } from '../../src/core/errors.js';
import {
  fsyncDir,
  isAtomicTempName,
  readJsonFile,
  writeFileAtomic,
} from '../../src/sys/atomic-file.js';

describe('atomic files', () => {
  let root: string;
  let n = 0;
  /** A fresh, empty directory per test. */
  const freshDir = async () => {
    const dir = path.join(root, String(n++));
    await mkdir(dir);
    return dir;
  };
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'berth-atomic-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates and then replaces a file, leaving no temp files', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, 'one');
    assert.equal(await readFile(file, 'utf8'), 'one');
    await writeFileAtomic(file, new TextEncoder().encode('two, longer'));
    assert.equal(await readFile(file, 'utf8'), 'two, longer');
    await writeFileAtomic(file, '');
    assert.equal(await readFile(file, 'utf8'), '');
    assert.deepEqual(await readdir(dir), ['state.json']);
  });

  it('applies the mode exactly', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'secret');
    await writeFileAtomic(file, 'x', { mode: 0o600 });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await writeFileAtomic(file, 'y', { mode: 0o664 });
    assert.equal((await stat(file)).mode & 0o777, 0o664);
  });

  it('survives concurrent writers: the file holds one complete write', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'race');
    const payloads = Array.from({ length: 10 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(payloads.map((p) => writeFileAtomic(file, p)));
    assert.ok(payloads.includes(await readFile(file, 'utf8')));
    assert.deepEqual(await readdir(dir), ['race']);
  });

  it('removes the temp file when the rename fails', async () => {
    const dir = await freshDir();
    const target = path.join(dir, 'occupied');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'x');
    await assert.rejects(writeFileAtomic(target, 'data'), { code: 'EISDIR' });
    assert.deepEqual(await readdir(dir), ['occupied']);
  });

  it('fails with ENOENT when the directory does not exist', async () => {
    const dir = await freshDir();
    await assert.rejects(writeFileAtomic(path.join(dir, 'no', 'file'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(await readdir(dir), []);
  });

  it('names temp files recognisably', () => {
    assert.ok(isAtomicTempName('.state.json.tmp-1234-0123456789ab'));
    assert.ok(!isAtomicTempName('state.json'));
    assert.ok(!isAtomicTempName('.state.json.tmp-x-0123456789ab'));
  });

  it('reads JSON files, undefined when missing, Internal when corrupt', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'doc.json');
    assert.equal(await readJsonFile(file), undefined);
    await writeFileAtomic(file, JSON.stringify({ a: [1, 2] }));
    assert.deepEqual(await readJsonFile<{ a: number[] }>(file), { a: [1, 2] });
    await writeFile(file, '{"a": [1,');
    await assert.rejects(readJsonFile(file), (e: unknown) => isBerthError(e, 'Internal'));
    await assert.rejects(readJsonFile(dir), { code: 'EISDIR' });
  });

  it('fsyncs directories', async () => {
    await fsyncDir(await freshDir());
    await assert.rejects(fsyncDir(path.join(root, 'missing')), { code: 'ENOENT' });
  });
});
