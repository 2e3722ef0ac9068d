// Docker's container defaults: capabilities (moby oci/caps utils_test.go cases), and the default
// seccomp profile turned into the OCI form per architecture and capability set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_CAPABILITIES,
  containerCapabilities,
  DEFAULT_CAPABILITIES,
  defaultDeviceRules,
  defaultMounts,
  defaultSeccomp,
  dockerDefaultSeccompProfile,
  normalizeCapabilities,
  parseSeccompProfile,
  seccompFromProfile,
} from '../../src/core/container-defaults.js';
import { isBerthError } from '../../src/core/errors.js';
import type { Seccomp } from '../../src/core/runtime-spec.js';

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });

describe('capabilities', () => {
  it("are Docker's 14 by default", () => {
    assert.deepEqual(DEFAULT_CAPABILITIES, [
      'CAP_CHOWN',
      'CAP_DAC_OVERRIDE',
      'CAP_FSETID',
      'CAP_FOWNER',
      'CAP_MKNOD',
      'CAP_NET_RAW',
      'CAP_SETGID',
      'CAP_SETUID',
      'CAP_SETFCAP',
      'CAP_SETPCAP',
      'CAP_NET_BIND_SERVICE',
      'CAP_SYS_CHROOT',
      'CAP_KILL',
      'CAP_AUDIT_WRITE',
    ]);
    assert.deepEqual(containerCapabilities({}), DEFAULT_CAPABILITIES);
    assert.equal(ALL_CAPABILITIES.length, 41);
    assert.equal(ALL_CAPABILITIES[21], 'CAP_SYS_ADMIN');
    assert.equal(ALL_CAPABILITIES[40], 'CAP_CHECKPOINT_RESTORE');
  });

  it('normalises names as NormalizeLegacyCapabilities', () => {
    assert.deepEqual(
      normalizeCapabilities(['chown', 'CAP_KILL', 'cap_sys_admin', 'all', 'Net_Admin']),
      ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN', 'ALL', 'CAP_NET_ADMIN'],
    );
    rejects(() => normalizeCapabilities(['foo']), 'unknown capability: "CAP_FOO"');
    rejects(
      () => normalizeCapabilities(['SYS_RESOURCE'], ['CAP_CHOWN']),
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"',
    );
  });

  it('adds and drops as TweakCapabilities', () => {
    const table: Array<
      [{ capAdd?: string[]; capDrop?: string[]; privileged?: boolean }, string[]]
    > = [
      [
        { capDrop: ['chown', 'kill'] },
        DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'),
      ],
      [{ capAdd: ['sys_admin'] }, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']],
      [
        { capAdd: ['CAP_NET_ADMIN'], capDrop: ['NET_RAW'] },
        [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW'), 'CAP_NET_ADMIN'],
      ],
      [{ capDrop: ['ALL'] }, []],
      [{ capDrop: ['all'], capAdd: ['chown', 'setuid'] }, ['CAP_CHOWN', 'CAP_SETUID']],
      [{ capAdd: ['ALL'] }, [...ALL_CAPABILITIES]],
      [
        { capAdd: ['ALL'], capDrop: ['sys_admin', 'CAP_NET_ADMIN'] },
        ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_NET_ADMIN'),
      ],
      [{ privileged: true, capDrop: ['ALL'] }, [...ALL_CAPABILITIES]],
      [{ capAdd: ['chown'] }, [...DEFAULT_CAPABILITIES]],
    ];
    for (const [opts, want] of table)
      assert.deepEqual(containerCapabilities(opts), want, JSON.stringify(opts));
  });

  it('gives privileged and ALL only what the engine holds', () => {
    const available = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
    assert.deepEqual(containerCapabilities({ privileged: true, available }), available);
    assert.deepEqual(containerCapabilities({ capAdd: ['all'], available }), available);
    rejects(
      () => containerCapabilities({ capAdd: ['sys_resource'], available }),
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"',
    );
  });
});

describe('mounts and devices', () => {
  it("are Docker's", () => {
    assert.deepEqual(
      defaultMounts().map((m) => [m.destination, m.type, m.source]),
      [
        ['/proc', 'proc', 'proc'],
        ['/dev', 'tmpfs', 'tmpfs'],
        ['/dev/pts', 'devpts', 'devpts'],
        ['/sys', 'sysfs', 'sysfs'],
        ['/sys/fs/cgroup', 'cgroup', 'cgroup'],
        ['/dev/mqueue', 'mqueue', 'mqueue'],
        ['/dev/shm', 'tmpfs', 'shm'],
      ],
    );
    const rules = defaultDeviceRules();
    assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
    assert.deepEqual(
      rules.slice(1).map((r) => [r.allow, r.type, r.major, r.minor]),
      [
        [true, 'c', 1, 5],
        [true, 'c', 1, 3],
        [true, 'c', 1, 9],
        [true, 'c', 1, 8],
        [true, 'c', 5, 0],
        [true, 'c', 5, 1],
        [false, 'c', 10, 229],
      ],
    );
  });
});

/** Whether a syscall is allowed without conditions on its arguments. */
const allows = (s: Seccomp, name: string) =>
  (s.syscalls ?? []).some(
    (r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(name) && (r.args ?? []).length === 0,
  );
/** Whether some rule mentions the syscall at all. */
const mentions = (s: Seccomp, name: string) =>
  (s.syscalls ?? []).some((r) => r.names.includes(name));

describe("Docker's default seccomp profile", () => {
  const base = defaultSeccomp({ capabilities: DEFAULT_CAPABILITIES });

  it('denies by default with EPERM, for x86-64 and its 32-bit ABIs', () => {
    assert.equal(base.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(base.defaultErrnoRet, 1);
    assert.deepEqual(base.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('allows the ordinary system calls', () => {
    for (const name of [
      'read',
      'write',
      'openat',
      'execve',
      'exit_group',
      'futex',
      'epoll_wait',
      'clock_gettime',
      'mmap',
      'statx',
      'rseq',
      'arch_prctl',
      'chroot',
      'ptrace',
    ]) {
      assert.ok(allows(base, name), name);
    }
    // dropped from the profile along the way (moby/profiles): io_uring
    assert.ok(!mentions(base, 'io_uring_setup'));
  });

  it('allows clone without namespace flags, and answers clone3 with ENOSYS', () => {
    const clone = base.syscalls!.filter((r) => r.names.includes('clone'));
    assert.deepEqual(clone, [
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    assert.deepEqual(
      base.syscalls!.filter((r) => r.names.includes('clone3')),
      [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
    );
  });

  it('allows socket for most families, by argument', () => {
    const socket = base.syscalls!.filter((r) => r.names.includes('socket'));
    assert.equal(socket.length, 26);
    assert.deepEqual(socket[0]!.args, [{ index: 0, value: 12, op: 'SCMP_CMP_LT' }]);
    assert.ok(!socket.some((r) => r.args!.some((a) => a.value === 40))); // AF_VSOCK
  });

  it('gates mount, unshare, setns... on CAP_SYS_ADMIN', () => {
    for (const name of [
      'mount',
      'umount2',
      'unshare',
      'setns',
      'sethostname',
      'bpf',
      'perf_event_open',
      'fsopen',
    ]) {
      assert.ok(!allows(base, name), name);
    }
    const admin = defaultSeccomp({ capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] });
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'clone', 'clone3']) {
      assert.ok(allows(admin, name), name);
    }
    assert.ok(!admin.syscalls!.some((r) => r.action === 'SCMP_ACT_ERRNO'));
    assert.ok(!admin.syscalls!.some((r) => r.names.includes('clone') && r.args));
  });

  it('gates the other privileged calls on their capabilities', () => {
    const table: Array<[string, string]> = [
      ['reboot', 'CAP_SYS_BOOT'],
      ['init_module', 'CAP_SYS_MODULE'],
      ['acct', 'CAP_SYS_PACCT'],
      ['kcmp', 'CAP_SYS_PTRACE'],
      ['iopl', 'CAP_SYS_RAWIO'],
      ['settimeofday', 'CAP_SYS_TIME'],
      ['clock_settime', 'CAP_SYS_TIME'],
      ['vhangup', 'CAP_SYS_TTY_CONFIG'],
      ['mbind', 'CAP_SYS_NICE'],
      ['syslog', 'CAP_SYSLOG'],
      ['bpf', 'CAP_BPF'],
      ['perf_event_open', 'CAP_PERFMON'],
      ['open_by_handle_at', 'CAP_DAC_READ_SEARCH'],
    ];
    for (const [name, cap] of table) {
      assert.ok(!allows(base, name), name);
      assert.ok(
        allows(defaultSeccomp({ capabilities: [...DEFAULT_CAPABILITIES, cap] }), name),
        name,
      );
    }
    // chroot needs CAP_SYS_CHROOT, which is a default capability
    assert.ok(!allows(defaultSeccomp({ capabilities: [] }), 'chroot'));
  });

  it('follows the architecture', () => {
    const arm = defaultSeccomp({ capabilities: DEFAULT_CAPABILITIES, arch: 'arm64' });
    assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(allows(arm, 'arm_fadvise64_64'));
    assert.ok(allows(arm, 'set_tls'));
    assert.ok(!mentions(arm, 'arch_prctl'));
    assert.ok(!mentions(arm, 'modify_ldt'));
    assert.ok(!mentions(base, 'set_tls'));
    assert.ok(!mentions(base, 's390_runtime_instr'));
  });

  it('follows the kernel version for minKernel rules', () => {
    const old = defaultSeccomp({
      capabilities: DEFAULT_CAPABILITIES,
      kernelVersion: '4.4.0-210-generic',
    });
    assert.ok(!allows(old, 'ptrace'));
    const current = defaultSeccomp({
      capabilities: DEFAULT_CAPABILITIES,
      kernelVersion: '6.1.0-18-amd64',
    });
    assert.ok(allows(current, 'ptrace'));
  });

  it('keeps the profile itself unchanged', () => {
    const before = JSON.stringify(dockerDefaultSeccompProfile);
    defaultSeccomp({ capabilities: ALL_CAPABILITIES, arch: 'arm64' });
    assert.equal(JSON.stringify(dockerDefaultSeccompProfile), before);
    const plain = dockerDefaultSeccompProfile.syscalls![0]!;
    assert.ok(plain.names.length > 350);
    assert.equal(new Set(plain.names).size, plain.names.length);
  });
});

describe('custom seccomp profiles', () => {
  it('are converted the same way', () => {
    const profile = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { name: 'chmod', action: 'SCMP_ACT_ERRNO' },
          { names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
        ],
      }),
    );
    assert.deepEqual(seccompFromProfile(profile, { capabilities: [] }), {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
        { names: ['mount'], action: 'SCMP_ACT_ERRNO' },
      ],
    });
  });

  it("are refused with Docker's messages", () => {
    assert.throws(
      () => parseSeccompProfile('{nope'),
      (e: unknown) =>
        isBerthError(e, 'InvalidArgument') &&
        e.message.startsWith('Decoding seccomp profile failed: '),
    );
    rejects(
      () =>
        parseSeccompProfile('{"syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}'),
      "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
    );
    rejects(
      () =>
        seccompFromProfile(
          {
            defaultAction: 'SCMP_ACT_ERRNO',
            architectures: ['SCMP_ARCH_X86_64'],
            archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
          },
          { capabilities: [] },
        ),
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  });
});
