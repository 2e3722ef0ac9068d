/** Volume commands end to end (mounting them into containers is tested with `run`). */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { berthFor } from '../helpers.js';

test('volume create, ls, inspect, rm and prune with Docker’s output', async (t) => {
  const b = await berthFor(t);
  assert.equal(await b.ok(['volume', 'create', 'my-volume']), 'my-volume\n');
  assert.equal(
    await b.ok(['volume', 'create', 'my-volume']),
    'my-volume\n',
    'creating an existing volume returns it',
  );
  await b.ok(['volume', 'create', '--label', 'team=core', 'site-cache']);
  assert.equal(
    await b.ok(['volume', 'ls']),
    'DRIVER    VOLUME NAME\nlocal     my-volume\nlocal     site-cache\n',
  );
  assert.equal(await b.ok(['volume', 'ls', '-q', '--filter', 'label=team=core']), 'site-cache\n');
  const [doc] = JSON.parse(await b.ok(['volume', 'inspect', 'my-volume'])) as Record<
    string,
    unknown
  >[];
  assert.equal(doc!['Name'], 'my-volume');
  assert.equal(doc!['Driver'], 'local');
  assert.equal(doc!['Scope'], 'local');
  assert.equal(doc!['Mountpoint'], path.join(b.root, 'volumes/my-volume/_data'));
  await fs.writeFile(path.join(doc!['Mountpoint'], 'data'), 'kept');
  assert.equal(
    (await b.ok(['volume', 'inspect', '-f', '{{.Labels}}', 'site-cache'])).trim(),
    'map[team:core]',
  );
  assert.equal(await b.ok(['volume', 'rm', 'my-volume']), 'my-volume\n');
  await assert.rejects(fs.access(path.join(b.root, 'volumes/my-volume')));
  const missing = await b.berth(['volume', 'rm', 'my-volume']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: get my-volume: no such volume\n');
  assert.equal((await b.berth(['volume', 'rm', '-f', 'my-volume'])).code, 0);
  const bad = await b.berth(['volume', 'create', 'bad/name']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /includes invalid characters for a local volume name/);
  assert.match(
    await b.ok(['volume', 'prune', '-f']),
    /^Total reclaimed space: 0B\n$/,
    'named volumes survive a plain prune',
  );
  assert.match(
    await b.ok(['volume', 'prune', '-a', '-f']),
    /^Deleted Volumes:\nsite-cache\n\nTotal reclaimed space: 0B\n$/,
  );
});
