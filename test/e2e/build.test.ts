/**
 * `berth build` end to end: the seeds' Dockerfiles on the built-in busybox, the cache, bad
 * Dockerfiles, ADD, and reproducible images. RUN steps run in real containers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { berthWithContainers, runCommand } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthWithContainers>>;

async function context(
  t: Parameters<typeof berthWithContainers>[0],
  files: Record<string, string>,
) {
  const dir = await fs.mkdtemp('/tmp/berth-ctx-');
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
  return dir;
}

const build = (b: B, dir: string, ...args: string[]) =>
  b.berth(['build', '--network', 'none', ...args, dir]);

test("the seeds' single-stage Dockerfile: builds, runs, rebuilds from cache, reruns only what changed", async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'FROM busybox',
      'WORKDIR /app',
      'COPY package.json .',
      'RUN echo installed > deps.txt',
      'COPY server.js .',
      'RUN wc -c server.js > size.txt',
      'CMD ["sh", "-c", "cat deps.txt size.txt server.js"]',
      '',
    ].join('\n'),
    'package.json': '{"name":"app"}\n',
    'server.js': 'console.log(1)\n',
  });
  const first = await build(b, dir, '-t', 'app:1');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /naming to app:1 done/);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'app:1']),
    'installed\n15 server.js\nconsole.log(1)\n',
  );
  const id = (await b.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:1'])).trim();

  const again = await build(b, dir, '-t', 'app:1');
  assert.equal((again.stdout.match(/CACHED/g) ?? []).length, 6, again.stdout);
  assert.equal((await b.ok(['image', 'inspect', '-f', '{{.Id}}', 'app:1'])).trim(), id);

  await fs.writeFile(path.join(dir, 'server.js'), 'console.log(22)\n');
  const changed = await build(b, dir, '-t', 'app:1', '--explain-cache');
  assert.match(changed.stdout, /cache miss: files changed: server\.js/);
  assert.equal(changed.code, 0, changed.stderr);
  // WORKDIR, COPY package.json and the first RUN come from the cache; the rest runs again
  assert.equal((changed.stdout.match(/CACHED/g) ?? []).length, 3, changed.stdout);
  assert.match(changed.stdout, /COPY server\.js \.\n(#\d+ cache miss: .*\n)+#\d+ DONE/);
  assert.match(await b.ok(['run', '--rm', '--network', 'none', 'app:1']), /16 server\.js/);
  // intermediates are not listed, except with -a
  const listed = (await b.ok(['images', '-q'])).trim().split('\n');
  // busybox, app:1 and the app:1 before the change (now untagged, as in Docker)
  assert.equal(listed.length, 3, listed.join(' '));
  assert.ok((await b.ok(['images', '-aq'])).trim().split('\n').length > listed.length);
  // the build cache: counted by system df, emptied by builder prune (the tagged image stays)
  assert.match(await b.ok(['system', 'df']), /^Build Cache\s+[1-9]\d*\s/m);
  assert.match(await b.ok(['builder', 'prune', '-f']), /Total reclaimed space/);
  assert.match(await b.ok(['system', 'df']), /^Build Cache\s+0\s/m);
  assert.match(await b.ok(['run', '--rm', '--network', 'none', 'app:1']), /16 server\.js/);
  const rebuilt = await build(b, dir, '-t', 'app:1');
  assert.doesNotMatch(rebuilt.stdout, /CACHED/);
});

test('multi-stage with COPY --from, and ENV/LABEL/EXPOSE/USER/HEALTHCHECK in the config', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'ARG BASE=busybox',
      'FROM $BASE AS builder',
      'ARG MSG=built',
      'RUN mkdir /out && echo "$MSG" > /out/artifact',
      'FROM ${BASE}',
      'ENV APP_ENV=production PORT=8080',
      'LABEL org.example.team="platform" version=1',
      'EXPOSE 8080 9090/udp',
      'COPY --from=builder /out/artifact /srv/artifact',
      'COPY --chown=nobody:nogroup --chmod=640 note.txt /srv/',
      'USER nobody',
      'HEALTHCHECK --interval=5s --retries=2 CMD cat /srv/artifact',
      'CMD cat /srv/artifact',
      '',
    ].join('\n'),
    'note.txt': 'note\n',
  });
  const r = await build(
    b,
    dir,
    '-t',
    'multi',
    '--build-arg',
    'MSG=from-arg',
    '--label',
    'extra=yes',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'multi']), 'from-arg\n');
  const config = JSON.parse(
    await b.ok(['image', 'inspect', '-f', '{{json .Config}}', 'multi']),
  ) as {
    Env: string[];
    Labels: Record<string, string>;
    ExposedPorts: Record<string, unknown>;
    User: string;
    Healthcheck: { Test: string[]; Interval: number; Retries: number };
    Cmd: string[];
  };
  assert.ok(config.Env.includes('APP_ENV=production') && config.Env.includes('PORT=8080'));
  assert.deepEqual(config.Labels, { 'org.example.team': 'platform', version: '1', extra: 'yes' });
  assert.deepEqual(Object.keys(config.ExposedPorts).sort(), ['8080/tcp', '9090/udp']);
  assert.equal(config.User, 'nobody');
  assert.deepEqual(config.Healthcheck, {
    Test: ['CMD-SHELL', 'cat /srv/artifact'],
    Interval: 5e9,
    Retries: 2,
  });
  assert.deepEqual(config.Cmd, ['/bin/sh', '-c', 'cat /srv/artifact']);
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      'root',
      'multi',
      'stat',
      '-c',
      '%U:%G %a',
      '/srv/note.txt',
    ]),
    'nobody:nogroup 640\n',
  );
  // --target builds only the stage asked for
  const only = await build(b, dir, '--target', 'builder', '-t', 'stage1');
  assert.equal(only.code, 0, only.stderr);
  assert.doesNotMatch(only.stdout, /stage-1/);
});

test("the seeds' .dockerignore: *.log, temp/, data/* with !data/important-data.json", async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: 'FROM busybox\nCOPY . /ctx/\n',
    '.dockerignore': '*.log\ntemp/\ndata/*\n!data/important-data.json\n',
    'app.js': 'x\n',
    'debug.log': 'x\n',
    'temp/t.txt': 'x\n',
    'data/other.json': '{}\n',
    'data/important-data.json': '{}\n',
  });
  assert.equal((await build(b, dir, '-t', 'ign')).code, 0);
  const files = await b.ok([
    'run',
    '--rm',
    '--network',
    'none',
    'ign',
    'find',
    '/ctx',
    '-type',
    'f',
  ]);
  assert.deepEqual(files.trim().split('\n').sort(), [
    '/ctx/.dockerignore',
    '/ctx/Dockerfile',
    '/ctx/app.js',
    '/ctx/data/important-data.json',
  ]);
});

test('bad Dockerfiles: one clear error with the line, nothing left behind', async (t) => {
  const b = await berthWithContainers(t);
  const cases: [string, RegExp][] = [
    ['FROM busybox\nCOPPY a b\n', /^Error: Dockerfile:2: unknown instruction: COPPY/m],
    ['FROM busybox\nCOPY --bogus=1 a b\n', /^Error: Dockerfile:2: unknown flag: --bogus/m],
    ['FROM busybox\nCOPY missing.txt /x\n', /^Error: Dockerfile:2: .*"\/missing\.txt": not found/m],
    ['FROM busybox\nRUN <<EOF\necho hi\n', /^Error: Dockerfile:2: .*heredoc/im],
    // a base that is not here is pulled: from a closed loopback port (tests stay on loopback)
    [
      'FROM 127.0.0.1:1/nosuchimage:1\n',
      /^Error: Dockerfile:1: .*dial tcp 127\.0\.0\.1:1: connect: connection refused/m,
    ],
    [
      'FROM busybox\nRUN echo before\nRUN exit 3\n',
      /^Error: Dockerfile:3: process "\/bin\/sh -c exit 3" did not complete successfully: exit code: 3/m,
    ],
  ];
  const images = await b.ok(['images', '-aq']);
  for (const [text, message] of cases) {
    const dir = await context(t, { Dockerfile: text });
    const r = await build(b, dir, '-t', 'bad');
    assert.equal(r.code, 1, text);
    assert.match(r.stderr, message, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(await b.ok(['ps', '-aq']), '', 'no container left');
  assert.equal((await b.ok(['images', '-q'])).trim(), images.trim().split('\n')[0], 'no new image');
  const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
  assert.ok(!mounts.includes(b.root), 'no mount left');
});

test('ADD extracts a local tar and fetches a URL (from a server on loopback)', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, { 'inner/hello.txt': 'hello from tar\n' });
  await runCommand('tar', [
    '-czf',
    path.join(dir, 'bundle.tar.gz'),
    '-C',
    path.join(dir, 'inner'),
    '.',
  ]);
  const server = http.createServer((_req, res) => res.end('fetched\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    `FROM busybox\nADD bundle.tar.gz /opt/\nADD http://127.0.0.1:${port}/remote.txt /opt/\n`,
  );
  const r = await build(b, dir, '-t', 'added');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--network',
      'none',
      'added',
      'sh',
      '-c',
      'cat /opt/hello.txt /opt/remote.txt; stat -c %a /opt/remote.txt',
    ]),
    'hello from tar\nfetched\n600\n',
  );

  // --checksum: checked against the bytes; a rebuild is keyed by it and downloads nothing
  const sum = 'sha256:' + createHash('sha256').update('fetched\n').digest('hex');
  const url = `http://127.0.0.1:${port}/remote.txt`;
  let requests = 0;
  server.on('request', () => requests++);
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    `FROM busybox\nADD --checksum=${sum} ${url} /c/\n`,
  );
  const checked = await build(b, dir, '-t', 'checked');
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(requests, 1);
  const again = await build(b, dir, '-t', 'checked');
  assert.match(again.stdout, /ADD --checksum=\S+ \S+ \/c\/\n#\d+ CACHED/);
  assert.equal(requests, 1);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'checked', 'cat', '/c/remote.txt']),
    'fetched\n',
  );
  const wrong = sum.slice(0, -4) + '0000';
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    `FROM busybox\nADD --checksum=${wrong} ${url} /c/\n`,
  );
  const bad = await build(b, dir, '-t', 'bad');
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    /Dockerfile:2: digest mismatch for http:\S+: expected sha256:\w+, got sha256:\w+/,
  );
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    `FROM busybox\nADD --checksum=${sum} bundle.tar.gz /c/\n`,
  );
  const local = await build(b, dir, '-t', 'bad');
  assert.match(
    local.stderr,
    /Dockerfile:2: checksum can only be used with a single HTTP\(S\) source/,
  );
});

test('SOURCE_DATE_EPOCH: the same context built in two state roots gives the same image ID', async (t) => {
  const dir = await context(t, {
    Dockerfile: 'FROM busybox\nCOPY f /f\nRUN echo made > /made\nENV X=1\n',
    f: 'same\n',
  });
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const b = await berthWithContainers(t);
    const r = await b.berth(['build', '--network', 'none', '-q', dir], {
      env: { SOURCE_DATE_EPOCH: '1700000000' },
    });
    assert.equal(r.code, 0, r.stderr);
    ids.push(r.stdout.trim());
  }
  assert.match(ids[0]!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(ids[0], ids[1]);
});

test('RUN --mount: a secret never stored, a cache kept across builds, bind and tmpfs; RUN --network', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'FROM busybox',
      'RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /token-len',
      'RUN --mount=type=cache,target=/cache echo x >> /cache/hits && wc -l < /cache/hits > /hits',
      'RUN --mount=type=bind,source=conf,target=/mnt/conf cp /mnt/conf/a.conf /copied.conf',
      'RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/f',
      'RUN --network=none ls /sys/class/net > /links',
      '',
    ].join('\n'),
    'conf/a.conf': 'cfg\n',
  });
  const secret = path.join(dir, '..', `${path.basename(dir)}-secret`);
  await fs.writeFile(secret, 'top-secret-value\n');
  t.after(() => fs.rm(secret, { force: true }));
  for (let i = 0; i < 2; i++) {
    const r = await build(b, dir, '--no-cache', '--secret', `id=token,src=${secret}`, '-t', 'mnt');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /top-secret-value/);
  }
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--network',
      'none',
      'mnt',
      'sh',
      '-c',
      'cat /token-len /hits /copied.conf /links; ls -d /run/secrets /cache /mnt /scratch 2>/dev/null; true',
    ]),
    '17\n2\ncfg\nlo\n',
  );
  // a bind mount's content is part of the step's key: changing it is a miss, not a stale hit
  await fs.writeFile(path.join(dir, 'conf', 'a.conf'), 'cfg2\n');
  const rebuilt = await build(b, dir, '--secret', `id=token,src=${secret}`, '-t', 'mnt');
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'mnt', 'cat', '/copied.conf']),
    'cfg2\n',
  );
  const saved = await b.berth(['save', 'mnt']);
  assert.ok(!saved.stdout.includes('top-secret-value'), 'the secret is in no layer');
});

test('a context tar on stdin, a Dockerfile on stdin, and ONBUILD triggers run by the child', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: 'FROM busybox\nONBUILD COPY f.txt /child.txt\nONBUILD RUN echo triggered > /trig\n',
    'f.txt': 'from the tar\n',
  });
  const packed = path.join(dir, '..', `${path.basename(dir)}.tgz`);
  t.after(() => fs.rm(packed, { force: true }));
  await runCommand('tar', ['-czf', packed, '-C', dir, '.']);
  const parent = await b.berth(['build', '--network', 'none', '-q', '-t', 'parent', '-'], {
    input: await fs.readFile(packed),
  });
  assert.equal(parent.code, 0, parent.stderr);
  await fs.writeFile(path.join(dir, 'Dockerfile'), 'FROM parent\nCMD cat /child.txt /trig\n');
  await runCommand('tar', ['-czf', packed, '-C', dir, '.']);
  const child = await b.berth(['build', '--network', 'none', '-t', 'child', '-'], {
    input: await fs.readFile(packed),
  });
  assert.equal(child.code, 0, child.stderr);
  assert.match(child.stdout, /ONBUILD COPY f\.txt \/child\.txt/);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'child']),
    'from the tar\ntriggered\n',
  );
  assert.equal(
    (await b.ok(['image', 'inspect', '-f', '{{json .Config.OnBuild}}', 'child'])).trim(),
    'null',
  );
  // just a Dockerfile on stdin: an empty context
  const only = await b.berth(['build', '--network', 'none', '-t', 'df', '-'], {
    input: 'FROM busybox\nRUN echo only-dockerfile\n',
  });
  assert.equal(only.code, 0, only.stderr);
  assert.match(only.stdout, /only-dockerfile/);
});

test('examples/node-app: the offline Node.js base, the multi-stage app built, run as nobody, answering', async (t) => {
  const b = await berthWithContainers(t);
  const env = { ...process.env, BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot };
  const examples = path.join(import.meta.dirname, '..', '..', 'examples');
  const base = await runCommand(path.join(examples, 'node-base', 'make.sh'), [], { env });
  assert.equal(base.code, 0, base.stderr);
  const app = await build(b, path.join(examples, 'node-app'), '-t', 'node-app:test');
  assert.equal(app.code, 0, app.stderr);
  assert.match(app.stdout, /selftest ok/);
  const port = 21000 + Math.floor(Math.random() * 1000);
  await b.ok(['run', '-d', '--name', 'napp', '-p', `127.0.0.1:${port}:3000`, 'node-app:test']);
  let body = '';
  for (let i = 0; i < 50 && !body; i++) {
    body = await fetch(`http://127.0.0.1:${port}/x`).then(
      (r) => r.text(),
      () => '',
    );
    if (!body) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(JSON.parse(body), { hello: 'from berth', path: '/x', user: 65534 });
});

test('heredocs: a RUN script, heredocs the shell redirects, and COPY <<EOF', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'FROM busybox',
      'RUN <<EOF',
      'echo one > /one',
      'echo two >> /one',
      'EOF',
      'RUN cat <<A > /a && cat <<B > /b',
      'alpha',
      'A',
      'beta',
      'B',
      'COPY <<EOF /greeting.txt',
      'hello',
      'EOF',
      '',
    ].join('\n'),
  });
  const r = await build(b, dir, '-t', 'hd');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--network',
      'none',
      'hd',
      'cat',
      '/one',
      '/a',
      '/b',
      '/greeting.txt',
    ]),
    'one\ntwo\nalpha\nbeta\nhello\n',
  );
});

test('COPY --parents keeps source paths; COPY --exclude leaves out what matches', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'FROM busybox',
      'COPY --parents a/b/c.txt x/y.txt /out/',
      'COPY --exclude=**/*.log --exclude=logs/tmp logs/ /logs/',
      '',
    ].join('\n'),
    'a/b/c.txt': 'c\n',
    'x/y.txt': 'y\n',
    'logs/keep.txt': 'k\n',
    'logs/drop.log': 'd\n',
    'logs/sub/also.log': 'd\n',
    'logs/sub/keep2.txt': 'k\n',
    'logs/tmp/t.txt': 't\n',
  });
  const r = await build(b, dir, '-t', 'cp');
  assert.equal(r.code, 0, r.stderr);
  const files = await b.ok([
    'run',
    '--rm',
    '--network',
    'none',
    'cp',
    'find',
    '/out',
    '/logs',
    '-type',
    'f',
  ]);
  assert.deepEqual(files.trim().split('\n').sort(), [
    '/logs/keep.txt',
    '/logs/sub/keep2.txt',
    '/out/a/b/c.txt',
    '/out/x/y.txt',
  ]);
});

test('COPY never writes through a symlink an earlier source made; a later source replaces an earlier one', async (t) => {
  const b = await berthWithContainers(t);
  const outside = await fs.mkdtemp('/tmp/berth-outside-');
  t.after(() => fs.rm(outside, { recursive: true, force: true }));
  const dir = await context(t, {
    Dockerfile: 'FROM busybox\nCOPY one/ two/ /dest/\n',
    'one/same.txt': 'first\n',
    'two/same.txt': 'second\n',
    'two/link/escape.txt': 'escaped\n',
  });
  await fs.symlink(outside, path.join(dir, 'one', 'link'));
  await fs.chmod(outside, 0o700);
  await fs.chmod(path.join(dir, 'two', 'link'), 0o777);
  const r = await build(b, dir, '-t', 'esc');
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(
    r.stderr,
    /Dockerfile:2: cannot copy to "\/dest\/link[^"]*": "\/dest\/link" is a symbolic link/,
  );
  assert.deepEqual(await fs.readdir(outside), []);
  assert.equal((await fs.stat(outside)).mode & 0o777, 0o700);
  // the same sources without the link: the later file wins
  await fs.rm(path.join(dir, 'one', 'link'));
  const ok = await build(b, dir, '-t', 'esc');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'esc', 'cat', '/dest/same.txt']),
    'second\n',
  );
});

test('build checks: warnings after the build, rules turned off by # check=, and error=true failing before any step', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: 'FROM busybox as Base\nCMD echo hi\n',
  });
  const warned = await build(b, dir, '-t', 'chk');
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stdout,
    /naming to chk done\n 3 warnings found \(use docker --debug to expand\):\n - FromAsCasing: 'as' and 'FROM' keywords' casing do not match \(line 1\)\n - StageNameCasing: Stage name 'Base' should be lowercase \(line 1\)\n - JSONArgsRecommended: .* \(line 2\)\n$/,
  );
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    '# check=skip=all\nFROM busybox as Base\nCMD echo hi\n',
  );
  assert.doesNotMatch((await build(b, dir, '-t', 'chk')).stdout, /warning/);
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    '# check=skip=JSONArgsRecommended;error=true\nFROM busybox as Base\nCMD echo hi\n',
  );
  const images = await b.ok(['images', '-aq']);
  const failed = await build(b, dir, '-t', 'chk2');
  assert.equal(failed.code, 1, failed.stdout);
  assert.match(failed.stderr, /lint violation found for rules: FromAsCasing, StageNameCasing/);
  assert.doesNotMatch(failed.stdout, /#1 /); // no step ran
  assert.equal(await b.ok(['images', '-aq']), images);
  // the build argument wins over the directive
  const allowed = await build(
    b,
    dir,
    '-t',
    'chk2',
    '--build-arg',
    'BUILDKIT_DOCKERFILE_CHECK=skip=all',
  );
  assert.equal(allowed.code, 0, allowed.stderr);
});

test("--progress tty: the live view, CACHED steps, and a failed step's output at the end", async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: 'FROM busybox\nRUN echo first line && echo second line\nCMD ["sh"]\n',
  });
  const first = await build(b, dir, '-t', 'tty', '--progress', 'tty');
  assert.equal(first.code, 0, first.stderr);
  // frames are drawn over each other; the last one says FINISHED and lists every step
  const frames = first.stdout.split('[+] Building ');
  const last = frames.at(-1)!;
  assert.match(last, /^\d+\.\ds \(3\/3\) FINISHED\n/);
  assert.match(last, / => \[stage-0 1\/3\] FROM busybox +\d+\.\ds\n/);
  assert.match(last, / => \[stage-0 2\/3\] RUN echo first line && echo second line +\d+\.\ds\n/);
  assert.ok(first.stdout.includes('\x1b[J'));
  const again = await build(b, dir, '-t', 'tty', '--progress', 'tty');
  assert.match(again.stdout.split('[+] Building ').at(-1)!, / => CACHED \[stage-0 2\/3\] RUN/);
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    'FROM busybox\nRUN echo to stderr >&2; exit 3\n',
  );
  const failed = await build(b, dir, '-t', 'tty', '--progress', 'tty');
  assert.equal(failed.code, 1);
  assert.match(
    failed.stdout,
    /------\n > \[stage-0 2\/2\] RUN echo to stderr >&2; exit 3:\n#2 to stderr\n------\n/,
  );
  assert.match(failed.stderr, /did not complete successfully: exit code: 3/);
  const bad = await build(b, dir, '--progress', 'fancy');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid progress mode "fancy"/);
});

test('a step two stages share is made once, and a rebuild finds every step cached', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    Dockerfile: [
      'FROM busybox AS one',
      'RUN echo made >> /made',
      'FROM busybox AS two',
      'RUN echo made >> /made',
      'RUN echo two > /two',
      'FROM two',
      'COPY --from=one /made /from-one',
      '',
    ].join('\n'),
  });
  const runs: [string[], string[]][] = [
    [['--no-cache'], ['CACHED', 'DONE']],
    [[], ['CACHED', 'CACHED']],
  ];
  for (const [flags, want] of runs) {
    const r = await build(b, dir, '-t', 'shared', ...flags);
    assert.equal(r.code, 0, r.stderr);
    // plain lines of concurrent steps interleave: each step's title, then its end, by number
    const ends = [...r.stdout.matchAll(/^#(\d+) \[[^\]]+\] (.*)$/gm)]
      .filter((m) => m[2] === 'RUN echo made >> /made')
      .map((m) => new RegExp(`^#${m[1]} (DONE|CACHED)`, 'm').exec(r.stdout)?.[1])
      .sort();
    assert.deepEqual(ends, want, r.stdout);
  }
  // the --no-cache build left one result per step: a rebuild hits every one (the 4 non-FROM)
  const again = await build(b, dir, '-t', 'shared');
  assert.equal((again.stdout.match(/^#\d+ CACHED$/gm) ?? []).length, 4, again.stdout);
  assert.equal(
    await b.ok(['run', '--rm', '--network', 'none', 'shared', 'cat', '/from-one', '/made', '/two']),
    'made\nmade\ntwo\n',
  );
});

test('COPY --from names only earlier stages (a later one is an image); same steps reached at once are made once', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await context(t, {
    // upper case: no image reference, so nothing is pulled (stage names ignore case)
    Dockerfile:
      'FROM scratch AS first\nCOPY --from=LATER /x /x\nFROM first AS later\nCOPY hello /x\n',
    hello: 'hi\n',
  });
  const forward = await build(b, dir, '-t', 'fwd');
  assert.equal(forward.code, 1, forward.stdout);
  assert.match(forward.stderr, /Dockerfile:2: No such image: LATER/);
  await fs.writeFile(
    path.join(dir, 'Dockerfile'),
    'FROM scratch AS one\nCOPY hello /h\nFROM scratch AS two\nCOPY hello /h\nFROM two\nCOPY --from=one /h /h2\n',
  );
  const r = await build(b, dir, '-t', 'same');
  assert.equal(r.code, 0, r.stderr);
  const ends = [...r.stdout.matchAll(/^#(\d+) \[[^\]]+\] COPY hello \/h$/gm)]
    .map((m) => new RegExp(`^#${m[1]} (DONE|CACHED)`, 'm').exec(r.stdout)?.[1])
    .sort();
  assert.deepEqual(ends, ['CACHED', 'DONE'], r.stdout);
});
