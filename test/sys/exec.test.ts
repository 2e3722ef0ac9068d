import assert from 'node:assert/strict';
import { chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { isBerthError } from '../../src/core/errors.js';
import { ExecError, formatCommandLine, run, which } from '../../src/sys/exec.js';

describe('run', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-exec-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns stdout and stderr', async () => {
    const r = await run('sh', ['-c', 'echo out; echo err >&2']);
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n' });
    const big = await run('head', ['-c', '5000000', '/dev/zero']);
    assert.equal(big.stdout.length, 5_000_000);
  });

  it('feeds input, and honours cwd and env', async () => {
    assert.equal((await run('cat', [], { input: 'piped' })).stdout, 'piped');
    assert.equal((await run('cat', [], { input: new Uint8Array([104, 105]) })).stdout, 'hi');
    assert.equal((await run('pwd', [], { cwd: dir })).stdout.trim(), await realpath(dir));
    const env = { PATH: process.env['PATH'], BERTH_X: 'y' };
    assert.equal((await run('sh', ['-c', 'echo $BERTH_X'], { env })).stdout, 'y\n');
  });

  it('does not fail when the program ignores its input', async () => {
    assert.equal((await run('true', [], { input: 'x'.repeat(1 << 20) })).stdout, '');
  });

  it('reports the command line, exit code and stderr tail on failure', async () => {
    const script = 'for i in $(seq 1 30); do echo line$i >&2; done; exit 3';
    await assert.rejects(run('sh', ['-c', script]), (e: unknown) => {
      assert.ok(e instanceof ExecError);
      assert.ok(isBerthError(e, 'Internal'));
      assert.ok(e.message.startsWith(`sh -c '${script}': exit code 3: `), e.message);
      assert.match(e.message, /line11\nline12\n[\s\S]*line30$/);
      assert.doesNotMatch(e.message, /line10\n/);
      assert.equal(e.exitCode, 3);
      assert.deepEqual(e.argv, ['sh', '-c', script]);
      assert.match(e.stderr, /^line1\n/);
      return true;
    });
    await assert.rejects(run('false', []), { message: 'false: exit code 1' });
  });

  it('does not wait for output held open by a background grandchild', async () => {
    const started = Date.now();
    const { stdout } = await run('sh', ['-c', 'sleep 30 & echo $!']);
    process.kill(Number(stdout.trim()), 'SIGKILL');
    assert.ok(Date.now() - started < 5000);
  });

  it('reports a signal', async () => {
    await assert.rejects(run('sh', ['-c', 'kill -KILL $$']), (e: unknown) => {
      assert.ok(e instanceof ExecError);
      assert.equal(e.signal, 'SIGKILL');
      assert.equal(e.message, `sh -c 'kill -KILL $$': killed by SIGKILL`);
      return true;
    });
  });

  it('fails with FailedPrecondition when the program does not exist or is not executable', async () => {
    await assert.rejects(run('berth-no-such-program', ['a']), (e: unknown) => {
      assert.ok(isBerthError(e, 'FailedPrecondition'));
      assert.match(e.message, /^berth-no-such-program a: spawn berth-no-such-program ENOENT/);
      return true;
    });
    const script = path.join(dir, 'not-executable');
    await writeFile(script, '#!/bin/sh\n');
    await assert.rejects(run(script, []), { name: 'FailedPrecondition' });
  });

  it('kills the program on timeout (Unavailable) and on abort', async () => {
    const started = Date.now();
    await assert.rejects(run('sleep', ['10'], { timeoutMs: 100 }), {
      name: 'Unavailable',
      message: 'sleep 10: timed out after 100 ms',
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(run('sleep', ['10'], { signal: ac.signal }), { name: 'AbortError' });
    await assert.rejects(run('true', [], { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.ok(Date.now() - started < 5000);
  });

  it('formats command lines for a shell', () => {
    assert.equal(formatCommandLine(['ip', 'link', 'add', 'br-1']), 'ip link add br-1');
    assert.equal(formatCommandLine(['sh', '-c', "echo 'a b'"]), `sh -c 'echo '\\''a b'\\'''`);
    assert.equal(formatCommandLine(['x', '']), "x ''");
  });
});

describe('which', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-which-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds executables on PATH and nothing else', async () => {
    const tool = path.join(dir, 'tool');
    await writeFile(tool, '#!/bin/sh\n');
    const env = { PATH: `/nonexistent:${dir}:/usr/bin` };
    assert.equal(await which('tool', env), undefined, 'not executable yet');
    await chmod(tool, 0o755);
    assert.equal(await which('tool', env), tool);
    assert.equal(await which(tool), tool);
    assert.equal(await which('sh', env), '/usr/bin/sh');
    assert.ok((await which('sh'))?.endsWith('/sh'));
    assert.equal(await which('berth-no-such-program'), undefined);
    assert.equal(await which(path.basename(dir), { PATH: os.tmpdir() }), undefined, 'a directory');
  });
});
