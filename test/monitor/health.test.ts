/**
 * berth-monitor's health checks against real runc: health.json in Docker's shape, the
 * starting → healthy → unhealthy rules, timeouts, exec failures, output capture, the start
 * period, and what is left once the container has exited.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';

import {
  buildMonitor,
  makeRootfs,
  newContainer,
  skipReason,
  waitFor,
  type Container,
} from './harness.js';

const skip = await skipReason();
if (skip) throw new Error(`the berth-monitor tests need what berth itself needs: ${skip}`);

interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}
interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthLog[];
}

const ms = (n: number) => String(n * 1_000_000);
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

/** The health check options for a shell command. */
const shellCheck = (cmd: string) => [
  '--health-cmd',
  '/bin/sh',
  '--health-cmd',
  '-c',
  '--health-cmd',
  cmd,
];

const health = (c: Container) => c.stateFile<Health>('health.json');

const healthWhere = (
  c: Container,
  what: string,
  pred: (h: Health) => boolean,
  timeoutMs = 15_000,
) =>
  waitFor(
    async () => {
      const h = await health(c);
      return h && pred(h) ? h : undefined;
    },
    timeoutMs,
    what,
  );

describe('berth-monitor health checks', () => {
  let rootfs: string;
  before(async () => {
    await buildMonitor();
    rootfs = await makeRootfs();
  });
  after(() => fs.rm(rootfs, { recursive: true, force: true }));

  it('goes starting → healthy → unhealthy, keeps 5 results, and stays within 2 MB', async (t) => {
    // /dev is a tmpfs in runc's default spec: writable although the rootfs is read-only
    const c = await newContainer(t, rootfs, {
      args: ['sh', '-c', 'sleep 1; touch /dev/ok; sleep 1000'],
    });
    const r = await c.start([
      ...shellCheck('echo "checking $PWD"; test -f /dev/ok'),
      ...['--health-interval', ms(150), '--health-retries', '2'],
    ]);
    assert.equal(r.code, 0, r.stdout);
    // written before the pid is reported
    assert.deepEqual(await health(c), { Status: 'starting', FailingStreak: 0, Log: [] });

    // failures before the file exists: still starting until the 2nd failure makes it unhealthy
    const failed = await healthWhere(c, 'a failure', (h) => h.Log.length > 0);
    assert.deepEqual(failed.Log[0], { ...failed.Log[0], ExitCode: 1, Output: 'checking /\n' });
    assert.match(failed.Log[0].Start, TIME);
    assert.match(failed.Log[0].End, TIME);
    assert.ok(failed.Log[0].End >= failed.Log[0].Start);
    const healthy = await healthWhere(c, 'healthy', (h) => h.Status === 'healthy');
    assert.equal(healthy.FailingStreak, 0);
    assert.deepEqual(healthy.Log.at(-1), { ...healthy.Log.at(-1), ExitCode: 0 });

    const monitor = await c.monitorPid();
    const status = await fs.readFile(`/proc/${monitor}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    t.diagnostic(`monitor VmRSS ${rss} kB with a health check running`);
    assert.ok(rss > 0 && rss <= 2048, `VmRSS ${rss} kB`);

    assert.equal((await c.runc(['exec', c.id, 'rm', '/dev/ok'])).code, 0);
    const unhealthy = await healthWhere(c, 'unhealthy', (h) => h.Status === 'unhealthy');
    assert.equal(unhealthy.FailingStreak, 2);
    const full = await healthWhere(c, '5 log entries', (h) => h.FailingStreak >= 6);
    assert.equal(full.Log.length, 5);
    assert.ok(full.Log.every((l) => l.ExitCode === 1));

    await c.runc(['kill', c.id, 'KILL']);
    await c.waitFinal();
    const last = await health(c);
    assert.equal(last?.Status, 'unhealthy');
    const left = await fs.readdir(c.stateDir);
    assert.ok(!left.includes('health.pid') && !left.includes('health-runc.log'), left.join(' '));
  });

  it('times out a check, kills it and records -1 with Docker’s message', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sleep', '1000'] });
    const r = await c.start([
      ...shellCheck('echo partial; exec sleep 30'),
      ...['--health-interval', ms(100), '--health-timeout', ms(300), '--health-retries', '1'],
    ]);
    assert.equal(r.code, 0, r.stdout);
    const h = await healthWhere(c, 'unhealthy', (x) => x.Status === 'unhealthy');
    assert.equal(h.FailingStreak, 1);
    assert.deepEqual(h.Log[0], {
      ...h.Log[0],
      ExitCode: -1,
      Output: 'Health check exceeded timeout (300ms): partial\n',
    });
    const took = Date.parse(h.Log[0].End) - Date.parse(h.Log[0].Start);
    assert.ok(took >= 300 && took < 2000, `took ${took} ms`);
    // the check's process was killed: only the container's own process is left
    const ps = await c.runc(['ps', '--format', 'json', c.id]);
    assert.equal((JSON.parse(ps.stdout) as number[]).length, 1, ps.stdout);
  });

  it('reports a command runc cannot run, and cuts the output at 4 KiB', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sleep', '1000'] });
    const r = await c.start([
      ...['--health-cmd', 'nope', '--health-interval', ms(100), '--health-retries', '1'],
    ]);
    assert.equal(r.code, 0, r.stdout);
    const h = await healthWhere(c, 'a result', (x) => x.Log.length > 0);
    assert.equal(h.Status, 'unhealthy');
    assert.equal(h.Log[0]!.ExitCode, -1);
    assert.match(
      h.Log[0]!.Output,
      /^OCI runtime exec failed: .*exec: "nope": executable file not found in \$PATH: unknown$/,
    );

    const big = await newContainer(t, rootfs, { args: ['sleep', '1000'] });
    const r2 = await big.start([
      ...shellCheck("head -c 5000 /dev/zero | tr '\\0' x; exit 0"),
      ...['--health-interval', ms(100)],
    ]);
    assert.equal(r2.code, 0, r2.stdout);
    const b = await healthWhere(big, 'healthy', (x) => x.Status === 'healthy');
    assert.equal(b.Log[0]!.Output, 'x'.repeat(4096) + '...');
  });

  it('does not count failures within the start period, and resets on restart', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', 'sleep 1.5; exit 1'] });
    const r = await c.start([
      ...shellCheck('exit 3'),
      ...['--health-interval', ms(100), '--health-retries', '1'],
      ...['--health-start-period', ms(60_000), '--health-start-interval', ms(100)],
      ...['--restart', 'on-failure:1'],
    ]);
    assert.equal(r.code, 0, r.stdout);
    const h = await healthWhere(c, 'three failures', (x) => x.Log.length >= 3);
    assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0]);
    assert.ok(h.Log.every((l) => l.ExitCode === 3));
    // the restart: starting again, the Log kept (as Docker does)
    await waitFor(
      async () =>
        (await c.stateFile<{ restartCount: number }>('state.json'))?.restartCount === 1 ||
        undefined,
      10_000,
      'the restart',
    );
    const again = await healthWhere(c, 'starting', (x) => x.Status === 'starting');
    assert.ok(again.Log.length >= 3);
    await c.waitFinal();
    assert.equal((await health(c))?.Status, 'unhealthy');
  });
});
