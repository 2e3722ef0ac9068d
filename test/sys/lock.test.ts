import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { isBerthError } from '../../src/core/errors.js';
import { withFileLock } from '../../src/sys/lock.js';
import { nativeAddonPath } from '../../src/sys/native.js';

/**
 * A child process that takes an flock on argv[2] (op argv[3]) with the addon, prints "locked",
 * and holds it until its stdin closes (or it is killed).
 */
const HOLDER = `
const fs = require('node:fs');
const addon = require(process.argv[1]);
const fd = fs.openSync(process.argv[2], 'a');
addon.flock(fd, process.argv[3], false);
process.stdout.write('locked\\n');
process.stdin.resume();
process.stdin.on('end', () => { addon.flock(fd, 'un', false); process.exit(0); });
`;

describe('withFileLock', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-lock-'));
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a holder process and resolves once it holds the lock. */
  async function holdLock(file: string, op: 'sh' | 'ex' = 'ex'): Promise<ChildProcess> {
    const addon = nativeAddonPath();
    assert.ok(addon, 'native addon not built');
    const child = spawn(process.execPath, ['-e', HOLDER, addon, file, op], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    assert.equal(line.toString(), 'locked\n');
    return child;
  }

  /** Whether `p` is still pending after `ms`. */
  async function pendingAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
    const marker = Symbol('pending');
    return (await Promise.race([p, sleep(ms, marker)])) === marker;
  }

  it('creates the lock file and its directory, and returns fn’s result', async () => {
    const file = path.join(dir, 'a', 'b', 'create.lock');
    assert.equal(await withFileLock(file, () => Promise.resolve(42)), 42);
    assert.ok((await stat(file)).isFile());
  });

  it('waits for another process to release the lock', async () => {
    const file = path.join(dir, 'release.lock');
    const child = await holdLock(file);
    let releasedAt = 0;
    const entered = withFileLock(file, () => Promise.resolve(Date.now()));
    assert.ok(await pendingAfter(entered, 300), 'entered while another process held the lock');
    releasedAt = Date.now();
    child.stdin!.end();
    assert.ok((await entered) >= releasedAt);
  });

  it('is released by a process killed with SIGKILL', async () => {
    const file = path.join(dir, 'kill.lock');
    const child = await holdLock(file);
    const entered = withFileLock(file, () => Promise.resolve('in'), { timeoutMs: 10_000 });
    assert.ok(await pendingAfter(entered, 200));
    child.kill('SIGKILL');
    assert.equal(await entered, 'in');
  });

  it('times out with Unavailable', async () => {
    const file = path.join(dir, 'timeout.lock');
    const child = await holdLock(file);
    const started = Date.now();
    await assert.rejects(
      withFileLock(file, () => Promise.resolve(), { timeoutMs: 250 }),
      (e: unknown) =>
        isBerthError(e, 'Unavailable') && e.message === `timed out waiting for lock ${file}`,
    );
    assert.ok(Date.now() - started >= 240);
    child.stdin!.end();
  });

  it('lets shared holders in together and keeps exclusive ones out', async () => {
    const file = path.join(dir, 'shared.lock');
    const child = await holdLock(file, 'sh');
    assert.equal(await withFileLock(file, () => Promise.resolve('sh'), { shared: true }), 'sh');
    await assert.rejects(
      withFileLock(file, () => Promise.resolve(), { timeoutMs: 100 }),
      {
        name: 'Unavailable',
      },
    );
    child.stdin!.end();
  });

  it('serialises holders within one process', async () => {
    const file = path.join(dir, 'inproc.lock');
    const events: string[] = [];
    const task = (name: string) =>
      withFileLock(file, async () => {
        events.push(`${name}+`);
        await sleep(30);
        events.push(`${name}-`);
      });
    await Promise.all([task('a'), task('b'), task('c')]);
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i]!.slice(0, 1), events[i + 1]!.slice(0, 1), events.join(' '));
    }
  });

  it('unlocks when fn throws', async () => {
    const file = path.join(dir, 'throw.lock');
    await assert.rejects(
      withFileLock(file, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await withFileLock(file, () => Promise.resolve(1), { timeoutMs: 100 }), 1);
  });

  it('does not leak the lock into child processes', async () => {
    const file = path.join(dir, 'inherit.lock');
    let sleeper: ChildProcess | undefined;
    await withFileLock(file, () => {
      sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
      children.push(sleeper);
      return Promise.resolve();
    });
    assert.equal(sleeper?.exitCode, null, 'the child is still running');
    assert.equal(await withFileLock(file, () => Promise.resolve(1), { timeoutMs: 200 }), 1);
  });

  it('stops waiting when the signal aborts', async () => {
    const file = path.join(dir, 'abort.lock');
    const child = await holdLock(file);
    const ac = new AbortController();
    const waiting = withFileLock(file, () => Promise.resolve(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(waiting, { name: 'AbortError' });
    child.stdin!.end();
  });
});
