import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { adoptUpperDir, isOpaque, OPAQUE_XATTR } from '../../src/archive/overlay-format.js';
import { llistxattr, mount, umount2 } from '../../src/sys/native.js';
import { tempDir } from '../helpers.js';

test("an unmounted overlay's upper directory becomes a snapshot: bookkeeping xattrs go, opaque and whiteouts stay", async (t) => {
  const dir = await tempDir(t, 'berth-adopt-');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((n) =>
    path.join(dir, n),
  ) as [string, string, string, string];
  for (const d of [lower, upper, work, merged]) await fs.mkdir(d);
  await fs.mkdir(path.join(lower, 'etc'));
  await fs.writeFile(path.join(lower, 'etc', 'conf'), 'old\n');
  await fs.mkdir(path.join(lower, 'replaced'));
  await fs.writeFile(path.join(lower, 'replaced', 'gone'), 'x');
  await fs.writeFile(path.join(lower, 'deleted'), 'x');
  mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
  try {
    await fs.appendFile(path.join(merged, 'etc', 'conf'), 'new\n'); // a copy-up: origin xattrs
    await fs.rm(path.join(merged, 'replaced'), { recursive: true });
    await fs.mkdir(path.join(merged, 'replaced')); // opaque
    await fs.writeFile(path.join(merged, 'replaced', 'fresh'), 'abc');
    await fs.rm(path.join(merged, 'deleted')); // a whiteout
  } finally {
    umount2(merged);
  }
  const xattrs = async (p: string): Promise<string[]> => {
    const out = llistxattr(p).map((n) => `${path.relative(upper, p) || '.'} ${n}`);
    const st = await fs.lstat(p);
    if (st.isDirectory())
      for (const n of await fs.readdir(p)) out.push(...(await xattrs(path.join(p, n))));
    return out;
  };
  // the kernel left its bookkeeping (origin of the copied-up file, impure parents)
  assert.ok((await xattrs(upper)).some((x) => x.endsWith('trusted.overlay.origin')));
  assert.equal(adoptUpperDir(upper), 'old\nnew\n'.length + 3);
  assert.deepEqual(await xattrs(upper), [`replaced ${OPAQUE_XATTR}`]);
  assert.ok(isOpaque(path.join(upper, 'replaced')));
  const whiteout = await fs.lstat(path.join(upper, 'deleted'));
  assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0);
  assert.equal(await fs.readFile(path.join(upper, 'etc', 'conf'), 'utf8'), 'old\nnew\n');
});
