/** The image commands end to end, through the bundled `berth` executable, each test on its own state root. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { berthFor, craftTar, runCommand, tempDir } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthFor>>;

async function rootfsTar(
  t: Parameters<typeof tempDir>[0],
  files: Record<string, string> = { 'hello.txt': 'hi\n' },
) {
  const dir = await tempDir(t);
  const file = path.join(dir, 'rootfs.tar');
  await fs.writeFile(file, craftTar(Object.entries(files).map(([name, data]) => ({ name, data }))));
  return file;
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

async function storeFiles(b: B): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['content/blobs/sha256', 'snapshots']) {
    const names = await fs.readdir(path.join(b.root, sub)).catch(() => []);
    out.push(...names.filter((n) => n !== 'tmp').map((n) => `${sub}/${n}`));
  }
  return out.sort();
}

test('import makes an image with the changes applied, listed with Docker’s columns', async (t) => {
  const b = await berthFor(t);
  const tar = await rootfsTar(t);
  const id = (
    await b.ok([
      'import',
      '-c',
      'CMD ["cat","/hello.txt"]',
      '--change',
      'ENV A=1 B="two words"',
      '-c',
      'WORKDIR /srv',
      '-c',
      'ENTRYPOINT ["/bin/sh","-c"]',
      '-c',
      'LABEL team=core',
      '-c',
      'EXPOSE 80/tcp 53/udp',
      '-m',
      'first import',
      tar,
      'demo/app:v1',
    ])
  ).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  const table = lines(await b.ok(['images']));
  assert.match(table[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(
    table[1]!,
    new RegExp(
      `^demo/app\\s+v1\\s+${id.slice(7, 19)}\\s+(Less than a second|\\d+ seconds?) ago\\s+\\d+B$`,
    ),
  );
  const cfg = JSON.parse(
    await b.ok(['image', 'inspect', '--format', '{{json .Config}}', 'demo/app:v1']),
  );
  assert.deepEqual(cfg.Cmd, ['cat', '/hello.txt']);
  assert.deepEqual(cfg.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(cfg.Env, ['A=1', 'B=two words']);
  assert.equal(cfg.WorkingDir, '/srv');
  assert.deepEqual(cfg.Labels, { team: 'core' });
  assert.deepEqual(cfg.ExposedPorts, { '53/udp': {}, '80/tcp': {} });
  const [doc] = JSON.parse(await b.ok(['image', 'inspect', 'demo/app:v1']));
  for (const k of [
    'Id',
    'RepoTags',
    'RepoDigests',
    'Created',
    'Config',
    'RootFS',
    'Size',
    'Architecture',
    'Os',
    'Comment',
  ]) {
    assert.ok(k in doc, `inspect has ${k}`);
  }
  assert.equal(doc.Id, id);
  assert.deepEqual(doc.RepoTags, ['demo/app:v1']);
  assert.equal(doc.Comment, 'first import');
  assert.equal(doc.RootFS.Type, 'layers');
  assert.equal(doc.RootFS.Layers.length, 1);
  const hist = lines(await b.ok(['history', 'demo/app:v1']));
  assert.match(hist[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.match(hist[1]!, new RegExp(`^${id.slice(7, 19)}\\s.*first import$`));
});

test('import from stdin, gzip-compressed, untagged shows as <none>', async (t) => {
  const b = await berthFor(t);
  const { gzipSync } = await import('node:zlib');
  const id = (
    await b.ok(['import', '-'], { input: gzipSync(craftTar([{ name: 'x', data: 'y' }])) })
  ).trim();
  const rows = lines(await b.ok(['images', '--no-trunc']));
  assert.match(rows[1]!, new RegExp(`^<none>\\s+<none>\\s+${id}\\s`));
  assert.deepEqual(lines(await b.ok(['images', '-q', '--filter', 'dangling=true'])), [
    id.slice(7, 19),
  ]);
  assert.deepEqual(lines(await b.ok(['images', '-q', '--filter', 'dangling=false'])), []);
});

test('import and load read zstd-compressed input', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const tar = await rootfsTar(t, { 'z.txt': 'zstd content' });
  const zst = path.join(dir, 'rootfs.tar.zst');
  const z = await runCommand('zstd', ['-q', '-19', tar, '-o', zst]);
  assert.equal(z.code, 0, z.stderr);
  const id = (await b.ok(['import', zst, 'zstd:in'])).trim();
  const plain = (await b.ok(['import', tar, 'plain:in'])).trim();
  const [zdoc, pdoc] = JSON.parse(await b.ok(['image', 'inspect', id, plain])) as {
    RootFS: { Layers: string[] };
  }[];
  assert.deepEqual(zdoc!.RootFS.Layers, pdoc!.RootFS.Layers, 'same files, same layer');
  const saved = path.join(dir, 'saved.tar');
  await b.ok(['save', '-o', saved, 'zstd:in']);
  await runCommand('zstd', ['-q', saved, '-o', `${saved}.zst`]);
  await b.ok(['rmi', 'zstd:in']);
  assert.equal(await b.ok(['load', '-i', `${saved}.zst`]), 'Loaded image: zstd:in\n');
});

test('listing: -q, --digests, --format, reference and label filters', async (t) => {
  const b = await berthFor(t);
  const tar = await rootfsTar(t);
  const id1 = (await b.ok(['import', '-c', 'LABEL tier=web', tar, 'web/front:1'])).trim();
  const id2 = (await b.ok(['import', await rootfsTar(t, { other: 'file' }), 'db/store:2'])).trim();
  await b.ok(['tag', 'web/front:1', 'web/front:latest']);
  assert.deepEqual(
    lines(await b.ok(['images', '-q'])).sort(),
    [id1, id1, id2].map((i) => i.slice(7, 19)).sort(),
  );
  assert.deepEqual(
    lines(await b.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'web/front'])).sort(),
    ['web/front:1', 'web/front:latest'],
  );
  assert.deepEqual(
    lines(await b.ok(['images', '--format', '{{.Repository}}', '--filter', 'reference=db/*'])),
    ['db/store'],
  );
  assert.deepEqual(
    lines(await b.ok(['images', '--format', '{{.Tag}}', '--filter', 'label=tier=web'])).sort(),
    ['1', 'latest'],
  );
  assert.match(
    lines(await b.ok(['images', '--digests']))[0]!,
    /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/,
  );
  const json = lines(await b.ok(['images', '--format', '{{json .}}'])).map(
    (l) => JSON.parse(l) as Record<string, string>,
  );
  assert.equal(json.length, 3);
  for (const k of [
    'Containers',
    'CreatedAt',
    'CreatedSince',
    'Digest',
    'ID',
    'Repository',
    'SharedSize',
    'Size',
    'Tag',
    'UniqueSize',
    'VirtualSize',
  ]) {
    assert.ok(k in json[0]!, `json row has ${k}`);
  }
  const table = lines(await b.ok(['images', '--format', 'table {{.ID}}\t{{.Tag}}']));
  assert.match(table[0]!, /^IMAGE ID\s+TAG$/);
});

test('rmi untags a name while others remain, deletes with the last, and refuses an ID with several repositories', async (t) => {
  const b = await berthFor(t);
  const id = (await b.ok(['import', await rootfsTar(t), 'one:1'])).trim();
  await b.ok(['tag', 'one:1', 'two:2']);
  const conflict = await b.berth(['rmi', id.slice(7, 19)]);
  assert.equal(conflict.code, 1);
  assert.match(
    conflict.stderr,
    /^Error: conflict: unable to delete [0-9a-f]{12} \(must be forced\) - image is referenced in multiple repositories\n$/,
  );
  assert.equal(await b.ok(['rmi', 'one:1']), 'Untagged: one:1\n');
  const out = lines(await b.ok(['rmi', 'two:2']));
  assert.deepEqual(out.slice(0, 2), ['Untagged: two:2', `Deleted: ${id}`]);
  assert.deepEqual(await storeFiles(b), [], 'the layer and blobs went with the last image');
  const again = (await b.ok(['import', await rootfsTar(t), 'one:1'])).trim();
  await b.ok(['tag', 'one:1', 'two:2']);
  const forced = lines(await b.ok(['rmi', '-f', again]));
  assert.deepEqual(forced.slice(0, 3), ['Untagged: one:1', 'Untagged: two:2', `Deleted: ${again}`]);
});

test('an unknown image is "No such image" on stderr with exit 1', async (t) => {
  const b = await berthFor(t);
  for (const args of [
    ['image', 'inspect', 'nope'],
    ['rmi', 'nope'],
    ['history', 'nope'],
    ['tag', 'nope', 'x'],
    ['save', '-o', '/tmp/never.tar', 'nope'],
  ]) {
    const r = await b.berth(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, 'Error: No such image: nope\n', args.join(' '));
  }
  const inspect = await b.berth(['image', 'inspect', 'nope']);
  assert.equal(inspect.stdout, '[]\n');
  await assert.rejects(fs.access('/tmp/never.tar'));
});

test('bad input gives one clear line, a non-zero exit, and leaves nothing behind', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const notTar = path.join(dir, 'not.tar');
  await fs.writeFile(notTar, 'just some text, not an archive\n'.repeat(100));
  const evil = path.join(dir, 'evil.tar');
  await fs.writeFile(
    evil,
    craftTar([
      { name: 'ok', data: 'fine' },
      { name: '../escape', data: 'x' },
    ]),
  );
  const cases: [string[], RegExp, number][] = [
    [
      ['import', path.join(dir, 'missing.tar')],
      /^Error: open .*missing\.tar: no such file or directory$/,
      1,
    ],
    [['import', notTar], /^Error: not a tar archive/, 1],
    [['import', evil], /^Error: unsafe layer entry "\.\.\/escape": parent traversal/, 1],
    [
      ['import', notTar, 'team/App'],
      /^Error: invalid reference format: repository name \(team\/App\) must be lowercase$/,
      1,
    ],
    [['import', notTar, 'app:'], /^Error: invalid reference format/, 1],
    [['import', '-c', 'RUN rm -rf /', notTar], /^Error: RUN is not a valid change command$/, 1],
    [['tag', 'x', 'app@sha256:123'], /^Error: invalid reference format/, 1],
    [['images', '--bogus'], /^berth: unknown flag: --bogus$/, 125],
    [['images', '--filter', 'color=red'], /^Error: invalid filter 'color'$/, 1],
    [['load', '-i', notTar], /^Error: not a tar archive/, 1],
    [['save', '--format', 'zip', 'x'], /^Error: invalid --format "zip"/, 1],
  ];
  for (const [args, message, code] of cases) {
    const r = await b.berth(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const errLines = lines(r.stderr);
    assert.match(errLines[0]!, message, args.join(' '));
    assert.ok(errLines.length <= 2, `at most the message and a usage hint: ${r.stderr}`);
  }
  assert.deepEqual(await storeFiles(b), [], 'no blob or snapshot left behind');
  const check = await b.ok(['system', 'check', '--no-repair']);
  assert.match(check, /the store is clean/);
});

test('save and load round-trip to the same image ID, in both formats', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const id = (
    await b.ok([
      'import',
      '-c',
      'CMD ["sh"]',
      await rootfsTar(t, { 'a/b': 'c', d: 'e' }),
      'round/trip:1',
    ])
  ).trim();
  await b.ok(['tag', 'round/trip:1', 'round/trip:2']);
  for (const format of ['docker', 'oci']) {
    const file = path.join(dir, `${format}.tar`);
    await b.ok(['save', '--format', format, '-o', file, 'round/trip']);
    await b.ok(['rmi', '-f', id]);
    const out = lines(await b.ok(['load', '-i', file]));
    assert.deepEqual(out.sort(), ['Loaded image: round/trip:1', 'Loaded image: round/trip:2']);
    assert.equal((await b.ok(['image', 'inspect', '-f', '{{.Id}}', 'round/trip:2'])).trim(), id);
  }
  // stdout and stdin, and the same bytes every time
  const viaStdout = await b.berth(['save', 'round/trip:1'], {});
  const file = path.join(dir, 'again.tar');
  await b.ok(['save', '-o', file, 'round/trip:1']);
  assert.equal(viaStdout.stdout.length > 0, true);
  const first = await fs.readFile(file);
  await b.ok(['save', '-o', file, 'round/trip:1']);
  assert.deepEqual(await fs.readFile(file), first, 'save is deterministic');
  await b.ok(['rmi', '-f', id]);
  assert.match(await b.ok(['load', '-q'], { input: first }), /^Loaded image: round\/trip:1\n$/);
});

test('prune removes dangling images, -a all of them, and df and check account for the store', async (t) => {
  const b = await berthFor(t);
  const keep = (await b.ok(['import', await rootfsTar(t, { k: 'keep' }), 'keep:1'])).trim();
  const dangling = (await b.ok(['import', await rootfsTar(t, { d: 'dangling' })])).trim();
  const df = lines(await b.ok(['system', 'df']));
  assert.match(df[0]!, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
  assert.match(df[1]!, /^Images\s+2\s+0\s+\S+\s+\S+ \(100%\)$/);
  const pruned = await b.ok(['image', 'prune', '-f']);
  assert.match(pruned, new RegExp(`^Deleted Images:\\ndeleted: ${dangling}\\n`));
  assert.match(pruned, /Total reclaimed space: \d+(\.\d+)?[kM]?B\n$/);
  assert.deepEqual(lines(await b.ok(['images', '-q', '--no-trunc'])), [keep]);
  assert.match(await b.ok(['image', 'prune', '-f']), /^Total reclaimed space: 0B\n$/);
  const all = await b.ok(['image', 'prune', '-a', '-f']);
  assert.match(all, /untagged: keep:1/);
  assert.deepEqual(await storeFiles(b), []);
  assert.match(await b.ok(['system', 'check']), /the store is clean/);
});

test('the built-in busybox image is reproducible and has every applet', async (t) => {
  const b = await berthFor(t);
  const c = await berthFor(t);
  const id = (await b.ok(['image', 'builtin', 'busybox'])).trim();
  assert.equal(
    (await c.ok(['image', 'builtin', 'busybox'])).trim(),
    id,
    'same binary, same image ID on another state root',
  );
  const [doc] = JSON.parse(await b.ok(['image', 'inspect', 'busybox']));
  assert.deepEqual(doc.RepoTags, ['busybox:latest']);
  assert.deepEqual(doc.Config.Cmd, ['sh']);
  const snap = (await fs.readdir(path.join(b.root, 'snapshots'))).find((n) => n !== 'tmp')!;
  const bin = path.join(b.root, 'snapshots', snap, 'fs', 'bin');
  for (const applet of ['sh', 'ls', 'httpd', 'wget']) {
    assert.equal(
      (await fs.stat(path.join(bin, applet))).ino,
      (await fs.stat(path.join(bin, 'busybox'))).ino,
      applet,
    );
  }
});

test('help and version follow Docker’s layout', async (t) => {
  const b = await berthFor(t);
  assert.match(await b.ok(['--version']), /^berth version \d+\.\d+\.\d+/);
  const help = await b.ok(['images', '--help']);
  assert.match(help, /Usage: {2}berth image ls \[OPTIONS\] \[REPOSITORY\[:TAG\]\]/);
  assert.match(help, /Aliases:\n {2}berth image ls, berth image list, berth images/);
  assert.match(help, /\n {2}-a, --all +Show all images/);
  assert.match(help, /\n {6}--digests +Show digests/);
  assert.match(
    await b.ok(['--help']),
    /Management Commands:\n {2}builder +Manage builds\n {2}container +Manage containers\n {2}image +Manage images\n {2}manifest +Manage Docker image manifests and manifest lists\n {2}network +Manage networks/,
  );
  const r = await b.berth(['frobnicate']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /unknown command: berth frobnicate/);
});

test('a load that fails half-way keeps the images it finished and leaves nothing else', async (t) => {
  const b = await berthFor(t);
  const dir = await tempDir(t);
  const { createHash } = await import('node:crypto');
  const sha = (x: Buffer) => createHash('sha256').update(x).digest('hex');
  const layer1 = craftTar([{ name: 'one', data: 'first layer' }]);
  const layer2 = craftTar([{ name: 'two', data: 'second layer' }]);
  const config = (diffIds: string[]) =>
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
  const good = config([`sha256:${sha(layer1)}`]);
  // the second image's second diff ID is wrong: its first layer unpacks, its second is refused
  const bad = config([`sha256:${sha(layer1)}`, `sha256:${'0'.repeat(64)}`]);
  const files = [
    { name: `blobs/sha256/${sha(layer1)}`, data: layer1 },
    { name: `blobs/sha256/${sha(layer2)}`, data: layer2 },
    { name: `blobs/sha256/${sha(good)}`, data: good },
    { name: `blobs/sha256/${sha(bad)}`, data: bad },
    {
      name: 'manifest.json',
      data: JSON.stringify([
        {
          Config: `blobs/sha256/${sha(good)}`,
          RepoTags: ['good:1'],
          Layers: [`blobs/sha256/${sha(layer1)}`],
        },
        {
          Config: `blobs/sha256/${sha(bad)}`,
          RepoTags: ['bad:1'],
          Layers: [`blobs/sha256/${sha(layer1)}`, `blobs/sha256/${sha(layer2)}`],
        },
      ]),
    },
  ];
  const archive = path.join(dir, 'half.tar');
  await fs.writeFile(archive, craftTar(files));
  const r = await b.berth(['load', '-i', archive]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not match its diff ID/);
  assert.deepEqual(lines(await b.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])), [
    'good:1',
  ]);
  assert.equal(await b.ok(['system', 'check', '--no-repair']), 'the store is clean\n');
});
