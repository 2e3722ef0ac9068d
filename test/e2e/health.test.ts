/** Health checks end to end: run by the monitor, seen through inspect and ps, as in Docker. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthCommand } from '../../src/runtime/monitor.js';
import { berthWithContainers } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthWithContainers>>;

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

const inspect = async (b: B, name: string, format: string) =>
  (await b.ok(['inspect', '-f', format, name])).trim();

const health = async (b: B, name: string) =>
  JSON.parse(await inspect(b, name, '{{json .State.Health}}')) as Health | null;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const healthIs = (b: B, name: string, status: string) =>
  until(`${name} ${status}`, async () => {
    const h = await health(b, name);
    return h?.Status === status ? h : undefined;
  });

const psStatus = async (b: B, filter = '') =>
  (
    await b.ok([
      'ps',
      '-a',
      ...(filter ? ['--filter', filter] : []),
      '--format',
      '{{.Names}} {{.Status}}',
    ])
  ).trim();

test('health: starting → healthy → unhealthy; inspect State.Health, ps STATUS and --filter health', async (t) => {
  const b = await berthWithContainers(t);
  const id = (
    await b.ok([
      'run',
      '-d',
      '--name',
      'web',
      '--health-cmd',
      'test -f /tmp/ok',
      '--health-interval',
      '200ms',
      '--health-retries',
      '2',
      'busybox',
      'sh',
      '-c',
      'sleep 1; touch /tmp/ok; sleep 60',
    ])
  ).trim();
  // the monitor writes "starting" before `run` returns (read directly: the CLI takes a while)
  const healthFile = async () =>
    JSON.parse(await fs.readFile(path.join(b.runroot, id, 'health.json'), 'utf8')) as Health;
  assert.deepEqual(await healthFile(), { Status: 'starting', FailingStreak: 0, Log: [] });

  await b.ok(['run', '-d', '--name', 'plain', 'busybox', 'sleep', '60']);
  assert.deepEqual(await health(b, 'plain'), null, 'no State.Health without a health check');
  // a check that has not run yet: starting, for ps too
  await b.ok([
    'run',
    '-d',
    '--name',
    'waiting',
    '--health-cmd',
    'true',
    '--health-interval',
    '1h',
    'busybox',
    'sleep',
    '60',
  ]);
  assert.deepEqual(await health(b, 'waiting'), { Status: 'starting', FailingStreak: 0, Log: [] });
  assert.match(await psStatus(b, 'name=waiting'), /^waiting Up .* \(health: starting\)$/);
  assert.match(await psStatus(b, 'health=starting'), /^waiting [^\n]*$/);

  const healthy = await healthIs(b, 'web', 'healthy');
  assert.equal(healthy.FailingStreak, 0);
  const ok = healthy.Log.at(-1)!;
  assert.equal(ok.ExitCode, 0);
  assert.match(ok.Start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.match(await psStatus(b, 'name=web'), /^web Up \S.* \(healthy\)$/);
  assert.match(await psStatus(b, 'health=healthy'), /^web /);
  assert.match(await psStatus(b, 'health=none'), /^plain Up [^(]*$/);
  assert.equal(await psStatus(b, 'health=unhealthy'), '');
  const bad = await b.berth(['ps', '--filter', 'health=sick']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Unrecognised filter value for health: sick/);

  await b.ok(['exec', 'web', 'rm', '/tmp/ok']);
  const unhealthy = await healthIs(b, 'web', 'unhealthy');
  assert.equal(unhealthy.FailingStreak, 2);
  assert.deepEqual(
    unhealthy.Log.slice(-2).map((l) => l.ExitCode),
    [1, 1],
  );
  assert.ok(unhealthy.Log.length <= 5);
  assert.match(await psStatus(b, 'name=web'), /^web Up .* \(unhealthy\)$/);
  assert.match(await psStatus(b, 'health=unhealthy'), /^web /);

  // the record's config keeps Docker's shape
  assert.equal(
    await inspect(b, 'web', '{{json .Config.Healthcheck}}'),
    '{"Test":["CMD-SHELL","test -f /tmp/ok"],"Interval":200000000,"Timeout":0,"StartPeriod":0,"Retries":2}',
  );

  // stopped: Docker calls it unhealthy and keeps the Log; a new start begins with starting
  await b.ok(['stop', '-t', '0', 'web']);
  const stopped = await health(b, 'web');
  assert.equal(stopped?.Status, 'unhealthy');
  assert.ok((stopped?.Log.length ?? 0) > 0);
  assert.match(await psStatus(b, 'name=web'), /^web Exited /);
  await b.ok(['start', 'web']);
  const restarted = await healthFile();
  assert.deepEqual(
    [restarted.Status, restarted.FailingStreak, restarted.Log.length],
    ['starting', 0, stopped?.Log.length],
  );
  await healthIs(b, 'web', 'healthy');
});

test('health: a check that exceeds its timeout counts as a failure with ExitCode -1', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok([
    'run',
    '-d',
    '--name',
    'slow',
    '--health-cmd',
    'sleep 10',
    '--health-interval',
    '100ms',
    '--health-timeout',
    '500ms',
    '--health-retries',
    '1',
    'busybox',
    'sleep',
    '60',
  ]);
  const h = await healthIs(b, 'slow', 'unhealthy');
  assert.equal(h.FailingStreak, 1);
  assert.deepEqual(h.Log[0], {
    ...h.Log[0],
    ExitCode: -1,
    Output: 'Health check exceeded timeout (500ms)',
  });
  assert.match(await psStatus(b), /^slow Up .* \(unhealthy\)$/);
});

test('health: --no-healthcheck; an image’s HEALTHCHECK applies unless the run disables it', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok(['run', '-d', '--name', 'none', '--no-healthcheck', 'busybox', 'sleep', '60']);
  assert.equal(await inspect(b, 'none', '{{json .Config.Healthcheck}}'), '{"Test":["NONE"]}');
  await sleep(300);
  assert.equal(await health(b, 'none'), null);
  assert.match(await psStatus(b), /^none Up [^(]*$/);
  assert.match(await psStatus(b, 'health=none'), /^none /);

  // an image with a HEALTHCHECK (committed from a container that has one) passes it on
  await b.ok([
    'run',
    '-d',
    '--name',
    'base',
    '--health-cmd',
    'echo "$HOME" from image',
    '--health-interval',
    '100ms',
    '--health-retries',
    '1',
    'busybox',
    'sleep',
    '60',
  ]);
  await b.ok(['commit', 'base', 'checked:1']);
  assert.match(
    await b.ok(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'checked:1']),
    /from image/,
  );
  await b.ok(['run', '-d', '--name', 'inherits', 'checked:1', 'sleep', '60']);
  const h = await healthIs(b, 'inherits', 'healthy');
  assert.equal(h.Log[0]?.Output, '/root from image\n', 'CMD-SHELL runs /bin/sh -c');
  await b.ok(['run', '-d', '--name', 'overridden', '--no-healthcheck', 'checked:1', 'sleep', '60']);
  await sleep(300);
  assert.equal(await health(b, 'overridden'), null);
  assert.match(await psStatus(b, 'name=overridden'), /^overridden Up [^(]*$/);
});

test('health: the command Docker runs for CMD, CMD-SHELL (with the image’s SHELL) and NONE', () => {
  assert.deepEqual(healthCommand({ Test: ['CMD', 'curl', '-f', 'x'] }, undefined), [
    'curl',
    '-f',
    'x',
  ]);
  assert.deepEqual(healthCommand({ Test: ['CMD-SHELL', 'a && b'] }, undefined), [
    '/bin/sh',
    '-c',
    'a && b',
  ]);
  assert.deepEqual(healthCommand({ Test: ['CMD-SHELL', 'a'] }, ['/bin/bash', '-ec']), [
    '/bin/bash',
    '-ec',
    'a',
  ]);
  for (const Test of [['NONE'], [], ['CMD'], ['BOGUS', 'x']])
    assert.equal(healthCommand({ Test }, undefined), undefined);
  assert.equal(healthCommand(undefined, undefined), undefined);
});
