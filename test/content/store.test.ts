/** The content store: verified, atomic, concurrent-safe ingest. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { ContentStore } from '../../src/content/store.js';
import { repoRoot, tempDir } from '../helpers.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('ingest stores by digest and reads back verified', async (t) => {
  const store = new ContentStore(await tempDir(t));
  const data = Buffer.from('hello blob');
  const info = await store.ingest([data.subarray(0, 3), data.subarray(3)]);
  assert.deepEqual(info, { digest: sha(data), size: data.length, created: true });
  assert.deepEqual(await store.read(info.digest), data);
  assert.equal((await store.put(data)).created, false, 'the same content is stored once');
  assert.deepEqual(await fs.readdir(store.ingestDir), []);
});

test('a wrong digest or size stores nothing', async (t) => {
  const store = new ContentStore(await tempDir(t));
  const data = Buffer.from('payload');
  await assert.rejects(store.put(data, { digest: sha('other') }), /digest mismatch/);
  await assert.rejects(store.put(data, { size: 3 }), /size mismatch/);
  await assert.rejects(store.put(data, { size: 100 }), /size mismatch/);
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await fs.readdir(store.ingestDir), []);
  await assert.rejects(store.put(data, { digest: 'sha256:xyz' }), /invalid digest/);
});

test('a corrupted blob is detected on read and by verify', async (t) => {
  const store = new ContentStore(await tempDir(t));
  const { digest } = await store.put(Buffer.from('original'));
  await fs.writeFile(store.blobPath(digest), 'tampered');
  await assert.rejects(store.read(digest), /is corrupt/);
  assert.equal(await store.verify(digest), false);
});

test('two processes ingesting the same digest at once both succeed', async (t) => {
  const root = await tempDir(t);
  const script = `
    import { ContentStore } from ${JSON.stringify(path.join(repoRoot, 'src/content/store.ts'))};
    const s = new ContentStore(process.argv[1]);
    const chunk = Buffer.alloc(1 << 20, 7);
    async function* gen() { for (let i = 0; i < 64; i++) yield chunk; }
    const r = await s.ingest(gen());
    console.log(r.digest);`;
  const runOne = () =>
    new Promise<string>((resolve, reject) => {
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, root],
        { cwd: repoRoot },
      );
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', (code) =>
        code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`)),
      );
    });
  const [a, b] = await Promise.all([runOne(), runOne()]);
  const expected = sha(Buffer.alloc(64 << 20, 7));
  assert.equal(a, expected);
  assert.equal(b, expected);
  const store = new ContentStore(root);
  assert.equal(await store.verify(expected), true);
  assert.deepEqual(await fs.readdir(store.ingestDir), []);
});

test('partial writes of dead processes are found; those of live ones are not', async (t) => {
  const store = new ContentStore(await tempDir(t));
  await fs.mkdir(store.ingestDir, { recursive: true });
  await fs.writeFile(path.join(store.ingestDir, '999999999-deadbeef'), 'partial');
  await fs.writeFile(path.join(store.ingestDir, `${process.pid}-cafe`), 'in progress');
  assert.deepEqual(await store.abandonedIngests(), [
    path.join(store.ingestDir, '999999999-deadbeef'),
  ]);
});
