/** Containers end to end: real runc, real overlay mounts, real cgroups, through the CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { berthBin, berthWithContainers, runCommand, tempDir } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthWithContainers>>;

const inspect = async (b: B, name: string, format: string) =>
  (await b.ok(['inspect', '-f', format, name])).trim();

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function leftovers(b: B, id: string): Promise<string[]> {
  const found: string[] = [];
  const mounts = await fs.readFile('/proc/self/mounts', 'utf8');
  if (mounts.includes(id)) found.push('mount');
  for (const c of ['memory', 'pids', 'cpu', 'freezer', 'unified']) {
    if (await fs.stat(`/sys/fs/cgroup/${c}/berth/${id}`).catch(() => undefined))
      found.push(`cgroup ${c}`);
  }
  if (await fs.stat(path.join(b.runroot, 'runc', id)).catch(() => undefined))
    found.push('runc state');
  return found;
}

test('run attached: output, exit code, and ps -a shows Exited', async (t) => {
  const b = await berthWithContainers(t);
  const r = await b.berth([
    'run',
    '--name',
    'once',
    'busybox',
    'sh',
    '-c',
    'echo out; echo err >&2; exit 3',
  ]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.match(
    await b.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']),
    /^once Exited \(3\) /,
  );
  assert.equal(
    await inspect(b, 'once', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}'),
    'exited 3 false',
  );
  const id = await inspect(b, 'once', '{{.Id}}');
  assert.deepEqual(
    await leftovers(b, id),
    [],
    'an exited container holds no mount, cgroup or runc state',
  );
});

test('the seeds: run -d --name myapp, logs -f, exec-free lifecycle: stop, start, rm', async (t) => {
  const b = await berthWithContainers(t);
  const id = (
    await b.ok([
      'run',
      '-d',
      '--name',
      'myapp',
      '-e',
      'VAR_NAME=var_value',
      'busybox',
      'sh',
      '-c',
      'echo "$VAR_NAME"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
    ])
  ).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  // the CLI has exited; the container keeps running and logging
  await until('three ticks', async () => (await b.ok(['logs', 'myapp'])).includes('tick 3'));
  assert.match(await b.ok(['logs', 'myapp']), /^var_value\ntick 1\n/);
  assert.match(await b.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^myapp Up /);
  assert.equal((await b.ok(['logs', '--tail', '1', 'myapp'])).split('\n').length, 2);
  assert.match(
    await b.ok(['logs', '-t', '--tail', '1', 'myapp']),
    /^\d{4}-\d\d-\d\dT[\d:.]+Z tick \d+\n$/,
  );
  const follow = b.berth(['logs', '-f', 'myapp']);
  await sleep(500);
  assert.equal(await b.ok(['stop', '-t', '1', 'myapp']), 'myapp\n');
  const followed = await follow;
  assert.equal(followed.code, 0, 'logs -f ends when the container stops');
  assert.match(followed.stdout, /tick \d+\n$/);
  assert.match(await inspect(b, 'myapp', '{{.State.Status}} {{.State.ExitCode}}'), /^exited 137$/);
  assert.deepEqual(await leftovers(b, id), []);
  assert.equal(await b.ok(['start', 'myapp']), 'myapp\n');
  assert.equal(await inspect(b, 'myapp', '{{.State.Status}}'), 'running');
  const refused = await b.berth(['rm', 'myapp']);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /cannot remove container "\/myapp": container is running: stop the container before removing or force remove/,
  );
  assert.equal(await b.ok(['rm', '-f', 'myapp']), 'myapp\n');
  assert.deepEqual(await leftovers(b, id), [], 'rm -f leaves no mount, cgroup or runc state');
  await assert.rejects(fs.access(path.join(b.root, 'containers', id)));
});

test('env, env-file, workdir, user, entrypoint and hostname reach the process', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await tempDir(t);
  await fs.writeFile(path.join(dir, 'env'), '# comment\nFROM_FILE=yes\n');
  const out = await b.ok([
    'run',
    '--rm',
    '--env-file',
    path.join(dir, 'env'),
    '-e',
    'A=1',
    '-w',
    '/tmp',
    '-u',
    'nobody',
    '-h',
    'box',
    'busybox',
    'sh',
    '-c',
    'echo $A $FROM_FILE $(pwd) $(id -u):$(id -g) $(hostname)',
  ]);
  assert.equal(out, '1 yes /tmp 65534:65534 box\n');
  assert.equal(
    await b.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']),
    'via entrypoint\n',
  );
});

test('exit codes: 127 command not found, 126 not executable, 125 berth errors — nothing left behind', async (t) => {
  const b = await berthWithContainers(t);
  const notFound = await b.berth(['run', '--rm', 'busybox', 'nope']);
  assert.equal(notFound.code, 127);
  assert.match(notFound.stderr, /exec: "nope": executable file not found in \$PATH/);
  const notExec = await b.berth(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126);
  const cases: [string[], RegExp][] = [
    // --pull never: not looked for in a registry (no traffic off loopback from tests)
    [['run', '--pull', 'never', 'nosuchimage'], /^Error: No such image: nosuchimage$/m],
    [['run', '--bogus', 'busybox'], /unknown flag: --bogus/],
    [['run', '--mount', 'type=bind,dst=/x', 'busybox'], /^Error: .*(source|Source)/m],
    [
      ['run', '--mount', 'type=bind,src=/does/not/exist,dst=/x', 'busybox', 'true'],
      /bind source path does not exist: \/does\/not\/exist/,
    ],
    [['run', '-m', 'lots', 'busybox'], /invalid/],
  ];
  for (const [args, message] of cases) {
    const r = await b.berth(args);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(await b.ok(['ps', '-aq']), '', 'no container left by any of them');
  await b.ok(['run', '-d', '--name', 'taken', 'busybox', 'sleep', '30']);
  const clash = await b.berth(['run', '--name', 'taken', 'busybox', 'true']);
  assert.equal(clash.code, 125);
  assert.match(
    clash.stderr,
    /Conflict\. The container name "\/taken" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./,
  );
});

test('volumes and binds: named volume, host dir, host file, read-only mount, copy-up, rm refused while used', async (t) => {
  const b = await berthWithContainers(t);
  const dir = await tempDir(t);
  await b.ok(['volume', 'create', 'my-volume']);
  await b.ok([
    'run',
    '--rm',
    '-v',
    'my-volume:/data',
    'busybox',
    'sh',
    '-c',
    'echo kept > /data/f',
  ]);
  assert.equal(
    await b.ok(['run', '--rm', '-v', 'my-volume:/data', 'busybox', 'cat', '/data/f']),
    'kept\n',
  );
  await fs.writeFile(path.join(dir, 'host.txt'), 'from host\n');
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '-v',
      `${dir}:/container/dir`,
      'busybox',
      'cat',
      '/container/dir/host.txt',
    ]),
    'from host\n',
  );
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '-v',
      `${path.join(dir, 'host.txt')}:/container/file`,
      'busybox',
      'cat',
      '/container/file',
    ]),
    'from host\n',
  );
  const ro = await b.berth([
    'run',
    '--rm',
    '--mount',
    `type=bind,src=${dir},dst=/ro,ro`,
    'busybox',
    'sh',
    '-c',
    'echo x > /ro/new',
  ]);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);
  const created = path.join(dir, 'made-by-v');
  await b.ok(['run', '--rm', '-v', `${created}:/made`, 'busybox', 'true']);
  assert.ok((await fs.stat(created)).isDirectory(), '-v creates a missing host directory');
  await b.ok(['run', '--rm', '--mount', 'type=volume,src=site-cache,dst=/etc', 'busybox', 'true']);
  assert.match(
    await b.ok(['run', '--rm', '-v', 'site-cache:/x', 'busybox', 'cat', '/x/passwd']),
    /^root:x:0:0/,
    'a new volume gets the image content (copy-up)',
  );
  await b.ok(['run', '-d', '--name', 'user', '-v', 'my-volume:/data', 'busybox', 'sleep', '30']);
  const inUse = await b.berth(['volume', 'rm', 'my-volume']);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /remove my-volume: volume is in use - \[[0-9a-f]{64}\]/);
  const mounts = JSON.parse(await inspect(b, 'user', '{{json .Mounts}}')) as {
    Type: string;
    Name: string;
    Destination: string;
  }[];
  assert.deepEqual(
    mounts.map((m) => [m.Type, m.Name, m.Destination]),
    [['volume', 'my-volume', '/data']],
  );
});

test('limits bite: OOM kill, pids limit, CPU quota, read-only root', async (t) => {
  const b = await berthWithContainers(t);
  const oom = await b.berth([
    'run',
    '--name',
    'hog',
    '-m',
    '32m',
    '--memory-swap',
    '32m',
    'busybox',
    'sh',
    '-c',
    'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}',
  ]);
  assert.equal(oom.code, 137, oom.stderr);
  assert.equal(await inspect(b, 'hog', '{{.State.OOMKilled}} {{.State.ExitCode}}'), 'true 137');
  const bomb = (
    await b.ok([
      'run',
      '-d',
      '--pids-limit',
      '20',
      'busybox',
      'sh',
      '-c',
      'while true; do (sleep 60 &) 2>/dev/null; done',
    ])
  ).trim();
  const pids = `/sys/fs/cgroup/pids/berth/${bomb}`;
  await until('the pids limit to be hit', async () =>
    /^max [1-9]/m.test(await fs.readFile(`${pids}/pids.events`, 'utf8')),
  );
  assert.equal((await fs.readFile(`${pids}/pids.max`, 'utf8')).trim(), '20');
  assert.ok(
    Number(await fs.readFile(`${pids}/pids.current`, 'utf8')) <= 20,
    'the fork bomb is held at 20 processes',
  );
  await b.ok(['rm', '-f', bomb]);
  const id = (await b.ok(['run', '-d', '--cpus', '0.5', 'busybox', 'sleep', '30'])).trim();
  assert.equal(
    (await fs.readFile(`/sys/fs/cgroup/cpu/berth/${id}/cpu.cfs_quota_us`, 'utf8')).trim(),
    '50000',
  );
  assert.equal(await inspect(b, id, '{{.HostConfig.NanoCpus}}'), '500000000');
  const ro = await b.berth([
    'run',
    '--rm',
    '--read-only',
    '--tmpfs',
    '/scratch',
    'busybox',
    'sh',
    '-c',
    'echo ok > /scratch/f && cat /scratch/f && echo x > /etc/x',
  ]);
  assert.equal(ro.stdout, 'ok\n');
  assert.match(ro.stderr, /Read-only file system/);
});

test('restart on-failure:2 restarts exactly twice, after the CLI is gone', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok([
    'run',
    '-d',
    '--name',
    'flaky',
    '--restart',
    'on-failure:2',
    'busybox',
    'sh',
    '-c',
    'echo run; exit 3',
  ]);
  await until(
    'the last exit',
    async () => (await inspect(b, 'flaky', '{{.State.Status}}')) === 'exited',
    20_000,
  );
  assert.equal(await inspect(b, 'flaky', '{{.RestartCount}} {{.State.ExitCode}}'), '2 3');
  assert.equal(await b.ok(['logs', 'flaky']), 'run\nrun\nrun\n');
});

test('twenty containers of one image share its snapshot and cost twenty small upper directories', async (t) => {
  const b = await berthWithContainers(t);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++)
    ids.push((await b.ok(['run', '-d', 'busybox', 'sleep', '60'])).trim());
  const mounts = (await fs.readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .filter((l) => ids.some((id) => l.includes(`${id}/rootfs`)));
  assert.equal(mounts.length, 20);
  const lowers = new Set(mounts.map((l) => /lowerdir=([^,]+)/.exec(l)?.[1]));
  assert.equal(lowers.size, 1, 'every rootfs is an overlay on the same read-only snapshot');
  for (const id of ids) {
    const upper = await fs.readdir(path.join(b.root, 'containers', id, 'upper'));
    assert.ok(upper.length <= 3, `container ${id} has a small upper dir: ${upper.join(',')}`);
  }
  await b.ok(['rm', '-f', ...ids]);
  for (const id of ids) assert.deepEqual(await leftovers(b, id), []);
});

test('exec: ps in a running container, env/workdir/user, exit codes, stdin', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok(['run', '-d', '--name', 'myapp', 'busybox', 'sleep', '60']);
  assert.match(await b.ok(['exec', 'myapp', 'ps']), /^PID +USER +COMMAND\n +1 root +sleep 60\n/);
  const r = await b.berth([
    'exec',
    '-e',
    'X=1',
    '-w',
    '/tmp',
    '-u',
    'nobody',
    'myapp',
    'sh',
    '-c',
    'echo $X $(pwd) $(id -u); exit 4',
  ]);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, '1 /tmp 65534\n');
  const missing = await b.berth(['exec', 'myapp', 'nope']);
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /executable file not found/);
  assert.equal(await b.ok(['exec', '-i', 'myapp', 'cat'], { input: 'piped\n' }), 'piped\n');
  assert.equal(
    await b.ok(['exec', '-d', 'myapp', 'sh', '-c', 'sleep 0.3; echo later > /tmp/d']),
    '',
  );
  await until(
    'the detached exec to finish',
    async () => (await b.berth(['exec', 'myapp', 'cat', '/tmp/d'])).stdout === 'later\n',
  );
  await b.ok(['stop', '-t', '0', 'myapp']);
  const stopped = await b.berth(['exec', 'myapp', 'true']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /is not running/);
});

test('run -it through a real pseudo-terminal: type, read, detach with Ctrl-P Ctrl-Q, attach again', async (t) => {
  const b = await berthWithContainers(t);
  const driver = path.join(import.meta.dirname, 'pty-driver.py');
  const drive = async (steps: [string, string][], args: string[]) => {
    const r = await runCommand('python3', [driver, JSON.stringify(steps), berthBin, ...args], {
      env: { BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot },
      timeoutMs: 60_000,
    });
    return JSON.parse(r.stdout) as { code: number | null; output: string; failed: unknown };
  };
  const first = await drive(
    [
      ['expect', '/ # '],
      ['send', 'echo hello-$((1+2))\r'],
      ['expect', 'hello-3\r\n'],
      ['send', '\x10\x11'],
    ],
    ['run', '-it', '--name', 'myapp', 'busybox', '/bin/sh'],
  );
  assert.equal(first.failed, null, first.output);
  assert.equal(first.code, 0, 'detaching leaves the CLI with 0');
  assert.ok(!first.output.includes('\r\r\n'), 'the terminal is raw: no doubled carriage returns');
  assert.match(await b.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /^myapp Up /);
  const shell = await drive(
    [
      ['send', 'echo $((6*7))\r'],
      ['expect', '42\r\n'],
      ['send', 'exit 5\r'],
    ],
    ['exec', '-it', 'myapp', '/bin/sh'],
  );
  assert.equal(shell.failed, null, shell.output);
  assert.equal(shell.code, 5);
  const again = await drive(
    [
      ['send', 'echo again\r'],
      ['expect', 'again\r\n'],
      ['send', 'exit 7\r'],
    ],
    ['attach', 'myapp'],
  );
  assert.equal(again.failed, null, again.output);
  assert.equal(again.code, 7);
  assert.match(
    await b.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']),
    /^myapp Exited \(7\) /,
  );
});

test('top, stats, rename, pause/unpause and container prune', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok([
    'run',
    '-d',
    '--name',
    'busy',
    '-m',
    '64m',
    'busybox',
    'sh',
    '-c',
    'while :; do :; done',
  ]);
  const top = (await b.ok(['top', 'busy'])).split('\n');
  assert.match(top[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
  assert.match(top[1]!, /sh -c while :; do :; done$/);
  const stats = (await b.ok(['stats', '--no-stream', 'busy'])).split('\n');
  assert.match(
    stats[0]!,
    /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/,
  );
  const [cpu, limit] = /\s(\d+\.\d\d)%\s+\S+ \/ (\S+)/.exec(stats[1]!)!.slice(1) as [
    string,
    string,
  ];
  assert.ok(Number(cpu) > 20, `a busy loop shows CPU use (${cpu}%)`);
  assert.equal(limit, '64MiB');
  await b.ok(['pause', 'busy']);
  assert.match(await b.ok(['ps', '--format', '{{.Status}}']), /^Up .* \(Paused\)$/m);
  assert.equal(
    (
      await fs.readFile(
        `/sys/fs/cgroup/freezer/berth/${await inspect(b, 'busy', '{{.Id}}')}/freezer.state`,
        'utf8',
      )
    ).trim(),
    'FROZEN',
  );
  await b.ok(['unpause', 'busy']);
  await b.ok(['rename', 'busy', 'renamed']);
  assert.equal(await b.ok(['ps', '--format', '{{.Names}}']), 'renamed\n');
  await b.ok(['run', '--name', 'done', 'busybox', 'true']);
  const pruned = await b.ok(['container', 'prune', '-f']);
  assert.match(pruned, /^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
  assert.deepEqual((await b.ok(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n'), [
    'renamed',
  ]);
});

test('an image in use by a container is kept: rmi refused, prune skips it', async (t) => {
  const b = await berthWithContainers(t);
  const imageId = (await b.ok(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).trim();
  await b.ok(['run', '-d', '--name', 'user', 'busybox', 'sleep', '60']);
  const running = await b.berth(['rmi', '-f', 'busybox']);
  assert.equal(running.code, 1);
  assert.match(
    running.stderr,
    /unable to delete [0-9a-f]{12} \(cannot be forced\) - image is being used by running container [0-9a-f]{12}/,
  );
  await b.ok(['stop', '-t', '0', 'user']);
  const stopped = await b.berth(['rmi', 'busybox']);
  assert.equal(stopped.code, 1);
  assert.match(
    stopped.stderr,
    /unable to remove repository reference "busybox:latest" \(must force\) - container [0-9a-f]{12} is using its referenced image/,
  );
  assert.match(await b.ok(['image', 'prune', '-a', '-f']), /^Total reclaimed space: 0B\n$/);
  assert.equal(
    await b.ok(['rmi', '-f', 'busybox']),
    'Untagged: busybox:latest\n',
    'forced: untagged, the image stays',
  );
  assert.equal((await b.ok(['images', '-q', '--no-trunc'])).trim(), imageId);
  assert.equal(
    await b.ok(['start', 'user']),
    'user\n',
    'the container still starts from its image',
  );
});

test('system check finds and cleans what a killed monitor leaves behind', async (t) => {
  const b = await berthWithContainers(t);
  const id = (await b.ok(['run', '-d', 'busybox', 'sleep', '60'])).trim();
  const monitorPid = Number(await fs.readFile(path.join(b.runroot, id, 'monitor.pid'), 'utf8'));
  process.kill(monitorPid, 'SIGKILL');
  await sleep(200);
  const report = await b.berth(['system', 'check']);
  assert.equal(report.code, 0, report.stdout + report.stderr);
  assert.match(report.stdout, /^repaired: container [0-9a-f]{64} runs without its monitor$/m);
  assert.deepEqual(await leftovers(b, id), []);
  assert.equal(await b.ok(['system', 'check', '--no-repair']), 'the store is clean\n');
  assert.match(await b.ok(['ps', '-a', '--format', '{{.State}}']), /^exited\n$/);
});

test('security and process options: --init, capabilities, privileged, no-new-privileges, ulimits, stop signal', async (t) => {
  const b = await berthWithContainers(t);
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--init',
      'busybox',
      'sh',
      '-c',
      'cat /proc/1/cmdline | tr "\\0" " "',
    ]),
    '/sbin/docker-init -- sh -c cat /proc/1/cmdline | tr "\\0" " " ',
  );
  const capEff = async (...flags: string[]) =>
    (await b.ok(['run', '--rm', ...flags, 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status']))
      .trim()
      .split(/\s+/)[1];
  assert.equal(await capEff(), '00000000a80425fb', "Docker's default capability set");
  assert.equal(await capEff('--cap-drop', 'ALL'), '0000000000000000');
  assert.equal(await capEff('--cap-drop', 'ALL', '--cap-add', 'CHOWN'), '0000000000000001');
  const denied = await b.berth(['run', '--rm', 'busybox', 'mount', '-t', 'tmpfs', 'x', '/tmp']);
  assert.notEqual(denied.code, 0, 'mount is refused without CAP_SYS_ADMIN');
  assert.equal(
    (await b.berth(['run', '--rm', '--privileged', 'busybox', 'mount', '-t', 'tmpfs', 'x', '/tmp']))
      .code,
    0,
  );
  assert.match(
    await b.ok([
      'run',
      '--rm',
      '--security-opt',
      'no-new-privileges',
      'busybox',
      'grep',
      'NoNewPrivs',
      '/proc/self/status',
    ]),
    /NoNewPrivs:\s+1/,
  );
  assert.equal(
    await b.ok([
      'run',
      '--rm',
      '--ulimit',
      'nofile=512:1024',
      'busybox',
      'sh',
      '-c',
      'ulimit -n; ulimit -Hn',
    ]),
    '512\n1024\n',
  );
  const tooHigh = await b.berth([
    'run',
    '--rm',
    '--ulimit',
    'nofile=99999999:99999999',
    'busybox',
    'true',
  ]);
  assert.equal(tooHigh.code, 125, 'never above the host hard limit');
  await b.ok([
    'run',
    '-d',
    '--name',
    'sig',
    '--stop-signal',
    'USR1',
    'busybox',
    'sh',
    '-c',
    'trap "exit 42" USR1; while :; do sleep 0.1; done',
  ]);
  await sleep(300);
  await b.ok(['stop', 'sig']);
  assert.equal(
    await inspect(b, 'sig', '{{.State.ExitCode}}'),
    '42',
    'stop sends the stop signal first',
  );
  await b.ok(['restart', 'sig']);
  assert.equal(await inspect(b, 'sig', '{{.State.Status}}'), 'running');
});

test('logs rotate (max-size, max-file) and logs -f follows across rotation', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok([
    'run',
    '-d',
    '--name',
    'chatty',
    '--log-opt',
    'max-size=2k',
    '--log-opt',
    'max-file=3',
    'busybox',
    'sh',
    '-c',
    'i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "line $i"; sleep 0.005; done',
  ]);
  const follow = await b.berth(['logs', '-f', 'chatty']);
  const lines = follow.stdout.trim().split('\n');
  assert.equal(lines[lines.length - 1], 'line 400', 'the follower saw the end');
  const numbers = lines.map((l) => Number(l.split(' ')[1]));
  assert.deepEqual(
    numbers,
    [...numbers].sort((x, y) => x - y),
    'in order, no line twice',
  );
  const id = await inspect(b, 'chatty', '{{.Id}}');
  const files = (await fs.readdir(path.join(b.root, 'containers', id)))
    .filter((f) => f.includes('-json.log'))
    .sort();
  assert.deepEqual(files, [`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
  for (const f of files)
    assert.ok((await fs.stat(path.join(b.root, 'containers', id, f))).size <= 2000);
});

test('system check removes the directory of a container whose creation died half-way', async (t) => {
  const b = await berthWithContainers(t);
  const stray = path.join(b.root, 'containers', 'f'.repeat(64));
  await fs.mkdir(path.join(stray, 'upper'), { recursive: true });
  assert.match(
    await b.berth(['system', 'check', '--no-repair']).then((r) => r.stdout),
    /problem: directory of a removed container/,
  );
  assert.equal((await b.berth(['system', 'check'])).code, 0);
  await assert.rejects(fs.access(stray));
});

test("an image's VOLUME gets an anonymous volume with the image's content; rm -v removes it", async (t) => {
  const b = await berthWithContainers(t);
  const dir = await tempDir(t);
  const tar = path.join(dir, 'vol.tar');
  await b.ok(['export', '-o', tar, (await b.ok(['create', 'busybox'])).trim()]);
  await b.ok(['import', '-c', 'VOLUME /etc', '-c', 'CMD ["sh"]', tar, 'withvol:1']);
  await b.ok(['run', '--name', 'vol', 'withvol:1', 'true']);
  const [m] = JSON.parse(await inspect(b, 'vol', '{{json .Mounts}}')) as {
    Type: string;
    Name: string;
    Destination: string;
  }[];
  assert.equal(m!.Type, 'volume');
  assert.equal(m!.Destination, '/etc');
  assert.match(m!.Name, /^[0-9a-f]{64}$/);
  assert.match(
    await fs.readFile(path.join(b.root, 'volumes', m!.Name, '_data', 'passwd'), 'utf8'),
    /^root:/,
  );
  await b.ok(['rm', '-v', 'vol']);
  await assert.rejects(fs.access(path.join(b.root, 'volumes', m!.Name)));
});

test('logs --since/--until pick a time window; run -t gives TTY output without stdin', async (t) => {
  const b = await berthWithContainers(t);
  await b.ok(['run', '--name', 'timed', 'busybox', 'sh', '-c', 'echo early; sleep 1.5; echo late']);
  const entries = (await b.ok(['logs', '-t', 'timed'])).trim().split('\n');
  const lateAt = Date.parse(entries[1]!.split(' ')[0]!);
  assert.equal(
    await b.ok(['logs', '--since', new Date(lateAt - 500).toISOString(), 'timed']),
    'late\n',
  );
  assert.equal(
    await b.ok(['logs', '--until', new Date(lateAt - 500).toISOString(), 'timed']),
    'early\n',
  );
  assert.equal(
    await b.ok(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'test -t 1 && echo tty']),
    'tty\r\n',
  );
});

test('--network none has only lo; --network host sees the host’s interfaces and name', async (t) => {
  const b = await berthWithContainers(t);
  const none = await b.ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
  assert.deepEqual(
    none
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1]!.trim()),
    ['lo'],
  );
  // other tests add and remove interfaces meanwhile: compare the ones there before and after
  const links = async () => new Set(await fs.readdir('/sys/class/net'));
  const before = await links();
  const host = await b.ok([
    'run',
    '--rm',
    '--network',
    'host',
    'busybox',
    'sh',
    '-c',
    'ls /sys/class/net; hostname',
  ]);
  const after = await links();
  const seen = host.trim().split(/\s+/);
  const hostname = (await fs.readFile('/etc/hostname', 'utf8')).trim();
  assert.equal(seen.pop(), hostname);
  for (const l of before)
    if (after.has(l)) assert.ok(seen.includes(l), `${l} in ${seen.join(' ')}`);
});

test('signals sent to an attached berth run reach the container (sig-proxy)', async (t) => {
  const b = await berthWithContainers(t);
  const child = spawn(
    berthBin,
    [
      'run',
      '--name',
      'sp',
      'busybox',
      'sh',
      '-c',
      'trap "echo got INT; exit 9" INT; echo ready; while :; do sleep 0.1; done',
    ],
    {
      env: { ...process.env, BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot },
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', r));
  await until('the container to be ready', () => Promise.resolve(out.includes('ready')));
  child.kill('SIGINT');
  assert.equal(await exited, 9);
  assert.match(out, /got INT/);
});

test('concurrent berth commands on one container are safe: two starts make one monitor', async (t) => {
  const b = await berthWithContainers(t);
  const id = (await b.ok(['create', '--name', 'twice', 'busybox', 'sleep', '30'])).trim();
  const results = await Promise.all([
    b.berth(['start', 'twice']),
    b.berth(['start', 'twice']),
    b.berth(['start', 'twice']),
  ]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const monitors = (await runCommand('pgrep', ['-f', `berth-monitor --id ${id}`])).stdout
    .trim()
    .split('\n')
    .filter(Boolean);
  assert.equal(monitors.length, 1, 'one monitor for the container');
  const [stop, rm] = await Promise.all([
    b.berth(['stop', '-t', '0', 'twice']),
    b.berth(['rm', '-f', 'twice']),
  ]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.ok(stop.code === 0 || /No such container/.test(stop.stderr), stop.stderr);
  assert.deepEqual(await leftovers(b, id), []);
});

test('run --rm: the attached berth removes the container; if it is killed, the monitor does', async (t) => {
  const b = await berthWithContainers(t);
  assert.equal(await b.ok(['run', '--rm', '--name', 'gone', 'busybox', 'echo', 'hi']), 'hi\n');
  assert.equal(await b.ok(['ps', '-aq']), '', 'removed before berth run returned');

  // the berth that would remove it dies (kill -9) while the container runs
  const child = spawn(
    berthBin,
    ['run', '--rm', '--name', 'orphan', 'busybox', 'sh', '-c', 'echo ready; sleep 1'],
    { env: { ...process.env, BERTH_ROOT: b.root, BERTH_RUNROOT: b.runroot } },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.once('close', r));
  await until('the container to be ready', () => Promise.resolve(out.includes('ready')));
  const id = await inspect(b, 'orphan', '{{.Id}}');
  child.kill('SIGKILL');
  await exited;
  await until('the monitor to remove it', async () => (await b.ok(['ps', '-aq'])) === '');
  assert.deepEqual(await leftovers(b, id), []);
  await until('its state directory to go', async () =>
    fs.stat(path.join(b.runroot, id)).then(
      () => false,
      () => true,
    ),
  );
});
