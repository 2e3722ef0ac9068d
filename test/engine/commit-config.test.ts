/** The config of a committed image: Docker's merge of `--change` over the container's config. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitConfig, mergeConfig } from '../../src/engine/commit-config.js';
import type { ContainerRecord } from '../../src/runtime/container-record.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function record(config: Partial<ContainerRecord['config']>): ContainerRecord {
  return {
    config: {
      Hostname: 'abc123',
      Domainname: '',
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Image: 'busybox',
      ...config,
    },
  } as ContainerRecord;
}

test('the container config is kept; the engine-added variables are not', () => {
  const r = record({
    Env: [PATH, 'HOSTNAME=abc123', 'TERM=xterm', 'MODE=prod'],
    Cmd: ['sh', '-c', 'echo hi'],
    Entrypoint: null,
    WorkingDir: '/app',
    User: 'nobody',
    Labels: { a: '1' },
    ExposedPorts: { '80/tcp': {} },
    Tty: true,
  });
  assert.deepEqual(commitConfig(r, [PATH], []), {
    User: 'nobody',
    ExposedPorts: { '80/tcp': {} },
    Env: [PATH, 'MODE=prod'],
    Cmd: ['sh', '-c', 'echo hi'],
    WorkingDir: '/app',
    Labels: { a: '1' },
  });
});

test('--change wins; Docker merge rules fill in the rest', () => {
  const r = record({
    Env: [PATH, 'A=1', 'B=2'],
    Cmd: ['sh'],
    Entrypoint: ['/init'],
    Labels: { x: 'c' },
  });
  const c = commitConfig(r, [PATH], ['CMD ["cat","/hello"]', 'ENV B=3', 'LABEL y=u']);
  assert.deepEqual(c.Cmd, ['cat', '/hello']);
  assert.deepEqual(c.Entrypoint, ['/init'], 'an unset ENTRYPOINT comes from the container');
  assert.deepEqual(c.Env, ['B=3', PATH, 'A=1']);
  assert.deepEqual(c.Labels, { x: 'c', y: 'u' });
  const ep = commitConfig(r, [PATH], ['ENTRYPOINT ["/other"]']);
  assert.deepEqual(ep.Entrypoint, ['/other']);
  assert.equal(ep.Cmd, undefined, 'a new ENTRYPOINT does not inherit the old CMD (Docker)');
});

test('merge: ports and volumes are unions, healthcheck fields fill in', () => {
  const merged = mergeConfig(
    { ExposedPorts: { '81/tcp': {} }, Volumes: { '/a': {} }, Healthcheck: { Test: ['CMD', 'x'] } },
    {
      ExposedPorts: { '80/tcp': {} },
      Volumes: { '/b': {} },
      Healthcheck: { Test: ['CMD', 'y'], Interval: 5, Retries: 3 },
      StopSignal: 'SIGINT',
    },
  );
  assert.deepEqual(merged.ExposedPorts, { '80/tcp': {}, '81/tcp': {} });
  assert.deepEqual(merged.Volumes, { '/a': {}, '/b': {} });
  assert.deepEqual(merged.Healthcheck, { Test: ['CMD', 'x'], Interval: 5, Retries: 3 });
  assert.equal(merged.StopSignal, 'SIGINT');
});
