/**
 * diff, export, commit and cp at the engine level, on real containers (real runc, real overlay
 * mounts): containers are made and run with the CLI, the file operations called in-process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { readTar } from '../../src/archive/tar-reader.js';
import { commitContainer } from '../../src/engine/container-commit.js';
import { copyFromContainer, copyToContainer } from '../../src/engine/container-cp.js';
import { containerChanges } from '../../src/engine/container-diff.js';
import { exportContainer } from '../../src/engine/container-export.js';
import { Engine } from '../../src/engine/engine.js';
import { berthBin, berthWithContainers, craftTar, tempDir } from '../helpers.js';

async function setup(t: TestContext) {
  const b = await berthWithContainers(t);
  const engine = new Engine({ root: b.root, runroot: b.runroot, selfCommand: [berthBin] });
  return { b, engine, d: { containers: engine.containers, stores: engine.stores } };
}

/**
 * Insist that these stopped containers have nothing mounted, once their monitors' cleanups
 * (which unmount what the run mounted, a moment after the exit) have run.
 */
async function notMounted(d: Awaited<ReturnType<typeof setup>>['d'], ...names: string[]) {
  for (const name of names) {
    const { record } = await d.containers.view(name);
    for (let i = 0; i < 200; i++) {
      const stored = await d.containers.containers.get(record.id);
      if (stored?.state.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
    assert.ok(!mounts.includes(record.id), `${name} is left mounted`);
  }
}

/** Names and contents (of small files) of a tar in a buffer. */
async function untar(data: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { header, body } of readTar([data])) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.set(
      header.name,
      header.type === 'symlink' ? `-> ${header.linkname}` : Buffer.concat(chunks).toString(),
    );
  }
  return out;
}

/** A writable that keeps what it is given. */
function sink() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, data: () => Buffer.concat(chunks) };
}

const SEED = 'echo x > /etc/new; rm /etc/group; echo y >> /etc/passwd';

test('diff: C, A and D in Docker order; runtime mount points never show', async (t) => {
  const { b, d } = await setup(t);
  await b.ok(['run', '--name', 'seed', 'busybox', 'sh', '-c', SEED]);
  assert.deepEqual(await containerChanges(d, 'seed'), [
    { kind: 'C', path: '/etc' },
    { kind: 'D', path: '/etc/group' },
    { kind: 'A', path: '/etc/new' },
    { kind: 'C', path: '/etc/passwd' },
  ]);
  await b.ok(['run', '--name', 'idle', 'busybox', 'true']);
  assert.deepEqual(await containerChanges(d, 'idle'), []);
  await b.ok(['run', '--name', 'edit', 'busybox', 'sh', '-c', 'echo y >> /etc/passwd']);
  assert.deepEqual(await containerChanges(d, 'edit'), [{ kind: 'C', path: '/etc/passwd' }]);
  await b.ok([
    'run',
    '--name',
    'deep',
    'busybox',
    'sh',
    '-c',
    'mkdir -p /a/b && touch /a/b/c /tmp/t',
  ]);
  assert.deepEqual(
    (await containerChanges(d, 'deep')).map((c) => `${c.kind} ${c.path}`),
    ['A /a', 'A /a/b', 'A /a/b/c', 'C /tmp', 'A /tmp/t'],
  );
});

test('export of a stopped container: its changes and the image, nothing left mounted', async (t) => {
  const { b, d } = await setup(t);
  await b.ok(['run', '--name', 'seed', 'busybox', 'sh', '-c', SEED]);
  const out = sink();
  await exportContainer(d, 'seed', out.stream);
  const files = await untar(out.data());
  assert.equal(files.get('etc/new'), 'x\n');
  assert.match(files.get('etc/passwd')!, /y\n$/);
  assert.ok(!files.has('etc/group'), 'a deleted file is not exported');
  assert.ok(files.has('bin/busybox') && files.has('bin/'), 'the image is exported');
  assert.ok(![...files.keys()].some((n) => n.startsWith('/') || n.startsWith('./')));
  await notMounted(d, 'seed');
  const file = path.join(await tempDir(t), 'out.tar');
  await exportContainer(d, 'seed', file);
  assert.deepEqual(await fs.readFile(file), out.data(), 'the same bytes to a file');
  assert.deepEqual(await fs.readdir(path.dirname(file)), ['out.tar'], 'no temporary file left');
  await assert.rejects(exportContainer(d, 'seed', '/nope/out.tar'), /invalid output path/);
});

test('commit: one more layer, the changes, -c applied, history with -m; unchanged adds none', async (t) => {
  const { b, engine, d } = await setup(t);
  await b.ok([
    'run',
    '--name',
    'seed',
    'busybox',
    'sh',
    '-c',
    'echo hello > /hello; rm /etc/group',
  ]);
  const { record } = await commitContainer(d, 'seed', {
    reference: 'hello:1',
    message: 'said hello',
    author: 'me <me@example.com>',
    changes: ['CMD ["cat","/hello"]'],
  });
  const base = await engine.inspectImage('busybox');
  const img = await engine.inspectImage('hello:1');
  assert.equal(img.record.id, record.id);
  assert.equal(img.config.rootfs.diff_ids.length, base.config.rootfs.diff_ids.length + 1);
  assert.deepEqual(img.config.rootfs.diff_ids.slice(0, -1), base.config.rootfs.diff_ids);
  assert.deepEqual(img.config.config?.Cmd, ['cat', '/hello']);
  assert.equal(img.config.author, 'me <me@example.com>');
  const last = img.config.history!.at(-1)!;
  assert.equal(last.comment, 'said hello');
  assert.equal(last.created_by, 'sh -c echo hello > /hello; rm /etc/group');
  assert.ok(!last.empty_layer);
  assert.equal(await b.ok(['run', '--rm', 'hello:1']), 'hello\n');
  assert.equal((await b.berth(['run', '--rm', 'hello:1', 'cat', '/etc/group'])).code, 1);
  assert.equal(
    await b.ok(['run', '--rm', 'hello:1', 'ls', '/etc/hostname', '/etc/hosts']),
    '/etc/hostname\n/etc/hosts\n',
    'its own mount points still work',
  );
  // the layer holds the changes only, not what runc made for its mounts
  const layer = img.record.layers.at(-1)!;
  const names = [...(await untar(await engine.stores.content.read(layer))).keys()];
  assert.deepEqual(names.sort(), ['etc/', 'etc/.wh.group', 'hello']);

  await b.ok(['run', '--name', 'idle', 'busybox', 'true']);
  const same = await commitContainer(d, 'idle', {});
  const cfg = (await engine.inspectImage(same.record.id)).config;
  assert.deepEqual(cfg.rootfs.diff_ids, base.config.rootfs.diff_ids, 'no changes, no layer');
  assert.equal(cfg.history!.at(-1)!.empty_layer, true);
  await notMounted(d, 'seed', 'idle');
});

test('commit of a running container pauses it and leaves it running', async (t) => {
  const { b, engine, d } = await setup(t);
  await b.ok(['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo 1 > /state; sleep 1000']);
  for (
    let i = 0;
    i < 100 && !(await containerChanges(d, 'live')).some((c) => c.path === '/state');
    i++
  )
    await new Promise((r) => setTimeout(r, 50));
  const { record } = await commitContainer(d, 'live', { reference: 'live:snap' });
  assert.equal((await engine.containers.view('live')).state.status, 'running');
  assert.equal(await b.ok(['run', '--rm', record.id, 'cat', '/state']), '1\n');
});

test('cp from a container: files, dir/., symlinks inside the container, tar stream, errors', async (t) => {
  const { b, d } = await setup(t);
  await b.ok([
    'run',
    '--name',
    'src',
    'busybox',
    'sh',
    '-c',
    'mkdir -p /data/sub && echo a > /data/sub/a && echo mine > /etc/mine && ln -s /etc /etclink && ln -s ../../../../etc /up',
  ]);
  const host = await tempDir(t);
  await copyFromContainer(d, 'src', '/data', path.join(host, 'copy'));
  assert.equal(await fs.readFile(path.join(host, 'copy/sub/a'), 'utf8'), 'a\n');
  await fs.mkdir(path.join(host, 'into'));
  await copyFromContainer(d, 'src', '/data', path.join(host, 'into'));
  assert.equal(await fs.readFile(path.join(host, 'into/data/sub/a'), 'utf8'), 'a\n');
  await fs.mkdir(path.join(host, 'contents'));
  await copyFromContainer(d, 'src', '/data/.', path.join(host, 'contents'));
  assert.deepEqual(await fs.readdir(path.join(host, 'contents')), ['sub']);
  // symlinks resolve inside the container: its /etc, never the host's
  for (const p of ['/etclink/mine', '/up/mine']) {
    await copyFromContainer(d, 'src', p, path.join(host, 'mine'));
    assert.equal(await fs.readFile(path.join(host, 'mine'), 'utf8'), 'mine\n');
  }
  await copyFromContainer(d, 'src', '/etclink', path.join(host, 'link'));
  assert.equal(await fs.readlink(path.join(host, 'link')), '/etc', 'a link is copied as a link');
  await copyFromContainer(d, 'src', '/etclink', path.join(host, 'followed'), { followLink: true });
  assert.equal(await fs.readFile(path.join(host, 'followed/mine'), 'utf8'), 'mine\n');
  const out = sink();
  await copyFromContainer(d, 'src', '/data', out.stream);
  assert.deepEqual([...(await untar(out.data())).keys()], ['data/', 'data/sub/', 'data/sub/a']);
  const dot = sink();
  await copyFromContainer(d, 'src', '/data/.', dot.stream);
  assert.deepEqual([...(await untar(dot.data())).keys()], ['./', './sub/', './sub/a']);
  await assert.rejects(
    copyFromContainer(d, 'src', '/nope', path.join(host, 'x')),
    /^NotFound: Could not find the file \/nope in container src$/,
  );
  await assert.rejects(
    copyFromContainer(d, 'src', '/data', path.join(host, 'copy/sub/a')),
    /cannot copy directory/,
  );
  await notMounted(d, 'src');
});

test('cp into running and stopped containers: the container layer, dir/., tar stream, -a', async (t) => {
  const { b, d } = await setup(t);
  const host = await tempDir(t);
  await fs.mkdir(path.join(host, 'dir/sub'), { recursive: true });
  await fs.writeFile(path.join(host, 'dir/sub/f'), 'f\n');
  await fs.writeFile(path.join(host, 'file'), 'file\n');
  await fs.chown(path.join(host, 'file'), 1234, 1234);
  await b.ok([
    'run',
    '-d',
    '--name',
    'live',
    'busybox',
    'sh',
    '-c',
    'ln -s /etc /etclink; sleep 1000',
  ]);
  await b.ok([
    'create',
    '--name',
    'cold',
    'busybox',
    'sh',
    '-c',
    'cat /file /copied/sub/f /etc/f2 /contents/sub/f /streamed/x',
  ]);
  for (const name of ['live', 'cold']) {
    await copyToContainer(d, name, '/file', path.join(host, 'file'));
    await copyToContainer(d, name, '/copied', path.join(host, 'dir'));
    await copyToContainer(d, name, '/contents', path.join(host, 'dir/.'));
    const tar = craftTar([
      { name: 'streamed/', type: 'directory' },
      { name: 'streamed/x', data: 'streamed\n', uid: 7 },
    ]);
    await copyToContainer(d, name, '/', [tar]);
  }
  await fs.writeFile(path.join(host, 'f2'), 'f2\n');
  // into the running container through its symlink: lands in the container's /etc
  await copyToContainer(d, 'live', '/etclink/', path.join(host, 'f2'));
  assert.equal(await b.ok(['exec', 'live', 'cat', '/etc/f2']), 'f2\n');
  await assert.rejects(fs.access('/etc/f2'), 'never the host /etc');
  assert.equal(
    await b.ok(['exec', 'live', 'cat', '/file', '/copied/sub/f', '/contents/sub/f']),
    'file\nf\nf\n',
  );
  assert.equal(
    await b.ok(['exec', 'live', 'stat', '-c', '%u:%g', '/file']),
    '0:0\n',
    'owned by root',
  );
  await copyToContainer(d, 'live', '/kept', path.join(host, 'file'), { archive: true });
  assert.equal(await b.ok(['exec', 'live', 'stat', '-c', '%u:%g', '/kept']), '1234:1234\n', '-a');
  await copyToContainer(d, 'cold', '/etc/', path.join(host, 'f2'));
  assert.equal(await b.ok(['exec', 'live', 'stat', '-c', '%u', '/streamed/x']), '0\n');
  await notMounted(d, 'cold');
  // read-only: the root file system, and a read-only bind even when reached from above it
  const ro = await tempDir(t);
  await b.ok(['create', '--name', 'ro', '--read-only', '-v', `${ro}:/ro:ro`, 'busybox', 'true']);
  await assert.rejects(
    copyToContainer(d, 'ro', '/tmp', path.join(host, 'file')),
    /container rootfs is marked read-only/,
  );
  await b.ok(['create', '--name', 'robind', '-v', `${ro}:/ro:ro`, 'busybox', 'true']);
  await assert.rejects(
    copyToContainer(d, 'robind', '/', [craftTar([{ name: 'ro/x', data: 'no' }])]),
    /mounted volume is marked read-only/,
  );
  assert.deepEqual(await fs.readdir(ro), [], 'nothing written through a read-only bind');
  await assert.rejects(
    copyToContainer(d, 'cold', '/streamed/file', [craftTar([{ name: 'x' }])]),
    /must be a directory/,
  );
  await assert.rejects(
    copyToContainer(d, 'cold', '/nope/dir/x', path.join(host, 'file')),
    /^NotFound: Could not find the file \/nope\/dir in container cold$/,
  );
  await assert.rejects(
    copyToContainer(d, 'cold', '/', path.join(host, 'missing')),
    /lstat .*missing: no such file or directory/,
  );
  await b.ok(['start', 'cold']);
  assert.equal(await b.ok(['wait', 'cold']), '0\n');
  assert.equal(await b.ok(['logs', 'cold']), 'file\nf\nf2\nf\nstreamed\n');
});
