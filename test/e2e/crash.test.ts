/** Crash safety: kill -9 in the middle of an import leaves a store that check repairs, and the retry works. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { berthBin, berthFor, craftTar, tempDir } from '../helpers.js';

async function bigRootfs(dir: string): Promise<string> {
  const file = path.join(dir, 'big.tar');
  const entries = Array.from({ length: 12 }, (_, i) => ({
    name: `blob${i}`,
    data: randomBytes(16 << 20),
  }));
  await fs.writeFile(file, craftTar(entries));
  return file;
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    out.push(path.join(e.parentPath ?? e.path, e.name));
  }
  return out;
}

test('kill -9 during an import of a large tarball: check repairs, the retry succeeds', async (t) => {
  const b = await berthFor(t);
  const tar = await bigRootfs(await tempDir(t));
  let repaired = 0;
  for (const delayMs of [150, 400, 900]) {
    const child = spawn(berthBin, ['import', tar, 'big:1'], {
      env: { ...process.env, BERTH_ROOT: b.root },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('close', resolve));
    // wait until the import has started writing, then kill it hard
    for (let i = 0; i < 200 && (await listAll(path.join(b.root, 'snapshots'))).length < 3; i++)
      await sleep(10);
    await sleep(delayMs);
    child.kill('SIGKILL');
    await exited;
    const report = await b.berth(['system', 'check']);
    assert.equal(report.code, 0, report.stdout + report.stderr);
    repaired += (report.stdout.match(/^repaired: /gm) ?? []).length;
    const clean = await b.ok(['system', 'check', '--no-repair']);
    assert.match(clean, /^the store is clean\n$/, `after a kill at +${delayMs} ms`);
    // the import may have finished before the kill; either way the store holds at most the one image
    const images = (await b.ok(['images', '-q'])).trim();
    if (images) await b.ok(['rmi', 'big:1']);
  }
  assert.ok(repaired > 0, 'at least one kill landed mid-import and left something to repair');
  const id = (await b.ok(['import', tar, 'big:1'])).trim();
  assert.match(id, /^sha256:/);
  assert.match(await b.ok(['system', 'check', '--no-repair']), /the store is clean/);
});

test('concurrent berth processes never lose a tag', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const tar = path.join(dir, 'small.tar');
  await fs.writeFile(tar, craftTar([{ name: 'f', data: 'x' }]));
  await b.ok(['import', tar, 'base:1']);
  await Promise.all(Array.from({ length: 8 }, (_, i) => b.ok(['tag', 'base:1', `many:${i}`])));
  const tags = (await b.ok(['images', '--format', '{{.Tag}}', 'many'])).trim().split('\n').sort();
  assert.deepEqual(tags, ['0', '1', '2', '3', '4', '5', '6', '7']);
});
