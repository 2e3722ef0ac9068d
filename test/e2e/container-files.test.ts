/** diff, export, commit and cp through the CLI, on real containers. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { readTar } from '../../src/archive/tar-reader.js';
import { berthBin, berthWithContainers, craftTar, runCommand, tempDir } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthWithContainers>>;

const SEED = 'echo x > /etc/new; rm /etc/group; echo y >> /etc/passwd';

/** Entry names of a tar. */
async function names(tar: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const { header } of readTar([tar])) out.push(header.name);
  return out;
}

/** Run berth with binary stdout. */
async function raw(b: B, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(berthBin, args, {
      env: { ...process.env, BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`berth ${args.join(' ')}: ${code}: ${Buffer.concat(err).toString()}`)),
    );
    child.stdin.end(input);
  });
}

/** Nothing of this (stopped) container mounted, once its monitor's cleanup has run. */
async function notMounted(b: B, name: string) {
  const id = (await b.ok(['inspect', '-f', '{{.Id}}', name])).trim();
  for (let i = 0; i < 200; i++) {
    const status = (await b.ok(['inspect', '-f', '{{.State.Status}}', name])).trim();
    const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
    if (status !== 'running' && !mounts.includes(id)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${name} is left mounted`);
}

test('diff and export: the seeds, Docker lines, nothing left mounted', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok(['run', '--name', 'seed', 'busybox', 'sh', '-c', SEED]);
  assert.equal(await b.ok(['diff', 'seed']), 'C /etc\nD /etc/group\nA /etc/new\nC /etc/passwd\n');
  assert.equal(await b.ok(['container', 'diff', 'seed']), await b.ok(['diff', 'seed']));
  const tar = await raw(b, ['export', 'seed']);
  const entries = await names(tar);
  for (const n of ['bin/', 'bin/busybox', 'etc/new', 'etc/passwd'])
    assert.ok(entries.includes(n), n);
  assert.ok(!entries.includes('etc/group'));
  const file = path.join(await tempDir(t), 'seed.tar');
  await b.ok(['container', 'export', '-o', file, 'seed']);
  assert.deepEqual(await fs.readFile(file), tar);
  await notMounted(b, 'seed');
  const missing = await b.berth(['export', '-o', '/nope/x.tar', 'seed']);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^Error: failed to export container: invalid output path: directory "\/nope" does not exist/,
  );
  const driver = path.join(import.meta.dirname, 'pty-driver.py');
  const r = await runCommand(
    'python3',
    [driver, '[["expect", "redirect"]]', berthBin, 'export', 'seed'],
    {
      env: { BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot },
    },
  );
  assert.match(r.stdout, /cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
  assert.equal((await b.berth(['diff', 'nope'])).stderr, 'Error: No such container: nope\n');
});

test('commit: run a base, change it, commit, run the new image', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok(['run', '--name', 'base', 'busybox', 'sh', '-c', 'echo hello > /hello']);
  const id = (
    await b.ok([
      'commit',
      '-m',
      'added hello',
      '-a',
      'Ann',
      '-c',
      'CMD ["cat","/hello"]',
      'base',
      'hello:v1',
    ])
  ).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await b.ok(['run', '--rm', 'hello:v1']), 'hello\n');
  const layers = async (image: string) =>
    JSON.parse(
      await b.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image]),
    ) as string[];
  assert.equal((await layers('hello:v1')).length, (await layers('busybox')).length + 1);
  assert.equal(
    await b.ok(['image', 'inspect', '-f', '{{.Id}} {{json .Config.Cmd}}', 'hello:v1']),
    `${id} ["cat","/hello"]\n`,
  );
  const history = await b.ok([
    'history',
    '--no-trunc',
    '--format',
    '{{.CreatedBy}}|{{.Comment}}',
    'hello:v1',
  ]);
  assert.equal(history.split('\n')[0], 'sh -c echo hello > /hello|added hello');
  // a second generation on top of the first, from a running container
  await b.ok([
    'run',
    '-d',
    '--name',
    'gen2',
    'hello:v1',
    'sh',
    '-c',
    'echo again >> /hello; sleep 1000',
  ]);
  for (let i = 0; i < 100 && !(await b.ok(['diff', 'gen2'])).includes('/hello'); i++)
    await new Promise((r) => setTimeout(r, 50));
  await b.ok(['commit', 'gen2', 'hello:v2']);
  assert.equal(await b.ok(['inspect', '-f', '{{.State.Status}}', 'gen2']), 'running\n');
  assert.equal(await b.ok(['run', '--rm', 'hello:v2', 'cat', '/hello']), 'hello\nagain\n');
  const bad = await b.berth(['commit', '-c', 'BOGUS x', 'base']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /BOGUS is not a valid change command/);
});

test('cp: both directions, running and stopped, dir/., symlinks, tar streams, errors', async (t) => {
  const b = await berthWithContainers(t);
  const host = await tempDir(t);
  await fs.mkdir(path.join(host, 'app/conf'), { recursive: true });
  await fs.writeFile(path.join(host, 'app/conf/a.conf'), 'a=1\n');
  await fs.writeFile(path.join(host, 'note'), 'note\n');
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
    'run',
    '--name',
    'done',
    'busybox',
    'sh',
    '-c',
    'mkdir /out && echo result > /out/r && ln -s /etc /etclink',
  ]);

  // into the running container
  await b.ok(['cp', path.join(host, 'note'), 'live:/note']);
  await b.ok(['cp', path.join(host, 'app'), 'live:/srv']);
  await b.ok(['cp', `${path.join(host, 'app')}/.`, 'live:/tmp']);
  await b.ok(['cp', path.join(host, 'note'), 'live:/etclink/']);
  assert.equal(
    await b.ok([
      'exec',
      'live',
      'cat',
      '/note',
      '/srv/conf/a.conf',
      '/tmp/conf/a.conf',
      '/etc/note',
    ]),
    'note\na=1\na=1\nnote\n',
  );
  await assert.rejects(fs.access('/etc/note'), 'the symlink resolved inside the container');
  await b.ok(['cp', '-', 'live:/tmp'], {
    input: craftTar([{ name: 'streamed', data: 'via stdin\n' }]),
  });
  assert.equal(await b.ok(['exec', 'live', 'cat', '/tmp/streamed']), 'via stdin\n');

  // out of the stopped container
  await b.ok(['cp', 'done:/out', path.join(host, 'out')]);
  assert.equal(await fs.readFile(path.join(host, 'out/r'), 'utf8'), 'result\n');
  await fs.mkdir(path.join(host, 'contents'));
  await b.ok(['cp', 'done:/out/.', path.join(host, 'contents')]);
  assert.deepEqual(await fs.readdir(path.join(host, 'contents')), ['r']);
  await b.ok(['cp', 'done:/etclink/passwd', path.join(host, 'passwd')]);
  assert.equal(
    await fs.readFile(path.join(host, 'passwd'), 'utf8'),
    await b.ok(['run', '--rm', 'busybox', 'cat', '/etc/passwd']),
    "the container's /etc/passwd, not the host's",
  );
  assert.deepEqual(await names(await raw(b, ['cp', 'done:/out', '-'])), ['out/', 'out/r']);
  await notMounted(b, 'done');

  // into the stopped container, then run it
  await b.ok(['cp', path.join(host, 'note'), 'done:/out/']);
  await b.ok(['cp', 'done:/out/note', path.join(host, 'back')]);
  assert.equal(await fs.readFile(path.join(host, 'back'), 'utf8'), 'note\n');
  assert.match(await b.ok(['diff', 'done']), /^A \/out\/note$/m);
  await notMounted(b, 'done');

  // out of the running one
  assert.deepEqual(await names(await raw(b, ['cp', 'live:/srv/.', '-'])), [
    './',
    './conf/',
    './conf/a.conf',
  ]);

  const missing = await b.berth(['cp', 'live:/nope', host]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: Could not find the file /nope in container live\n');
  assert.match(
    (await b.berth(['cp', 'a:/x', 'b:/y'])).stderr,
    /copying between containers is not supported/,
  );
  assert.match(
    (await b.berth(['cp', 'x', 'y'])).stderr,
    /must specify at least one container source/,
  );
  assert.match(
    await b.ok(['cp', '--help']),
    /Usage: {2}berth container cp \[OPTIONS\] CONTAINER:SRC_PATH DEST_PATH\|-/,
  );
});
