/**
 * berth-monitor's I/O against real runc: attach clients (framed output, stdin, --stdin-once),
 * the tty (raw output, input, resize through ctl) and log rotation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  AttachClient,
  buildMonitor,
  makeRootfs,
  newContainer,
  readLog,
  skipReason,
} from './harness.js';

const skip = await skipReason();
if (skip) throw new Error(`the berth-monitor tests need what berth itself needs: ${skip}`);

describe('berth-monitor I/O', () => {
  let rootfs: string;
  before(async () => {
    await buildMonitor();
    rootfs = await makeRootfs();
  });
  after(() => fs.rm(rootfs, { recursive: true, force: true }));

  it('streams framed stdout/stderr to attach clients and feeds stdin (--stdin-once)', async (t) => {
    const script = 'read x; echo "got $x"; echo "err $x" >&2; exec cat';
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', script] });
    const r = await c.start(['--stdin', '--stdin-once']);
    assert.equal(r.code, 0, r.stdout);

    const a = await AttachClient.connect(c.stateDir);
    const b = await AttachClient.connect(c.stateDir); // watches only
    a.sock.write('a\n');
    for (const client of [a, b]) {
      await client.waitFor(
        (x) => x.frames().stdout === 'got a\n' && x.frames().stderr === 'err a\n',
        'frames',
      );
    }
    // A client that never sent input leaving does not close stdin.
    b.sock.destroy();
    a.sock.write('b\n');
    await a.waitFor((x) => x.frames().stdout === 'got a\nb\n', 'cat echo');
    // Half-closing the client that sent input closes the container's stdin: cat ends.
    a.sock.end();
    await a.waitFor((x) => x.closed, 'monitor closes the client at exit');
    const exit = await c.waitFinal();
    assert.equal(exit.exitCode, 0);
    const logged = (await readLog(c.logPath)).map((e) => `${e.stream}:${e.log}`);
    assert.deepEqual(logged.sort(), ['stderr:err a\n', 'stdout:b\n', 'stdout:got a\n']);
  });

  it('keeps stdin open across clients without --stdin-once', async (t) => {
    const c = await newContainer(t, rootfs, { args: ['cat'] });
    const r = await c.start(['--stdin']);
    assert.equal(r.code, 0, r.stdout);
    const a = await AttachClient.connect(c.stateDir);
    a.sock.write('one\n');
    await a.waitFor((x) => x.frames().stdout === 'one\n', 'first echo');
    a.sock.end();
    await new Promise((res) => setTimeout(res, 200));
    const b = await AttachClient.connect(c.stateDir);
    b.sock.write('two\n');
    await b.waitFor((x) => x.frames().stdout === 'two\n', 'second echo');
    assert.equal((await c.runc(['kill', c.id, 'KILL'])).code, 0);
    await b.waitFor((x) => x.closed, 'client closed at exit');
    assert.equal((await c.waitFinal()).exitCode, 137);
  });

  it('runs a tty: raw output, input, and resize through ctl', async (t) => {
    const script =
      'read x; echo "got:$x"; i=0; while [ $i -lt 300 ]; do stty size; sleep 0.05; i=$((i+1)); done';
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', script], tty: true });
    const r = await c.start(['--tty', '--stdin']);
    assert.equal(r.code, 0, r.stdout);

    const a = await AttachClient.connect(c.stateDir);
    a.sock.write('hi\n');
    await a.waitFor((x) => x.data.toString().includes('got:hi\r\n'), 'tty output');
    // Raw pty bytes: the echo of the input comes first, no stream framing, \r\n line ends.
    assert.ok(a.data.toString().startsWith('hi\r\n'), JSON.stringify(a.data.toString()));

    await c.ctl('resize 40 100');
    await a.waitFor((x) => x.data.toString().includes('40 100\r\n'), 'stty size after resize');
    assert.equal((await c.runc(['kill', c.id, 'KILL'])).code, 0);
    assert.equal((await c.waitFinal()).exitCode, 137);

    const entries = await readLog(c.logPath);
    assert.ok(entries.every((e) => e.stream === 'stdout'));
    assert.ok(entries.some((e) => e.log === 'got:hi\r\n'));
    assert.ok(entries.some((e) => e.log === '40 100\r\n'));
    assert.ok(!(await fs.readdir(c.stateDir)).includes('console.sock'));
  });

  it('works with a state directory deeper than a socket address', async (t) => {
    const c = await newContainer(t, rootfs, {
      args: ['echo', 'hello'],
      tty: true,
      deepStateDir: true,
    });
    assert.ok(path.join(c.stateDir, 'console.sock').length > 107);
    const r = await c.start(['--tty']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((await c.waitFinal()).exitCode, 0);
    assert.deepEqual(await readLog(c.logPath).then((e) => e.map((x) => x.log)), ['hello\r\n']);
  });

  it('rotates the log: at most max-files files of at most max-size bytes', async (t) => {
    const script =
      'for i in $(seq 1 400); do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done';
    const c = await newContainer(t, rootfs, { args: ['sh', '-c', script] });
    const r = await c.start(['--log-max-size', '4096', '--log-max-files', '3']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((await c.waitFinal()).exitCode, 0);

    const dir = path.dirname(c.logPath);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['log', 'log.1', 'log.2']);
    for (const f of ['log', 'log.1', 'log.2']) {
      const size = (await fs.stat(path.join(dir, f))).size;
      assert.ok(size > 0 && size <= 4096, `${f}: ${size} bytes`);
    }
    // Oldest to newest, the lines are consecutive and end with the last one.
    const entries = await readLog(...['log.2', 'log.1', 'log'].map((f) => path.join(dir, f)));
    const numbers = entries.map((e) => Number(/^line-(\d+)-/.exec(e.log)?.[1]));
    assert.equal(numbers.at(-1), 400);
    numbers.forEach((n, i) => assert.equal(n, numbers[0]! + i));
  });
});
