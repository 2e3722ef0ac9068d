// Cases from moby (volume/mounts linux_parser_test.go: TestLinuxParseMountRaw,
// TestLinuxParseMountRawSplit) and docker/cli (opts/mount_test.go), with Docker's messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  mergeTmpfsOptions,
  parseMountSpec,
  parseTmpfs,
  parseVolumeSpec,
  tmpfsMountOptions,
  tmpfsSpecOptions,
} from '../../src/core/mount-spec.js';

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });
const rejectsWith = (fn: () => unknown, part: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.ok(e.message.includes(part), `${e.message} should contain ${part}`);
    return true;
  });

describe('parseVolumeSpec (-v)', () => {
  const valid = [
    '/home',
    '/home:/home',
    '/home:/something/else',
    '/with space',
    '/home:/with space',
    'relative:/absolute-path',
    'hostPath:/containerPath:ro',
    '/hostPath:/containerPath:rw',
    '/rw:/ro',
    '/hostPath:/containerPath:shared',
    '/hostPath:/containerPath:rshared',
    '/hostPath:/containerPath:slave',
    '/hostPath:/containerPath:rslave',
    '/hostPath:/containerPath:private',
    '/hostPath:/containerPath:rprivate',
    '/hostPath:/containerPath:ro,shared',
    '/hostPath:/containerPath:ro,slave',
    '/hostPath:/containerPath:ro,private',
    '/hostPath:/containerPath:ro,z,shared',
    '/hostPath:/containerPath:ro,Z,slave',
    '/hostPath:/containerPath:Z,ro,slave',
    '/hostPath:/containerPath:slave,Z,ro',
    '/hostPath:/containerPath:Z,slave,ro',
    '/hostPath:/containerPath:slave,ro,Z',
    '/hostPath:/containerPath:rslave,ro,Z',
    '/hostPath:/containerPath:ro,rshared,Z',
    '/hostPath:/containerPath:ro,Z,rprivate',
  ];
  for (const spec of valid)
    it(`accepts ${spec}`, () => assert.doesNotThrow(() => parseVolumeSpec(spec)));

  const invalid: Array<[string, string]> = [
    ['', 'invalid volume specification'],
    ['./', 'mount path must be absolute'],
    ['../', 'mount path must be absolute'],
    ['/:../', 'mount path must be absolute'],
    ['/:path', 'mount path must be absolute'],
    [':', 'invalid volume specification'],
    ['/tmp:', 'invalid volume specification'],
    [':test', 'invalid volume specification'],
    [':/test', 'invalid volume specification'],
    ['tmp:', 'invalid volume specification'],
    [':test:', 'invalid volume specification'],
    ['::', 'invalid volume specification'],
    [':::', 'invalid volume specification'],
    ['/tmp:::', 'invalid volume specification'],
    [':/tmp::', 'invalid volume specification'],
    ['/path:rw', 'invalid volume specification'],
    ['/path:ro', 'invalid volume specification'],
    ['/rw:rw', 'invalid volume specification'],
    ['path:ro', 'invalid volume specification'],
    ['/path:/path:sw', 'invalid mode'],
    ['/path:/path:rwz', 'invalid mode'],
    ['/path:/path:ro,rshared,rslave', 'invalid mode'],
    ['/path:/path:ro,z,rshared,rslave', 'invalid mode'],
    ['/path:shared', 'invalid volume specification'],
    ['/path:slave', 'invalid volume specification'],
    ['/path:private', 'invalid volume specification'],
    ['name:/absolute-path:shared', 'invalid volume specification'],
    ['name:/absolute-path:rshared', 'invalid volume specification'],
    ['name:/absolute-path:slave', 'invalid volume specification'],
    ['name:/absolute-path:rslave', 'invalid volume specification'],
    ['name:/absolute-path:private', 'invalid volume specification'],
    ['name:/absolute-path:rprivate', 'invalid volume specification'],
  ];
  for (const [spec, part] of invalid) {
    it(`rejects ${JSON.stringify(spec)}`, () => rejectsWith(() => parseVolumeSpec(spec), part));
  }

  it('splits source, target and mode', () => {
    const table: Array<[string, object]> = [
      ['/tmp:/tmp1', { type: 'bind', source: '/tmp', target: '/tmp1', readOnly: false }],
      ['/tmp:/tmp2:ro', { type: 'bind', source: '/tmp', target: '/tmp2', readOnly: true }],
      ['/tmp:/tmp3:rw', { type: 'bind', source: '/tmp', target: '/tmp3', readOnly: false }],
      ['name:/named1', { type: 'volume', source: 'name', target: '/named1', readOnly: false }],
      ['name:/named3:ro', { type: 'volume', source: 'name', target: '/named3', readOnly: true }],
      ['/data', { type: 'volume', target: '/data', readOnly: false }],
      [
        '/a/b/:/c/d/:ro,rshared',
        { type: 'bind', source: '/a/b', target: '/c/d', readOnly: true, propagation: 'rshared' },
      ],
      [
        'cache:/var/cache:nocopy',
        { type: 'volume', source: 'cache', target: '/var/cache', readOnly: false, noCopy: true },
      ],
      ['/src:/dst:z', { type: 'bind', source: '/src', target: '/dst', readOnly: false }],
    ];
    for (const [spec, want] of table) assert.deepEqual(parseVolumeSpec(spec), want, spec);
  });

  it("uses Docker's messages", () => {
    rejects(() => parseVolumeSpec('/tmp:/tmp4:foo'), 'invalid mode: foo');
    rejects(
      () => parseVolumeSpec('/tmp:tmp'),
      "invalid volume specification: '/tmp:tmp': invalid mount config for type \"bind\": invalid mount path: 'tmp' mount path must be absolute",
    );
    rejects(
      () => parseVolumeSpec('/tmp:/'),
      "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
    );
    rejects(
      () => parseVolumeSpec('name:/x:shared'),
      'invalid volume specification: \'name:/x:shared\': invalid mount config for type "volume": field BindOptions must not be specified',
    );
    rejects(
      () => parseVolumeSpec('/a:/b:nocopy'),
      'invalid volume specification: \'/a:/b:nocopy\': invalid mount config for type "bind": field VolumeOptions must not be specified',
    );
    rejects(() => parseVolumeSpec('a:b:c:d'), "invalid volume specification: 'a:b:c:d'");
  });

  it('validates volume names as the local driver does', () => {
    for (const name of ['x', '-x', '.x', '~/data', 'local/name', 'a b']) {
      rejects(
        () => parseVolumeSpec(`${name}:/data`),
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    assert.equal(parseVolumeSpec('my_vol.1-a:/data').source, 'my_vol.1-a');
  });

  it('resolves ./ sources against cwd as docker/cli does', () => {
    assert.deepEqual(parseVolumeSpec('./data:/data', { cwd: '/home/u/app' }), {
      type: 'bind',
      source: '/home/u/app/data',
      target: '/data',
      readOnly: false,
    });
    rejectsWith(() => parseVolumeSpec('./data:/data'), 'includes invalid characters');
  });
});

describe('parseMountSpec (--mount)', () => {
  it('takes the aliases of source and target', () => {
    for (const s of [
      'type=bind,target=/target,source=/source',
      'type=bind,src=/source,dst=/target',
      'type=bind,source=/source,dst=/target',
      'type=bind,src=/source,target=/target',
      'type=bind,src=/source,destination=/target',
      'TYPE=BIND,SRC=/source,DST=/target',
    ]) {
      assert.deepEqual(
        parseMountSpec(s),
        { type: 'bind', source: '/source', target: '/target', readOnly: false },
        s,
      );
    }
  });

  it('defaults to a volume', () => {
    assert.deepEqual(parseMountSpec('target=/target,source=foo'), {
      type: 'volume',
      source: 'foo',
      target: '/target',
      readOnly: false,
    });
    assert.deepEqual(parseMountSpec('target=/data'), {
      type: 'volume',
      target: '/data',
      readOnly: false,
    });
  });

  it('reads readonly in its forms', () => {
    const base = 'type=bind,target=/target,source=/source';
    for (const ro of ['readonly', 'ro', 'readonly=true', 'readonly=1', 'ro=true', 'ro=1']) {
      assert.equal(parseMountSpec(`${base},${ro}`).readOnly, true, ro);
    }
    for (const ro of ['readonly=false', 'readonly=0', 'ro=false']) {
      assert.equal(parseMountSpec(`${base},${ro}`).readOnly, false, ro);
    }
    rejects(
      () => parseMountSpec(`${base},readonly=no`),
      `invalid value for 'readonly': invalid boolean value ("no"): must be one of "true", "1", "false", or "0" (default "true")`,
    );
  });

  it('reads volume and bind options', () => {
    assert.deepEqual(parseMountSpec('type=volume,target=/foo,source=vol,volume-nocopy'), {
      type: 'volume',
      source: 'vol',
      target: '/foo',
      readOnly: false,
      noCopy: true,
    });
    assert.equal(
      parseMountSpec('type=volume,target=/foo,source=vol,volume-nocopy=false').noCopy,
      undefined,
    );
    assert.deepEqual(
      parseMountSpec(
        'type=volume,src=vol,dst=/d,volume-driver=local,volume-label=a=b,volume-opt=o=x,volume-subpath=sub',
      ),
      {
        type: 'volume',
        source: 'vol',
        target: '/d',
        readOnly: false,
        subpath: 'sub',
        volumeDriver: 'local',
        volumeLabels: { a: 'b' },
        volumeOptions: { o: 'x' },
      },
    );
    assert.deepEqual(
      parseMountSpec('type=bind,src=/s,dst=/d,bind-propagation=RSHARED,bind-recursive=disabled'),
      {
        type: 'bind',
        source: '/s',
        target: '/d',
        readOnly: false,
        propagation: 'rshared',
        nonRecursive: true,
      },
    );
  });

  it('reads tmpfs options', () => {
    for (const s of [
      'type=tmpfs,target=/target,tmpfs-size=1m,tmpfs-mode=0700',
      'type=tmpfs,target=/target,tmpfs-size=1MB,tmpfs-mode=700',
    ]) {
      assert.deepEqual(parseMountSpec(s), {
        type: 'tmpfs',
        target: '/target',
        readOnly: false,
        tmpfsSize: 1024 * 1024,
        tmpfsMode: 0o700,
      });
    }
  });

  it("fails with docker/cli's and the daemon's messages", () => {
    const table: Array<[string, string]> = [
      ['', 'value is empty'],
      ['type=volume,target=/foo,source', "invalid field 'source' must be a key=value pair"],
      [
        'type=bind,target=/foo,source=/foo,volume-nocopy=true',
        "cannot mix 'volume-*' options with mount type 'bind'",
      ],
      [
        'type=volume,target=/foo,source=foo,bind-propagation=rprivate',
        "cannot mix 'bind-*' options with mount type 'volume'",
      ],
      [
        'type=bind,target=/foo,source=/foo,tmpfs-size=1m',
        "cannot mix 'tmpfs-*' options with mount type 'bind'",
      ],
      ['type=tmpfs,target=/target,tmpfs-size=foo', 'invalid value for tmpfs-size: foo'],
      ['type=tmpfs,target=/target,tmpfs-mode=foo', 'invalid value for tmpfs-mode: foo'],
      ['type=tmpfs', 'target is required'],
      ['type=bind,source=/foo', 'target is required'],
      ['type=bind,target=/foo,foo=bar', "unknown option 'foo' in 'foo=bar'"],
      ['type=bind,target=/foo,source=', "invalid value for 'source': value is empty"],
      [
        'type=bind,target=/foo, source=/x',
        "invalid option 'source' in ' source=/x': option should not have whitespace",
      ],
      [
        'type=bind,target=/foo,source= /x',
        "invalid value for 'source' in 'source= /x': value should not have whitespace",
      ],
      [
        'type=bind,target=/foo,source=/x,bind-nonrecursive',
        'bind-nonrecursive is deprecated, use bind-recursive=disabled instead',
      ],
      [
        'type=bind,target=/foo,source=/x,bind-recursive=maybe',
        'invalid value for bind-recursive: maybe (must be "enabled", "disabled", "writable", or "readonly")',
      ],
      [
        'type=bind,target=/foo,source=/x,bind-recursive=writable',
        "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
      ],
      [
        'type=bind,target=/foo,source=/x,ro,bind-recursive=readonly',
        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
      ],
      [
        'type=bind,target=/foo',
        'invalid mount config for type "bind": field Source must not be empty',
      ],
      [
        'type=bind,target=/foo,source=rel',
        'invalid mount config for type "bind": invalid mount path: \'rel\' mount path must be absolute',
      ],
      [
        'type=bind,target=foo,source=/x',
        'invalid mount config for type "bind": invalid mount path: \'foo\' mount path must be absolute',
      ],
      [
        'type=bind,target=/,source=/x',
        "invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
      ],
      [
        'type=bind,target=/f,source=/x,bind-propagation=weird',
        'invalid mount config for type "bind": invalid propagation mode: weird',
      ],
      [
        'type=volume,target=/foo,ro',
        'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes',
      ],
      [
        'type=tmpfs,target=/foo,source=x',
        'invalid mount config for type "tmpfs": field Source must not be specified',
      ],
      ['type=npipe,target=/foo', 'invalid mount config for type "npipe": mount type unknown'],
      [
        'type=bind,target="/fo"o",source=/x',
        'parse error on line 1, column 18: bare " in non-quoted-field',
      ],
    ];
    for (const [input, message] of table) rejects(() => parseMountSpec(input), message);
  });

  it('reads quoted CSV fields', () => {
    assert.equal(parseMountSpec('type=bind,"source=/a,b",target=/t').source, '/a,b');
  });

  it('answers NotImplemented for image mounts', () => {
    assert.throws(
      () => parseMountSpec('type=image,source=busybox,target=/img'),
      (e: unknown) => isBerthError(e, 'NotImplemented'),
    );
  });
});

describe('parseTmpfs (--tmpfs)', () => {
  it('reads a target and options', () => {
    assert.deepEqual(parseTmpfs('/run'), { target: '/run', options: [] });
    assert.deepEqual(parseTmpfs('/run:rw,noexec,nosuid,size=64m,mode=1777'), {
      target: '/run',
      options: ['rw', 'noexec', 'nosuid', 'size=64m', 'mode=1777'],
      size: 64 * 1024 * 1024,
      mode: 0o1777,
    });
    assert.deepEqual(parseTmpfs('/run:size=50%'), { target: '/run', options: ['size=50%'] });
  });

  it('rejects bad destinations and options', () => {
    rejects(() => parseTmpfs('run'), "invalid mount path: 'run' mount path must be absolute");
    rejects(() => parseTmpfs('/'), "invalid specification: destination can't be '/'");
    rejects(() => parseTmpfs(':size=1m'), "invalid mount path: '' mount path must be absolute");
    rejects(() => parseTmpfs('/run:foo'), 'Invalid tmpfs option ["foo"]');
    rejects(() => parseTmpfs('/run:color=red'), 'Invalid tmpfs option ["color" "red"]');
    rejects(() => parseTmpfs('/run:size=big'), 'invalid tmpfs size: size=big');
    rejects(() => parseTmpfs('/run:mode=999'), 'invalid tmpfs mode: mode=999');
  });

  it('gives the options the daemon mounts with', () => {
    assert.deepEqual(tmpfsMountOptions([]), ['noexec', 'nosuid', 'nodev', 'rprivate']);
    assert.deepEqual(tmpfsMountOptions(['exec', 'size=64m', 'rshared']), [
      'nosuid',
      'nodev',
      'exec',
      'size=64m',
      'rshared',
    ]);
    assert.deepEqual(mergeTmpfsOptions(['size=1m', 'defaults', 'size=2m', 'ro', 'rw']), [
      'size=2m',
      'rw',
    ]);
    assert.deepEqual(
      tmpfsSpecOptions({ readOnly: true, tmpfsSize: 1024 * 1024, tmpfsMode: 0o700 }),
      ['ro', 'mode=700', 'size=1m'],
    );
    assert.deepEqual(tmpfsSpecOptions({ tmpfsSize: 1000 }), ['size=1000']);
  });
});
