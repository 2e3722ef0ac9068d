// Cases from go-units (ulimit_test.go), docker/cli (opts_test.go TestParseRestartPolicy,
// envfile_test.go, hosts_test.go TestValidateExtraHosts), moby/sys/signal (signal_test.go) and
// the daemon's validations, with their messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  cpuQuota,
  DEFAULT_LOG_OPTIONS,
  isIP,
  parseAddHost,
  parseCpus,
  parseEnv,
  parseEnvFile,
  parseLogOpts,
  parseMemory,
  parseMemorySwap,
  parseRestartPolicy,
  parseSecurityOpts,
  parseSignal,
  parseUlimit,
  signalName,
  validateRestartPolicy,
} from '../../src/core/run-options.js';
import { signalMap } from '../../src/core/signals.js';

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });

describe('parseUlimit', () => {
  it('reads soft and hard limits', () => {
    assert.deepEqual(parseUlimit('nofile=512:1024'), {
      name: 'RLIMIT_NOFILE',
      soft: 512,
      hard: 1024,
    });
    assert.deepEqual(parseUlimit('nofile=1024'), { name: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 });
    assert.deepEqual(parseUlimit('core=-1'), { name: 'RLIMIT_CORE', soft: -1, hard: -1 });
    assert.deepEqual(parseUlimit('core=0:-1'), { name: 'RLIMIT_CORE', soft: 0, hard: -1 });
    assert.deepEqual(parseUlimit('nproc=2048:4096'), {
      name: 'RLIMIT_NPROC',
      soft: 2048,
      hard: 4096,
    });
    for (const name of [
      'core',
      'cpu',
      'data',
      'fsize',
      'locks',
      'memlock',
      'msgqueue',
      'nice',
      'nofile',
      'nproc',
      'rss',
      'rtprio',
      'rttime',
      'sigpending',
      'stack',
    ]) {
      assert.equal(parseUlimit(`${name}=1`).name, `RLIMIT_${name.toUpperCase()}`);
    }
  });

  it("fails with go-units' messages", () => {
    const table: Array<[string, string]> = [
      ['notarealtype=1024:1024', 'invalid ulimit type: notarealtype'],
      ['as=1024', 'invalid ulimit type: as'],
      ['nofile:1024:1024', 'invalid ulimit argument: nofile:1024:1024'],
      ['nofile', 'invalid ulimit argument: nofile'],
      ['nofile=', 'strconv.ParseInt: parsing "": invalid syntax'],
      ['nofile=:', 'strconv.ParseInt: parsing "": invalid syntax'],
      ['nofile=:1024', 'strconv.ParseInt: parsing "": invalid syntax'],
      ['nofile=1024:1', 'ulimit soft limit must be less than or equal to hard limit: 1024 > 1'],
      [
        'nofile=-1:1024',
        'ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 1024',
      ],
      ['nofile=asdf', 'strconv.ParseInt: parsing "asdf": invalid syntax'],
      ['nofile=1024:asdf', 'strconv.ParseInt: parsing "asdf": invalid syntax'],
      [
        'nofile=1024:1:50',
        'too many limit value arguments - 1024:1:50, can only have up to two, `soft[:hard]`',
      ],
    ];
    for (const [input, message] of table) rejects(() => parseUlimit(input), message);
  });
});

describe('parseRestartPolicy', () => {
  it('reads the policies', () => {
    const table: Array<[string, string, number]> = [
      ['', 'no', 0],
      ['no', 'no', 0],
      ['always', 'always', 0],
      ['unless-stopped', 'unless-stopped', 0],
      ['on-failure', 'on-failure', 0],
      ['on-failure:1', 'on-failure', 1],
      ['on-failure:5', 'on-failure', 5],
    ];
    for (const [input, name, max] of table) {
      assert.deepEqual(parseRestartPolicy(input), { name, maximumRetryCount: max }, input);
    }
  });

  it("fails with docker/cli's and the daemon's messages", () => {
    const table: Array<[string, string]> = [
      [':1', 'invalid restart policy format: no policy provided before colon'],
      ['always:2:3', 'invalid restart policy format: maximum retry count must be an integer'],
      [
        'on-failure:invalid',
        'invalid restart policy format: maximum retry count must be an integer',
      ],
      [
        'unless-stopped:invalid',
        'invalid restart policy format: maximum retry count must be an integer',
      ],
      [
        'always:1',
        "invalid restart policy: maximum retry count can only be used with 'on-failure'",
      ],
      ['no:1', "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
      [
        'always:-1',
        "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative",
      ],
      ['on-failure:-1', 'invalid restart policy: maximum retry count cannot be negative'],
      [
        'sometimes',
        "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
      ],
    ];
    for (const [input, message] of table) rejects(() => parseRestartPolicy(input), message);
  });

  it('validates policies from the API', () => {
    assert.deepEqual(validateRestartPolicy({ name: '', maximumRetryCount: 3 }), {
      name: 'no',
      maximumRetryCount: 0,
    });
    rejects(
      () => validateRestartPolicy({ name: 'unless-stopped', maximumRetryCount: 123 }),
      "invalid restart policy: maximum retry count can only be used with 'on-failure'",
    );
  });
});

describe('memory and CPUs', () => {
  it('parses memory sizes', () => {
    assert.equal(parseMemory('32m'), 32 * 1024 * 1024);
    assert.equal(parseMemory('1g'), 1024 ** 3);
    assert.equal(parseMemory('512k'), 512 * 1024);
    assert.equal(parseMemory('1048576'), 1048576);
    rejects(() => parseMemory('-1'), "invalid size: '-1'");
    rejects(() => parseMemory('12x'), "invalid suffix: 'x'");
    assert.equal(parseMemorySwap('-1'), -1);
    assert.equal(parseMemorySwap('64m'), 64 * 1024 * 1024);
  });

  it('parses --cpus into nano-CPUs and the CFS quota', () => {
    assert.equal(parseCpus('0.5'), 500_000_000);
    assert.equal(parseCpus('2'), 2_000_000_000);
    assert.deepEqual(cpuQuota(parseCpus('0.5')), { quota: 50_000, period: 100_000 });
    assert.deepEqual(cpuQuota(parseCpus('1.5')), { quota: 150_000, period: 100_000 });
    assert.deepEqual(cpuQuota(parseCpus('0.01')), { quota: 1_000, period: 100_000 });
    assert.deepEqual(cpuQuota(128e9), { quota: 12_800_000, period: 100_000 });
    rejects(() => parseCpus('abc'), 'failed to parse abc as a rational number');
    rejects(
      () => parseCpus('3', 2),
      'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
    );
  });
});

describe('parseEnvFile', () => {
  it('reads a good file', () => {
    const content =
      'foo=bar\n    baz=quux\n# comment\n\n_foobar=foobaz\nwith.dots=working\nand_underscore=working too\n' +
      '\n    \t  ';
    assert.deepEqual(parseEnvFile(content), [
      'foo=bar',
      'baz=quux',
      '_foobar=foobaz',
      'with.dots=working',
      'and_underscore=working too',
    ]);
  });

  it('keeps values as they are, = signs and trailing spaces included', () => {
    assert.deepEqual(parseEnvFile('A=b=c\nB= spaced \r\nC=\n\uFEFFD=x'), [
      'A=b=c',
      'B= spaced ',
      'C=',
      '\uFEFFD=x',
    ]);
    assert.deepEqual(parseEnvFile('\uFEFFFIRST=1\n'), ['FIRST=1']);
  });

  it('takes bare names from the lookup, and leaves out unset ones', () => {
    const env: Record<string, string> = { DEFINED_VAR: 'defined-value', EMPTY: '' };
    const lookup = (k: string) => env[k];
    assert.deepEqual(parseEnvFile('# comment=\nUNDEFINED_VAR\nDEFINED_VAR\nEMPTY\n', lookup), [
      'DEFINED_VAR=defined-value',
      'EMPTY=',
    ]);
    assert.deepEqual(parseEnvFile('DEFINED_VAR\n'), []);
  });

  it('rejects badly formatted lines with their line number', () => {
    rejects(
      () => parseEnvFile('foo=bar\n    f   =quux\n'),
      "poorly formatted environment: variable 'f   ' contains whitespaces (line 2)",
    );
    rejects(
      () => parseEnvFile('first line\nanother invalid line'),
      "poorly formatted environment: variable 'first line' contains whitespaces (line 1)",
    );
    rejects(
      () => parseEnvFile('# comment=\n=blank variable names are an error case\n'),
      "poorly formatted environment: no variable name on line '=blank variable names are an error case' (line 2)",
    );
  });
});

describe('parseEnv (-e)', () => {
  it('keeps KEY=value, looks bare names up, keeps unset bare names (they unset)', () => {
    const lookup = (k: string) => ({ HOME: '/root' })[k];
    assert.deepEqual(parseEnv(['A=1', 'B=', 'HOME', 'NOPE', 'C=x=y'], lookup), [
      'A=1',
      'B=',
      'HOME=/root',
      'NOPE',
      'C=x=y',
    ]);
    rejects(() => parseEnv(['=x']), 'invalid environment variable: =x');
    rejects(() => parseEnv(['']), 'invalid environment variable: ');
  });
});

describe('parseLogOpts', () => {
  it('rotates by default: 10 MB × 3', () => {
    assert.deepEqual(parseLogOpts([]), { maxSize: 10_000_000, maxFile: 3, compress: false });
    assert.deepEqual(DEFAULT_LOG_OPTIONS, { maxSize: 10_000_000, maxFile: 3, compress: false });
  });

  it('reads max-size (decimal units), max-file and compress', () => {
    assert.deepEqual(parseLogOpts(['max-size=1m', 'max-file=5']), {
      maxSize: 1_000_000,
      maxFile: 5,
      compress: false,
    });
    assert.deepEqual(parseLogOpts(['max-size=20k', 'compress=true', 'tag={{.Name}}']), {
      maxSize: 20_000,
      maxFile: 3,
      compress: true,
    });
  });

  it("fails with json-file's messages", () => {
    rejects(
      () => parseLogOpts(['max-buffer=1']),
      "unknown log opt 'max-buffer' for json-file log driver",
    );
    rejects(() => parseLogOpts(['max-size=0']), 'max-size must be a positive number');
    rejects(() => parseLogOpts(['max-size=big']), "invalid size: 'big'");
    rejects(() => parseLogOpts(['max-file=0']), 'max-file cannot be less than 1');
    rejects(() => parseLogOpts(['max-file=x']), 'strconv.Atoi: parsing "x": invalid syntax');
    rejects(
      () => parseLogOpts(['max-file=1', 'compress=true']),
      'compress cannot be true when max-file is less than 2 or max-size is not set',
    );
  });
});

describe('signals', () => {
  it('parses every name Docker knows, with and without SIG', () => {
    for (const [name, n] of signalMap) {
      assert.equal(parseSignal(name), n);
      assert.equal(parseSignal(`SIG${name}`), n);
      assert.equal(parseSignal(name.toLowerCase()), n);
    }
    assert.equal(parseSignal('SIGTERM'), 15);
    assert.equal(parseSignal('TERM'), 15);
    assert.equal(parseSignal('15'), 15);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('SIGRTMIN+3'), 37);
    assert.equal(parseSignal('RTMAX-1'), 63);
    assert.equal(parseSignal('RTMAX'), 64);
    assert.equal(parseSignal('SIGCLD'), 17);
  });

  it('rejects what is no signal', () => {
    for (const s of ['0', 'SIG', 'SIGFOO', '65', '32', '-1', '', 'RTMIN+16']) {
      rejects(() => parseSignal(s), `invalid signal: ${s}`);
    }
  });

  it('names signals', () => {
    assert.equal(signalName(15), 'SIGTERM');
    assert.equal(signalName(9), 'SIGKILL');
    assert.equal(signalName(6), 'SIGABRT');
    assert.equal(signalName(17), 'SIGCHLD');
    assert.equal(signalName(29), 'SIGIO');
    assert.equal(signalName(34), 'SIGRTMIN');
    assert.equal(signalName(37), 'SIGRTMIN+3');
    assert.equal(signalName(50), 'SIGRTMAX-14');
    assert.equal(signalName(64), 'SIGRTMAX');
    assert.equal(signalName(0), undefined);
    for (let n = 1; n <= 64; n++) {
      const name = signalName(n);
      if (name !== undefined) assert.equal(parseSignal(name), n);
    }
  });
});

describe('parseAddHost', () => {
  it('accepts what docker/cli accepts', () => {
    const table: Array<[string, string, string]> = [
      ['myhost:192.168.0.1', 'myhost', '192.168.0.1'],
      ['myhost=192.168.0.1', 'myhost', '192.168.0.1'],
      ['myhost=[192.168.0.1]', 'myhost', '192.168.0.1'],
      ['host.and.domain.invalid:10.0.2.1', 'host.and.domain.invalid', '10.0.2.1'],
      ['anipv6host:2003:ab34:e::1', 'anipv6host', '2003:ab34:e::1'],
      ['anipv6host:[2003:ab34:e::1]', 'anipv6host', '2003:ab34:e::1'],
      ['anipv6host=[2003:ab34:e::1]', 'anipv6host', '2003:ab34:e::1'],
      ['ipv6local:::1', 'ipv6local', '::1'],
      ['ipv6local=::1', 'ipv6local', '::1'],
      ['ipv6local=[::1]', 'ipv6local', '::1'],
      ['ipv6local:0:0:0:0:0:0:0:1', 'ipv6local', '0:0:0:0:0:0:0:1'],
      ['ipv6local=[0:0:0:0:0:0:0:1]', 'ipv6local', '0:0:0:0:0:0:0:1'],
      ['mapped=::ffff:10.1.2.3', 'mapped', '::ffff:10.1.2.3'],
      ['host.docker.internal:host-gateway', 'host.docker.internal', 'host-gateway'],
      ['host.docker.internal=host-gateway', 'host.docker.internal', 'host-gateway'],
    ];
    for (const [input, host, ip] of table)
      assert.deepEqual(parseAddHost(input), { host, ip }, input);
  });

  it('rejects what docker/cli rejects, with its messages', () => {
    const table: Array<[string, string]> = [
      ['myhost:192.notanipaddress.1', 'invalid IP address in add-host: "192.notanipaddress.1"'],
      ['myhost=192.notanipaddress.1', 'invalid IP address in add-host: "192.notanipaddress.1"'],
      ['thathost-nosemicolon10.0.0.1', 'bad format for add-host: "thathost-nosemicolon10.0.0.1"'],
      ['anipv6host:::::1', 'invalid IP address in add-host: "::::1"'],
      ['ipv6local:::0::', 'invalid IP address in add-host: "::0::"'],
      ['ipv6addr=[::1', 'invalid IP address in add-host: "[::1"'],
      ['ipv6addr=::1]', 'invalid IP address in add-host: "::1]"'],
      ['myhost.invalid:', 'invalid IP address in add-host: ""'],
      ['myhost.invalid=', 'invalid IP address in add-host: ""'],
      [':=::1', 'bad format for add-host: ":=::1"'],
      [':192.168.0.1', 'bad format for add-host: ":192.168.0.1"'],
      ['=192.168.0.1', 'bad format for add-host: "=192.168.0.1"'],
      [':host-gateway', 'bad format for add-host: ":host-gateway"'],
      ['h:010.0.0.1', 'invalid IP address in add-host: "010.0.0.1"'],
    ];
    for (const [input, message] of table) rejects(() => parseAddHost(input), message);
  });

  it('validates addresses as net.ParseIP', () => {
    for (const ip of [
      '1.2.3.4',
      '::',
      '::1',
      '1::',
      'fe80::1:2',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:1.2.3.4',
      '::1.2.3.4',
    ]) {
      assert.ok(isIP(ip), ip);
    }
    for (const ip of [
      '1.2.3',
      '256.1.1.1',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '1:2:3:4:5:6:7::8',
      'fe80::1%eth0',
      '12345::',
      '1:2:3:4:5:6:7:1.2.3.4',
      '',
    ]) {
      assert.ok(!isIP(ip), ip);
    }
  });
});

describe('parseSecurityOpts', () => {
  it('reads the options berth applies and accepts the ones it ignores', () => {
    assert.deepEqual(parseSecurityOpts([]), { noNewPrivileges: false, unmaskSystemPaths: false });
    assert.deepEqual(
      parseSecurityOpts([
        'no-new-privileges',
        'apparmor=docker-default',
        'label=disable',
        'seccomp=unconfined',
      ]),
      { noNewPrivileges: true, unmaskSystemPaths: false, seccomp: 'unconfined' },
    );
    assert.equal(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges, true);
    assert.equal(parseSecurityOpts(['no-new-privileges=false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpts(['systempaths=unconfined']).unmaskSystemPaths, true);
  });

  it("fails with the daemon's messages", () => {
    rejects(() => parseSecurityOpts(['foo']), 'invalid --security-opt 1: "foo"');
    rejects(() => parseSecurityOpts(['foo=bar']), 'invalid --security-opt 2: "foo=bar"');
    rejects(
      () => parseSecurityOpts(['no-new-privileges=maybe']),
      'invalid --security-opt 2: "no-new-privileges=maybe"',
    );
  });
});
