import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { BlobTail } from '../../src/distribution/client/fetch-blob.js';
import { tempDir } from '../helpers.js';

async function collect(it: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = [];
  for await (const b of it) out.push(b);
  return Buffer.concat(out).toString();
}

test('a tail reads a download as it is written, from its first byte (a resumed file too)', async (t) => {
  const file = path.join(await tempDir(t), 'partial');
  await fs.writeFile(file, 'earlier ');
  const tail = new BlobTail();
  const reading = collect(tail.read(() => [Buffer.from('never')]));
  tail.begin(file, 8);
  await new Promise((r) => setTimeout(r, 10));
  await fs.appendFile(file, 'and now');
  tail.grew(15);
  await new Promise((r) => setTimeout(r, 10));
  await fs.rename(file, file + '.stored'); // committed: the open file is still read
  tail.end(true);
  assert.equal(await reading, 'earlier and now');
});

test('a tail fails when its download starts over or fails, and reads the store when nothing was downloaded', async (t) => {
  const file = path.join(await tempDir(t), 'partial');
  await fs.writeFile(file, 'abc');
  const restarted = new BlobTail();
  const r1 = collect(restarted.read(() => []));
  restarted.begin(file, 3);
  await new Promise((r) => setTimeout(r, 10));
  restarted.restart();
  await assert.rejects(r1, /restarted/);

  const failed = new BlobTail();
  const r2 = collect(failed.read(() => []));
  failed.end(false);
  await assert.rejects(r2, /download failed/);

  const stored = new BlobTail();
  const r3 = collect(stored.read(() => [Buffer.from('from the store')]));
  stored.end(true);
  assert.equal(await r3, 'from the store');
});

test('a tail no one read before its download ended lets the file go and reads the stored blob', async (t) => {
  const file = path.join(await tempDir(t), 'partial');
  await fs.writeFile(file, 'partial bytes');
  const tail = new BlobTail();
  tail.begin(file, 13);
  tail.end(true);
  assert.equal(await collect(tail.read(() => [Buffer.from('stored')])), 'stored');
});
