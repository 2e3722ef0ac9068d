// The runtime spec of a container, checked against what Docker's daemon writes for the same
// image and options (moby daemon/oci_linux.go createSpec, daemon/create.go), and against the
// ENTRYPOINT × CMD table of the Dockerfile reference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
} from '../../src/core/container-defaults.js';
import {
  bindMountOptions,
  buildRuntimeSpec,
  containerCommand,
  containerEnv,
  type SpecInput,
} from '../../src/core/container-spec.js';
import { isBerthError } from '../../src/core/errors.js';
import { parseCpus } from '../../src/core/run-options.js';
import { RLIMIT_UNLIMITED, type RuntimeSpec } from '../../src/core/runtime-spec.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const input = (over: Partial<SpecInput> = {}): SpecInput => ({
  image: { Cmd: ['sh'], Env: [PATH] },
  hostname: 'c0ffee123456',
  rootfs: '/var/lib/berth/containers/c0ffee/bundle/rootfs',
  cgroupsPath: '/berth/c0ffee',
  network: { mode: 'none' },
  hostLimits: { nofile: { soft: 20000, hard: 20000 }, nproc: { soft: 96365, hard: 96365 } },
  ...over,
});

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });

const mount = (spec: RuntimeSpec, destination: string) =>
  spec.mounts.find((m) => m.destination === destination);

describe('containerCommand', () => {
  // The Dockerfile reference, "Understand how CMD and ENTRYPOINT interact". A shell-form
  // instruction is stored as ["/bin/sh", "-c", "..."]; with a shell-form ENTRYPOINT the CMD
  // becomes the shell's $0 and $1, which the command string ignores.
  const shellEntry = ['/bin/sh', '-c', 'exec_entry p1_entry'];
  const execEntry = ['exec_entry', 'p1_entry'];
  const execCmd = ['exec_cmd', 'p1_cmd'];
  const shellCmd = ['/bin/sh', '-c', 'exec_cmd p1_cmd'];
  const table: Array<[string, string[] | undefined, string[] | undefined, string[] | 'error']> = [
    ['no ENTRYPOINT, no CMD', undefined, undefined, 'error'],
    ['ENTRYPOINT shell form, no CMD', shellEntry, undefined, shellEntry],
    ['ENTRYPOINT exec form, no CMD', execEntry, undefined, execEntry],
    ['no ENTRYPOINT, CMD exec form', undefined, execCmd, execCmd],
    ['ENTRYPOINT shell form, CMD exec form', shellEntry, execCmd, [...shellEntry, ...execCmd]],
    ['ENTRYPOINT exec form, CMD exec form', execEntry, execCmd, [...execEntry, ...execCmd]],
    ['no ENTRYPOINT, CMD shell form', undefined, shellCmd, shellCmd],
    ['ENTRYPOINT shell form, CMD shell form', shellEntry, shellCmd, [...shellEntry, ...shellCmd]],
    ['ENTRYPOINT exec form, CMD shell form', execEntry, shellCmd, [...execEntry, ...shellCmd]],
  ];
  for (const [name, Entrypoint, Cmd, want] of table) {
    it(name, () => {
      const image = { Entrypoint, Cmd };
      if (want === 'error') rejects(() => containerCommand(image), 'no command specified');
      else assert.deepEqual(containerCommand(image).args, want);
    });
  }

  it('applies the run overrides as the daemon merges them', () => {
    const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'] };
    const plain = { Cmd: ['sh'] };
    const table: Array<
      [object, string[] | null | undefined, string[] | undefined, string[] | 'error']
    > = [
      [image, undefined, undefined, ['/entry.sh', 'serve', '--port', '80']],
      [image, undefined, ['bash'], ['/entry.sh', 'bash']],
      [image, null, [], ['/entry.sh', 'serve', '--port', '80']],
      // --entrypoint replaces the image's Cmd too
      [image, ['/bin/true'], undefined, ['/bin/true']],
      [image, ['/bin/echo'], ['hi'], ['/bin/echo', 'hi']],
      // --entrypoint "" resets both; a command must then be given
      [image, [''], undefined, 'error'],
      [image, [''], ['ls', '-l'], ['ls', '-l']],
      [plain, [''], undefined, 'error'],
      // the API's empty Entrypoint resets it but keeps the image's Cmd
      [image, [], undefined, ['serve', '--port', '80']],
      [image, [], ['id'], ['id']],
      [plain, undefined, ['echo', 'x'], ['echo', 'x']],
    ];
    for (const [img, entrypoint, cmd, want] of table) {
      const label = JSON.stringify({ img, entrypoint, cmd });
      if (want === 'error')
        rejects(() => containerCommand(img, entrypoint, cmd), 'no command specified');
      else assert.deepEqual(containerCommand(img, entrypoint, cmd).args, want, label);
    }
    assert.deepEqual(containerCommand(image, ['/bin/echo'], ['hi']), {
      entrypoint: ['/bin/echo'],
      cmd: ['hi'],
      args: ['/bin/echo', 'hi'],
    });
  });
});

describe('containerEnv', () => {
  it('puts PATH, HOSTNAME (and TERM) first, then -e and the image env', () => {
    assert.deepEqual(containerEnv([], [], 'h', false), [PATH, 'HOSTNAME=h']);
    assert.deepEqual(containerEnv([], [], 'h', true), [PATH, 'HOSTNAME=h', 'TERM=xterm']);
    assert.deepEqual(
      containerEnv(['PATH=/custom/bin', 'A=1', 'B=2'], ['B=3', 'C=4', 'A'], 'h', false),
      ['PATH=/custom/bin', 'HOSTNAME=h', 'B=3', 'C=4'],
    );
    assert.deepEqual(containerEnv(['LANG=C.UTF-8'], ['HOSTNAME=mine', 'TERM'], 'h', true), [
      PATH,
      'HOSTNAME=mine',
      'LANG=C.UTF-8',
    ]);
    assert.deepEqual(containerEnv(['X=a=b'], ['Y='], 'h', false), [
      PATH,
      'HOSTNAME=h',
      'Y=',
      'X=a=b',
    ]);
  });
});

describe('buildRuntimeSpec', () => {
  it("writes Docker's defaults", () => {
    const spec = buildRuntimeSpec(input());
    const { seccomp, ...linux } = spec.linux;
    assert.ok(seccomp);
    assert.deepEqual(
      { ...spec, linux },
      {
        ociVersion: '1.0.2-dev',
        process: {
          terminal: false,
          user: { uid: 0, gid: 0, additionalGids: [0] },
          args: ['sh'],
          env: [PATH, 'HOSTNAME=c0ffee123456'],
          cwd: '/',
          capabilities: {
            bounding: [...DEFAULT_CAPABILITIES],
            effective: [...DEFAULT_CAPABILITIES],
            permitted: [...DEFAULT_CAPABILITIES],
          },
          rlimits: [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }],
          noNewPrivileges: false,
        },
        root: { path: '/var/lib/berth/containers/c0ffee/bundle/rootfs', readonly: false },
        hostname: 'c0ffee123456',
        mounts: [
          {
            destination: '/proc',
            type: 'proc',
            source: 'proc',
            options: ['nosuid', 'noexec', 'nodev'],
          },
          {
            destination: '/dev',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
          },
          {
            destination: '/dev/pts',
            type: 'devpts',
            source: 'devpts',
            options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
          },
          {
            destination: '/sys',
            type: 'sysfs',
            source: 'sysfs',
            options: ['nosuid', 'noexec', 'nodev', 'ro'],
          },
          {
            destination: '/sys/fs/cgroup',
            type: 'cgroup',
            source: 'cgroup',
            options: ['ro', 'nosuid', 'noexec', 'nodev'],
          },
          {
            destination: '/dev/mqueue',
            type: 'mqueue',
            source: 'mqueue',
            options: ['nosuid', 'noexec', 'nodev'],
          },
          {
            destination: '/dev/shm',
            type: 'tmpfs',
            source: 'shm',
            options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'],
          },
        ],
        linux: {
          namespaces: [
            { type: 'mount' },
            { type: 'network' },
            { type: 'uts' },
            { type: 'pid' },
            { type: 'ipc' },
          ],
          resources: {
            devices: [
              { allow: false, access: 'rwm' },
              { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
              { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
              { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
              { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
              { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
              { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
              { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
            ],
          },
          cgroupsPath: '/berth/c0ffee',
          devices: [],
          maskedPaths: [...DEFAULT_MASKED_PATHS],
          readonlyPaths: [...DEFAULT_READONLY_PATHS],
          sysctl: {
            'net.ipv4.ping_group_range': '0 2147483647',
            'net.ipv4.ip_unprivileged_port_start': '0',
          },
        },
      },
    );
    assert.ok(spec.linux.maskedPaths!.includes('/proc/kcore'));
    assert.ok(spec.linux.readonlyPaths!.includes('/proc/sys'));
    // nothing undefined is left for JSON to drop
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
  });

  it('takes the command, working directory, user and TTY', () => {
    const spec = buildRuntimeSpec(
      input({
        image: {
          Entrypoint: ['/docker-entrypoint.sh'],
          Cmd: ['nginx'],
          WorkingDir: '/srv',
          Env: [PATH, 'NGINX_VERSION=1.25'],
        },
        cmd: ['nginx', '-g', 'daemon off;'],
        env: ['A=1'],
        tty: true,
        user: { uid: 101, gid: 101, additionalGids: [101, 4] },
      }),
    );
    assert.deepEqual(spec.process.args, ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
    assert.equal(spec.process.cwd, '/srv');
    assert.equal(spec.process.terminal, true);
    assert.deepEqual(spec.process.env, [
      PATH,
      'HOSTNAME=c0ffee123456',
      'TERM=xterm',
      'A=1',
      'NGINX_VERSION=1.25',
    ]);
    assert.deepEqual(spec.process.user, { uid: 101, gid: 101, additionalGids: [101, 4] });
    // a non-root user keeps the bounding set only, as execve would leave it
    assert.deepEqual(spec.process.capabilities, {
      bounding: [...DEFAULT_CAPABILITIES],
      effective: [],
      permitted: [],
    });

    assert.equal(buildRuntimeSpec(input({ workdir: '/app/' })).process.cwd, '/app');
    rejects(
      () => buildRuntimeSpec(input({ workdir: 'app' })),
      "the working directory 'app' is invalid, it needs to be an absolute path",
    );
    rejects(() => buildRuntimeSpec(input({ image: {} })), 'no command specified');
  });

  it('adds and drops capabilities, with or without CAP_, and ALL', () => {
    const caps = (capAdd: string[], capDrop: string[]) =>
      buildRuntimeSpec(input({ capAdd, capDrop })).process.capabilities;
    assert.deepEqual(caps(['NET_ADMIN'], ['CAP_MKNOD']).bounding, [
      ...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD'),
      'CAP_NET_ADMIN',
    ]);
    assert.deepEqual(caps([], ['ALL']), { bounding: [], effective: [], permitted: [] });
    assert.deepEqual(caps(['ALL'], []).bounding, [...ALL_CAPABILITIES]);
    assert.deepEqual(caps(['cap_chown'], ['all']).bounding, ['CAP_CHOWN']);
    rejects(() => caps(['NOPE'], []), 'unknown capability: "CAP_NOPE"');
  });

  it('makes a privileged container', () => {
    const host = {
      capabilities: ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'),
      devices: [
        {
          path: '/dev/loop0',
          type: 'b' as const,
          major: 7,
          minor: 0,
          fileMode: 0o660,
          uid: 0,
          gid: 6,
        },
      ],
    };
    const spec = buildRuntimeSpec(input({ privileged: true, capDrop: ['ALL'], host }));
    assert.deepEqual(spec.process.capabilities.bounding, host.capabilities);
    assert.equal(spec.linux.seccomp, undefined);
    assert.equal(spec.linux.maskedPaths, undefined);
    assert.equal(spec.linux.readonlyPaths, undefined);
    assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(spec.linux.devices, host.devices);
    assert.deepEqual(mount(spec, '/sys')!.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(mount(spec, '/sys/fs/cgroup')!.options, ['nosuid', 'noexec', 'nodev']);
  });

  it('makes the root file system read-only, but not /dev, /proc nor the user mounts', () => {
    const spec = buildRuntimeSpec(
      input({
        readOnly: true,
        init: '/usr/bin/tini-static',
        mounts: [
          {
            destination: '/data',
            type: 'bind',
            source: '/srv/data',
            options: bindMountOptions({ propagation: 'rprivate' }),
          },
          {
            destination: '/etc/hosts',
            type: 'bind',
            source: '/run/berth/c0ffee/hosts',
            options: ['rbind', 'rprivate'],
          },
        ],
      }),
    );
    assert.equal(spec.root.readonly, true);
    for (const dest of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']) {
      assert.ok(!mount(spec, dest)!.options.includes('ro'), dest);
    }
    for (const dest of ['/sys', '/sys/fs/cgroup', '/sbin/docker-init']) {
      assert.equal(mount(spec, dest)!.options.filter((o) => o === 'ro').length, 1, dest);
    }
    assert.deepEqual(mount(spec, '/data')!.options, ['rbind', 'rprivate']);
    assert.deepEqual(mount(spec, '/etc/hosts')!.options, ['rbind', 'rprivate']);
  });

  it('runs an init as PID 1', () => {
    const spec = buildRuntimeSpec(input({ init: '/usr/bin/tini-static', cmd: ['sleep', '10'] }));
    assert.deepEqual(spec.process.args, ['/sbin/docker-init', '--', 'sleep', '10']);
    assert.deepEqual(mount(spec, '/sbin/docker-init'), {
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['bind', 'ro'],
    });
  });

  it('orders user mounts by depth after the defaults, and lets them replace defaults', () => {
    const spec = buildRuntimeSpec(
      input({
        shmSize: 128 * 1024 * 1024,
        mounts: [
          { destination: '/a/b/c', type: 'bind', source: '/x', options: ['rbind', 'rprivate'] },
          { destination: '/a', type: 'bind', source: '/y', options: ['rbind', 'rprivate'] },
          {
            destination: '/run',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['noexec', 'nosuid', 'nodev', 'rprivate'],
          },
          { destination: '/dev/mqueue', type: 'bind', source: '/q', options: ['rbind'] },
        ],
      }),
    );
    assert.deepEqual(
      spec.mounts.map((m) => m.destination),
      [
        '/proc',
        '/dev',
        '/dev/pts',
        '/sys',
        '/sys/fs/cgroup',
        '/dev/shm',
        '/a',
        '/run',
        '/dev/mqueue',
        '/a/b/c',
      ],
    );
    assert.ok(mount(spec, '/dev/shm')!.options.includes('size=134217728'));
    assert.equal(mount(spec, '/dev/mqueue')!.source, '/q');

    const dev = buildRuntimeSpec(
      input({
        mounts: [{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] }],
      }),
    );
    assert.deepEqual(
      dev.mounts.map((m) => m.destination),
      ['/proc', '/sys', '/sys/fs/cgroup', '/dev'],
    );
  });

  it('sets the rootfs propagation shared or slave binds need', () => {
    const prop = (options: string[]) =>
      buildRuntimeSpec(
        input({ mounts: [{ destination: '/m', type: 'bind', source: '/m', options }] }),
      ).linux.rootfsPropagation;
    assert.equal(prop(['rbind', 'rprivate']), undefined);
    assert.equal(prop(['rbind', 'rshared']), 'shared');
    assert.equal(prop(['rbind', 'slave']), 'rslave');
  });

  it('creates, skips or joins the network namespace', () => {
    const ns = (network: SpecInput['network']) => buildRuntimeSpec(input({ network })).linux;
    assert.deepEqual(ns({ mode: 'none' }).namespaces, [
      { type: 'mount' },
      { type: 'network' },
      { type: 'uts' },
      { type: 'pid' },
      { type: 'ipc' },
    ]);
    const host = ns({ mode: 'host' });
    assert.deepEqual(host.namespaces, [
      { type: 'mount' },
      { type: 'uts' },
      { type: 'pid' },
      { type: 'ipc' },
    ]);
    assert.equal(host.sysctl, undefined);
    const joined = ns({ mode: 'path', path: '/run/berth/netns/c0ffee' });
    assert.deepEqual(joined.namespaces[1], { type: 'network', path: '/run/berth/netns/c0ffee' });
    assert.equal(joined.sysctl!['net.ipv4.ip_unprivileged_port_start'], '0');
    assert.deepEqual(
      buildRuntimeSpec(input({ host: { cgroupNamespace: true } })).linux.namespaces.at(-1),
      { type: 'cgroup' },
    );
  });

  it('takes --sysctl, refusing net.* in the host network namespace', () => {
    const spec = buildRuntimeSpec(
      input({
        sysctls: { 'net.ipv4.ip_unprivileged_port_start': '1024', 'kernel.msgmax': '65536' },
      }),
    );
    assert.deepEqual(spec.linux.sysctl, {
      'net.ipv4.ping_group_range': '0 2147483647',
      'net.ipv4.ip_unprivileged_port_start': '1024',
      'kernel.msgmax': '65536',
    });
    rejects(
      () =>
        buildRuntimeSpec(
          input({ network: { mode: 'host' }, sysctls: { 'net.core.somaxconn': '1024' } }),
        ),
      'sysctl "net.core.somaxconn" not allowed in host network namespace',
    );
  });

  it('sets resources only when given', () => {
    const res = (resources: SpecInput['resources'], host?: SpecInput['host']) =>
      buildRuntimeSpec(input({ resources, ...(host ? { host } : {}) })).linux.resources;
    const none = res({});
    assert.deepEqual(Object.keys(none), ['devices']);
    assert.deepEqual(res({ nanoCpus: parseCpus('0.5') }).cpu, { quota: 50000, period: 100000 });
    assert.deepEqual(res({ nanoCpus: 2e9, cpuShares: 512 }).cpu, {
      shares: 512,
      quota: 200000,
      period: 100000,
    });
    assert.deepEqual(res({ cpuQuota: 25000, cpuPeriod: 50000 }).cpu, {
      quota: 25000,
      period: 50000,
    });
    assert.deepEqual(res({ pidsLimit: 100 }).pids, { limit: 100 });
    assert.equal(res({ pidsLimit: -1 }).pids, undefined);
    const MiB = 1024 * 1024;
    // Docker's default swap: as much again as the memory limit
    assert.deepEqual(res({ memory: 64 * MiB }).memory, { limit: 64 * MiB, swap: 128 * MiB });
    assert.deepEqual(res({ memory: 64 * MiB, memorySwap: -1 }).memory, { limit: 64 * MiB });
    assert.deepEqual(res({ memory: 64 * MiB, memorySwap: 100 * MiB }).memory, {
      limit: 64 * MiB,
      swap: 100 * MiB,
    });
    assert.deepEqual(res({ memory: 64 * MiB, memorySwap: 64 * MiB }).memory, {
      limit: 64 * MiB,
      swap: 64 * MiB,
    });
    assert.deepEqual(res({ memory: 64 * MiB, memoryReservation: 32 * MiB }).memory, {
      limit: 64 * MiB,
      swap: 128 * MiB,
      reservation: 32 * MiB,
    });
    assert.deepEqual(res({ memory: 64 * MiB }, { swapLimit: false }).memory, { limit: 64 * MiB });
  });

  it('refuses resources as the daemon does', () => {
    const MiB = 1024 * 1024;
    const table: Array<[SpecInput['resources'], string]> = [
      [{ memory: 4 * MiB }, 'Minimum memory limit allowed is 6MB'],
      [
        { memory: 64 * MiB, memorySwap: 32 * MiB },
        'Minimum memoryswap limit should be larger than memory limit, see usage',
      ],
      [
        { memorySwap: 32 * MiB },
        'You should always set the Memory limit when using Memoryswap limit, see usage',
      ],
      [
        { memory: 32 * MiB, memoryReservation: 64 * MiB },
        'Minimum memory limit can not be less than memory reservation limit, see usage',
      ],
      [
        { nanoCpus: 1e9, cpuQuota: 50000 },
        'Conflicting options: Nano CPUs and CPU Quota cannot both be set',
      ],
      [
        { nanoCpus: 1e9, cpuPeriod: 50000 },
        'Conflicting options: Nano CPUs and CPU Period cannot both be set',
      ],
      [
        { cpuPeriod: 500 },
        'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
      ],
      [{ cpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
    ];
    for (const [resources, message] of table)
      rejects(() => buildRuntimeSpec(input({ resources })), message);
  });

  it('keeps rlimits within what the engine can grant', () => {
    const rl = (over: Partial<SpecInput>) => buildRuntimeSpec(input(over)).process.rlimits;
    // Docker's 1048576 lowered to the engine's hard limit
    assert.deepEqual(rl({}), [{ type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 }]);
    assert.deepEqual(rl({ host: { canRaiseRlimits: true } }), [
      { type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 },
    ]);
    assert.deepEqual(rl({ ulimits: [{ name: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }] }), [
      { type: 'RLIMIT_NOFILE', hard: 2048, soft: 1024 },
    ]);
    assert.deepEqual(rl({ ulimits: [{ name: 'nproc', soft: 512, hard: 1024 }] }), [
      { type: 'RLIMIT_NPROC', hard: 1024, soft: 512 },
      { type: 'RLIMIT_NOFILE', hard: 20000, soft: 20000 },
    ]);
    const withCore = input({ ulimits: [{ name: 'core', soft: -1, hard: -1 }] });
    withCore.hostLimits.core = { soft: 0, hard: Infinity };
    assert.deepEqual(buildRuntimeSpec(withCore).process.rlimits[0], {
      type: 'RLIMIT_CORE',
      hard: RLIMIT_UNLIMITED,
      soft: RLIMIT_UNLIMITED,
    });
    rejects(
      () => rl({ ulimits: [{ name: 'RLIMIT_NOFILE', soft: 1024, hard: 65536 }] }),
      "ulimit nofile: hard limit 65536 is above the engine's own hard limit 20000, which it cannot raise",
    );
    rejects(
      () => rl({ ulimits: [{ name: 'nofile', soft: -1, hard: -1 }] }),
      "ulimit nofile: hard limit unlimited is above the engine's own hard limit 20000, which it cannot raise",
    );
    rejects(
      () => rl({ ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] }),
      'invalid ulimit type: bogus',
    );
  });

  it('applies --security-opt', () => {
    assert.equal(
      buildRuntimeSpec(input({ securityOpt: ['no-new-privileges'] })).process.noNewPrivileges,
      true,
    );
    assert.equal(
      buildRuntimeSpec(input({ securityOpt: ['no-new-privileges:true'] })).process.noNewPrivileges,
      true,
    );
    assert.equal(
      buildRuntimeSpec(input({ securityOpt: ['seccomp=unconfined'] })).linux.seccomp,
      undefined,
    );
    assert.ok(
      buildRuntimeSpec(input({ securityOpt: ['seccomp=builtin', 'apparmor=unconfined'] })).linux
        .seccomp,
    );
    const unmasked = buildRuntimeSpec(input({ securityOpt: ['systempaths=unconfined'] })).linux;
    assert.equal(unmasked.maskedPaths, undefined);
    assert.equal(unmasked.readonlyPaths, undefined);
    const custom = buildRuntimeSpec(
      input({
        securityOpt: [
          'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}',
        ],
      }),
    ).linux.seccomp;
    assert.deepEqual(custom, {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
    rejects(
      () => buildRuntimeSpec(input({ securityOpt: ['bogus=1'] })),
      'invalid --security-opt 2: "bogus=1"',
    );
    rejects(
      () => buildRuntimeSpec(input({ securityOpt: ['seccomp=/etc/profile.json'] })),
      'invalid seccomp profile "/etc/profile.json": expected "unconfined", "builtin" or the profile\'s JSON content',
    );
  });

  it('filters seccomp by the final capabilities and the architecture', () => {
    const allowsMount = (spec: RuntimeSpec) =>
      spec.linux.seccomp!.syscalls!.some(
        (r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes('mount'),
      );
    assert.ok(!allowsMount(buildRuntimeSpec(input())));
    assert.ok(allowsMount(buildRuntimeSpec(input({ capAdd: ['SYS_ADMIN'] }))));
    assert.deepEqual(
      buildRuntimeSpec(input({ host: { arch: 'arm64' } })).linux.seccomp!.architectures,
      ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    );
  });

  it('turns labels into annotations, and sets the OOM score only when given', () => {
    const spec = buildRuntimeSpec(
      input({
        image: { Cmd: ['sh'], Labels: { a: '1', b: 'image' } },
        labels: { b: '2' },
        oomScoreAdj: 500,
      }),
    );
    assert.deepEqual(spec.annotations, { a: '1', b: '2' });
    assert.equal(spec.process.oomScoreAdj, 500);
    const plain = buildRuntimeSpec(input());
    assert.equal(plain.annotations, undefined);
    assert.ok(!('oomScoreAdj' in plain.process));
  });
});

describe('bindMountOptions', () => {
  it("are the daemon's", () => {
    assert.deepEqual(bindMountOptions({}), ['rbind']);
    assert.deepEqual(bindMountOptions({ readOnly: true, propagation: 'rprivate' }), [
      'rbind',
      'ro',
      'rprivate',
    ]);
    assert.deepEqual(bindMountOptions({ nonRecursive: true }), ['bind']);
  });
});
