/** `system check`: what it finds, what it repairs, and what it only reports. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { berthFor, craftTar, tempDir } from '../helpers.js';

async function imported(t: Parameters<typeof tempDir>[0]) {
  const b = await berthFor(t);
  const tar = path.join(await tempDir(t), 'r.tar');
  await fs.writeFile(
    tar,
    craftTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/motd', data: 'hello' },
    ]),
  );
  const id = (await b.ok(['import', tar, 'checked:1'])).trim();
  const [doc] = JSON.parse(await b.ok(['image', 'inspect', id])) as {
    RootFS: { Layers: string[] };
  }[];
  return { b, id, layer: doc!.RootFS.Layers[0]! };
}

test('a missing snapshot is unpacked again from its blob', async (t) => {
  const { b, layer } = await imported(t);
  const snap = path.join(b.root, 'snapshots', layer.slice(7));
  await fs.rm(snap, { recursive: true });
  const out = await b.berth(['system', 'check']);
  assert.equal(out.code, 0, out.stdout);
  assert.match(out.stdout, /^repaired: image sha256:\w+ had layers that were not unpacked$/m);
  assert.equal(await fs.readFile(path.join(snap, 'fs/etc/motd'), 'utf8'), 'hello');
  assert.equal(await b.ok(['system', 'check', '--no-repair']), 'the store is clean\n');
});

test('orphans and leftovers are removed; --no-repair only reports them', async (t) => {
  const { b } = await imported(t);
  const orphanHex = createHash('sha256').update('nothing references this').digest('hex');
  const orphan = path.join(b.root, 'content/blobs/sha256', orphanHex);
  await fs.writeFile(orphan, 'nothing references this');
  const corrupt = path.join(b.root, 'content/blobs/sha256', 'a'.repeat(64));
  await fs.writeFile(corrupt, 'does not hash to its name');
  const ingest = path.join(b.root, 'content/ingest/999999999-0123');
  await fs.writeFile(ingest, 'half a blob');
  const stray = path.join(b.root, 'snapshots/tmp/999999999-abcd/fs');
  await fs.mkdir(stray, { recursive: true });
  const report = await b.berth(['system', 'check', '--no-repair']);
  assert.equal(report.code, 1);
  assert.match(report.stdout, /^problem: partial blob write left by a crashed process/m);
  assert.match(report.stdout, /^problem: incomplete snapshot left by a crashed process/m);
  assert.match(report.stdout, /^problem: corrupt blob sha256:a{64}/m);
  assert.match(report.stdout, new RegExp(`^problem: orphaned blob sha256:${orphanHex}`, 'm'));
  await fs.access(orphan);
  const repaired = await b.berth(['system', 'check']);
  assert.equal(repaired.code, 0, repaired.stdout);
  for (const p of [orphan, corrupt, ingest, path.dirname(stray)])
    await assert.rejects(fs.access(p), p);
  assert.equal(await b.ok(['system', 'check', '--no-repair']), 'the store is clean\n');
});

test('a corrupt layer blob is removed and the image it belonged to is reported', async (t) => {
  const { b, id, layer } = await imported(t);
  await fs.appendFile(path.join(b.root, 'content/blobs/sha256', layer.slice(7)), 'bit rot');
  const out = await b.berth(['system', 'check']);
  assert.equal(out.code, 1);
  assert.match(out.stdout, new RegExp(`^repaired: corrupt blob ${layer}`, 'm'));
  assert.match(out.stdout, new RegExp(`^problem: image ${id} is missing blobs ${layer}`, 'm'));
  assert.match(out.stdout, /1 problem\(s\) remain\n$/);
});
