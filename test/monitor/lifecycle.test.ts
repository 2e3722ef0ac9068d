/**
 * berth-monitor against real runc: the startup handshake, logs, exit codes, OOM kills,
 * restart policies, the exit command and the monitor's memory use.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  buildMonitor,
  makeRootfs,
  newContainer,
  processAlive,
  readLog,
  skipReason,
  waitFor,
  type StateInfo,
} from './harness.js';

const skip = await skipReason();
if (skip) throw new Error(`the berth-monitor tests need what berth itself needs: ${skip}`);

describe('berth-monitor lifecycle', () => {
  let rootfs: string;
  before(async () => {
    await buildMonitor();
    rootfs = await makeRootfs();
  });
  after(() => fs.rm(rootfs, { recursive: true, force: true }));

  it('logs stdout and stderr lines in json-file format and records the exit code', async (t) => {
    const script = [
      'echo out1',
      'echo err1 >&2',
      String.raw`printf 'q"<b>&\\ \t\001\r\n'`,
      String.raw`printf '\342\200\250\377\303\251\n'`,
      // longer than Docker's 16 KiB line buffer: a partial entry, then the rest of the line
      "head -c 20000 /dev/zero | tr '\\0' y; echo",
      'printf part',
      'exit 3',
    ].join('; ');
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', script] });
    const marker = path.join(c.dir, 'exit-command');
    // The exit command runs after runc delete: `runc state` fails by then.
    const exitScript = `/usr/sbin/runc --root ${c.runtimeRoot} state ${c.id} >/dev/null 2>&1; echo "$? $*" > ${marker}`;
    const r = await c.start([
      ...['--exit-command', '/bin/sh', '--exit-arg', '-c', '--exit-arg', exitScript],
      ...['--exit-arg', 'sh', '--exit-arg', 'container', '--exit-arg', 'cleanup'],
    ]);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^\{"pid":\d+\}\n$/);

    const exit = await c.waitFinal();
    assert.equal(exit.exitCode, 3);
    assert.equal(exit.oomKilled, false);
    assert.equal(exit.restartCount, 0);
    assert.match(exit.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);

    const entries = await readLog(c.logPath);
    const stdout = entries.filter((e) => e.stream === 'stdout').map((e) => e.log);
    const stderr = entries.filter((e) => e.stream === 'stderr').map((e) => e.log);
    assert.deepEqual(stdout, [
      'out1\n',
      'q"<b>&\\ \t\u0001\r\n',
      '\u2028\ufffdé\n',
      'y'.repeat(16384),
      `${'y'.repeat(20000 - 16384)}\n`,
      'part',
    ]);
    assert.deepEqual(stderr, ['err1\n']);
    for (const e of entries) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    // The escaping itself, byte for byte as Go's encoding/json writes it.
    const raw = await fs.readFile(c.logPath, 'utf8');
    assert.ok(raw.includes(String.raw`"log":"q\"\u003cb\u003e\u0026\\ \t\u0001\r\n"`), raw);
    assert.ok(raw.includes(String.raw`"log":"\u2028\ufffdé\n"`), raw);

    const ran = await waitFor(
      async () => fs.readFile(marker, 'utf8').catch(() => undefined),
      5000,
      'exit command',
    );
    assert.equal(ran, `1 container cleanup\n`);
    // Runtime files are gone; the record stays.
    const left = (await fs.readdir(c.stateDir)).sort();
    assert.deepEqual(left, ['exit.json', 'monitor.pid', 'state.json']);
  });

  it('reports the pid; the container and the monitor outlive the foreground process', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sleep', '1000'] });
    const r = await c.start();
    assert.equal(r.code, 0, r.stdout);
    const pid = (JSON.parse(r.stdout) as { pid: number }).pid;
    assert.ok(await processAlive(pid), 'container process running');

    const state = await c.runc(['state', c.id]);
    assert.equal(state.code, 0);
    const runcState = JSON.parse(state.stdout) as { status: string; pid: number };
    assert.deepEqual([runcState.status, runcState.pid], ['running', pid]);
    const s = await c.stateFile<StateInfo>('state.json');
    assert.equal(s?.status, 'running');
    assert.equal(s?.pid, pid);
    assert.equal(s?.restartCount, 0);
    const monitor = await c.monitorPid();
    assert.ok(monitor, 'monitor running');

    // The memory target: at most 2 MB resident per monitor.
    const status = await fs.readFile(`/proc/${monitor}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    t.diagnostic(`monitor VmRSS ${rss} kB`);
    assert.ok(rss > 0 && rss <= 2048, `VmRSS ${rss} kB`);
    // Detached: not our child, and in a session of its own.
    const stat = async (p: number | string) =>
      (await fs.readFile(`/proc/${p}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    const [mine, its] = [await stat('self'), await stat(monitor)];
    assert.notEqual(Number(its[1]), process.pid);
    assert.notEqual(its[3], mine[3]);

    assert.equal((await c.runc(['kill', c.id, 'KILL'])).code, 0);
    const exit = await c.waitFinal();
    assert.equal(exit.exitCode, 137);
    assert.equal(exit.final, true);
    assert.notEqual((await c.runc(['state', c.id])).code, 0, 'runc container deleted');
  });

  it('reports runc errors for a bad command and leaves no container', async (t) => {
    for (const cmd of ['/nope', 'nope']) {
      const c = await newContainer(t, rootfs, { args: [cmd] });
      const r = await c.start();
      assert.equal(r.code, 1);
      assert.equal(r.stdout.split('\n').length, 2, r.stdout);
      const { error } = JSON.parse(r.stdout) as { error: string };
      assert.ok(error.includes(`exec: "${cmd}"`), error);
      if (cmd === 'nope') assert.ok(error.includes('executable file not found in $PATH'), error);
      else assert.ok(error.includes('no such file or directory'), error);
      assert.notEqual((await c.runc(['state', c.id])).code, 0);
      assert.equal((await c.runc(['list', '-q'])).stdout, '');
      await waitFor(async () => ((await c.monitorPid()) ? undefined : true), 5000, 'monitor exit');
      const left = await fs.readdir(c.stateDir);
      assert.ok(!left.includes('attach.sock') && !left.includes('ctl'), left.join(' '));
    }
  });

  it('restarts on failure at most N times', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', 'echo run; exit 1'] });
    const r = await c.start(['--restart', 'on-failure:2']);
    assert.equal(r.code, 0, r.stdout);
    const exit = await c.waitFinal();
    assert.deepEqual([exit.exitCode, exit.restartCount, exit.final], [1, 2, true]);
    const runs = (await readLog(c.logPath)).filter((e) => e.log === 'run\n');
    assert.equal(runs.length, 3);
    assert.equal((await c.stateFile<StateInfo>('state.json'))?.restartCount, 2);
    assert.notEqual((await c.runc(['state', c.id])).code, 0);
  });

  it('restarts always, but not after a stop', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sleep', '1000'] });
    const r = await c.start(['--restart', 'always']);
    assert.equal(r.code, 0, r.stdout);
    const first = (JSON.parse(r.stdout) as { pid: number }).pid;

    await c.runc(['kill', c.id, 'KILL']);
    const restarted = await waitFor(
      async () => {
        const s = await c.stateFile<StateInfo>('state.json');
        return s?.status === 'running' && s.restartCount === 1 ? s : undefined;
      },
      10_000,
      'restart',
    );
    assert.notEqual(restarted.pid, first);
    const between = await c.stateFile<{ exitCode: number; final: boolean }>('exit.json');
    assert.deepEqual(between, { ...between, exitCode: 137, final: false });

    await c.ctl('stop');
    await c.runc(['kill', c.id, 'KILL']);
    const exit = await c.waitFinal();
    assert.deepEqual([exit.exitCode, exit.restartCount, exit.final], [137, 1, true]);
    assert.equal((await c.runc(['list', '-q'])).stdout, '');
  });

  it('does not restart after a stop during the restart backoff', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', 'exit 2'] });
    const r = await c.start(['--restart', 'unless-stopped']);
    assert.equal(r.code, 0, r.stdout);
    // Backoff doubles from 100 ms: by the 3rd restart the monitor waits 400 ms between runs.
    await waitFor(
      async () =>
        ((await c.stateFile<StateInfo>('state.json'))?.restartCount ?? 0) >= 3 || undefined,
      10_000,
      'three restarts',
    );
    await c.ctl('stop');
    const exit = await c.waitFinal();
    assert.equal(exit.exitCode, 2);
    assert.ok(exit.restartCount >= 2, `restartCount ${exit.restartCount}`);
    assert.equal((await c.runc(['list', '-q'])).stdout, '');
  });

  it('records an OOM kill', async (t) => {
    // busybox tail keeps the current line in memory; /dev/zero has no newline.
    const c = await newContainer(t, rootfs, { args: ['tail', '/dev/zero'], memoryLimit: 32 << 20 });
    const r = await c.start();
    assert.equal(r.code, 0, r.stdout);
    const exit = await c.waitFinal(30_000);
    assert.equal(exit.exitCode, 137);
    assert.equal(exit.oomKilled, true);
  });
});
