import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import * as mt from '../../src/core/media-types.js';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
  type Descriptor,
  type ImageIndex,
  type Platform,
} from '../../src/core/oci.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (
  c: string,
  platform?: Platform,
  annotations?: Record<string, string>,
): Descriptor => ({
  mediaType: mt.ociManifest,
  digest: digest(c),
  size: 1000,
  ...(platform ? { platform } : {}),
  ...(annotations ? { annotations } : {}),
});

/** A BuildKit-style index: four images and an attestation manifest. */
const index: ImageIndex = {
  schemaVersion: 2,
  mediaType: mt.ociIndex,
  manifests: [
    entry(
      '0',
      { architecture: 'unknown', os: 'unknown' },
      {
        'vnd.docker.reference.type': 'attestation-manifest',
        'vnd.docker.reference.digest': digest('1'),
      },
    ),
    entry('1', { architecture: 'amd64', os: 'linux' }),
    entry('2', { architecture: 'arm64', os: 'linux', variant: 'v8' }),
    entry('3', { architecture: 'arm', os: 'linux', variant: 'v7' }),
    entry('4', { architecture: 'arm', os: 'linux', variant: 'v6' }),
  ],
};
const selected = (want: Platform, idx: ImageIndex = index) => selectManifest(idx, want)?.digest;

describe('hostPlatform', () => {
  const cases: Array<[string, string, Platform]> = [
    ['x64', 'linux', { architecture: 'amd64', os: 'linux' }],
    ['arm64', 'linux', { architecture: 'arm64', os: 'linux', variant: 'v8' }],
    ['arm', 'linux', { architecture: 'arm', os: 'linux', variant: 'v7' }],
    ['ia32', 'linux', { architecture: '386', os: 'linux' }],
    ['ppc64', 'linux', { architecture: 'ppc64le', os: 'linux' }],
    ['s390x', 'linux', { architecture: 's390x', os: 'linux' }],
    ['riscv64', 'linux', { architecture: 'riscv64', os: 'linux' }],
    ['x64', 'win32', { architecture: 'amd64', os: 'windows' }],
    ['arm64', 'darwin', { architecture: 'arm64', os: 'darwin', variant: 'v8' }],
  ];
  for (const [arch, platform, expected] of cases) {
    it(`maps ${platform}/${arch}`, () => assert.deepEqual(hostPlatform(arch, platform), expected));
  }
  it('maps this host', () => {
    const p = hostPlatform(process.arch, process.platform);
    assert.equal(p.os, 'linux');
    assert.ok(
      ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'].includes(p.architecture),
    );
  });
});

describe('normalizePlatform', () => {
  const cases: Array<[Platform, Platform]> = [
    [
      { os: 'Linux', architecture: 'x86_64' },
      { os: 'linux', architecture: 'amd64' },
    ],
    [
      { os: 'linux', architecture: 'x86-64', variant: 'v1' },
      { os: 'linux', architecture: 'amd64' },
    ],
    [
      { os: 'linux', architecture: 'amd64', variant: 'v3' },
      { os: 'linux', architecture: 'amd64', variant: 'v3' },
    ],
    [
      { os: 'linux', architecture: 'aarch64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
    [
      { os: 'linux', architecture: 'arm64', variant: '8' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
    [
      { os: 'linux', architecture: 'arm64', variant: '9.0' },
      { os: 'linux', architecture: 'arm64', variant: 'v9' },
    ],
    [
      { os: 'linux', architecture: 'arm' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    [
      { os: 'linux', architecture: 'arm', variant: '6' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
    ],
    [
      { os: 'linux', architecture: 'armhf' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    [
      { os: 'linux', architecture: 'armel' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
    ],
    [
      { os: 'linux', architecture: 'i386' },
      { os: 'linux', architecture: '386' },
    ],
    [
      { os: 'macos', architecture: 'arm64' },
      { os: 'darwin', architecture: 'arm64', variant: 'v8' },
    ],
    [
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
    ],
  ];
  for (const [input, expected] of cases) {
    it(`normalizes ${JSON.stringify(input)}`, () =>
      assert.deepEqual(normalizePlatform(input), expected));
  }
  it('does not modify its argument', () => {
    const p: Platform = { os: 'Linux', architecture: 'aarch64' };
    normalizePlatform(p);
    assert.deepEqual(p, { os: 'Linux', architecture: 'aarch64' });
  });
});

describe('parsePlatform and formatPlatform', () => {
  const cases: Array<[string, Platform, string]> = [
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['Linux/X86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/riscv64', { os: 'linux', architecture: 'riscv64' }, 'linux/riscv64'],
    ['arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['amd64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
  ];
  for (const [input, expected, formatted] of cases) {
    it(`parses ${input}`, () => {
      assert.deepEqual(parsePlatform(input), expected);
      assert.equal(formatPlatform(parsePlatform(input)), formatted);
    });
  }

  it('takes the architecture of the host for a lone OS', () => {
    const host = hostPlatform('arm64', 'linux');
    assert.deepEqual(parsePlatform('linux', host), host);
  });

  for (const junk of [
    '',
    'linux/',
    '/amd64',
    'linux/amd64/v8/x',
    'linux amd64',
    'linux/am d64',
    'banana',
    'linux',
  ]) {
    it(`rejects ${JSON.stringify(junk)}`, () => {
      assert.throws(
        () => parsePlatform(junk),
        (e) =>
          isBerthError(e, 'InvalidArgument') &&
          e.message.startsWith(`invalid platform "${junk}": `),
      );
    });
  }

  it('formats what it is given', () => {
    assert.equal(formatPlatform({ os: 'linux', architecture: 'arm64' }), 'linux/arm64');
    assert.equal(
      formatPlatform({ os: 'windows', architecture: 'amd64', variant: '' }),
      'windows/amd64',
    );
  });
});

describe('platformMatches', () => {
  const linux = (architecture: string, variant?: string): Platform => ({
    os: 'linux',
    architecture,
    ...(variant ? { variant } : {}),
  });
  const yes: Array<[Platform, Platform]> = [
    [linux('amd64'), linux('amd64')],
    [linux('arm64'), linux('arm64', 'v8')],
    [linux('arm64', 'v8'), linux('arm64')],
    [linux('aarch64'), linux('arm64', 'v8')],
    [linux('arm'), linux('arm', 'v7')],
    [linux('arm', 'v7'), linux('arm')],
    [linux('x86_64'), linux('amd64')],
    [linux('amd64'), { ...linux('amd64'), 'os.version': '1' }],
  ];
  const no: Array<[Platform, Platform]> = [
    [linux('amd64'), linux('arm64')],
    [linux('arm', 'v7'), linux('arm', 'v6')],
    [linux('arm', 'v6'), linux('arm', 'v7')],
    [linux('arm64', 'v8'), linux('arm64', 'v9')],
    [linux('amd64'), linux('amd64', 'v3')],
    [linux('amd64'), { os: 'windows', architecture: 'amd64' }],
    [linux('amd64'), linux('386')],
  ];
  for (const [want, have] of yes) {
    it(`${formatPlatform(want)} matches ${formatPlatform(have)}`, () =>
      assert.equal(platformMatches(want, have), true));
  }
  for (const [want, have] of no) {
    it(`${formatPlatform(want)} does not match ${formatPlatform(have)}`, () =>
      assert.equal(platformMatches(want, have), false));
  }
});

describe('selectManifest', () => {
  it('picks amd64', () => assert.equal(selected(parsePlatform('linux/amd64')), digest('1')));
  it('picks arm64/v8 for the arm64 host', () =>
    assert.equal(selected(hostPlatform('arm64', 'linux')), digest('2')));
  it('picks arm64/v8 for a plain arm64', () =>
    assert.equal(selected({ os: 'linux', architecture: 'arm64' }), digest('2')));
  it('picks arm/v7', () => assert.equal(selected(parsePlatform('linux/arm/v7')), digest('3')));
  it('picks arm/v7 for a plain arm', () =>
    assert.equal(selected({ os: 'linux', architecture: 'arm' }), digest('3')));
  it('picks arm/v6', () => assert.equal(selected(parsePlatform('linux/arm/v6')), digest('4')));
  it('finds nothing for arm/v5, s390x or windows', () => {
    assert.equal(selected(parsePlatform('linux/arm/v5')), undefined);
    assert.equal(selected(parsePlatform('linux/s390x')), undefined);
    assert.equal(selected(parsePlatform('windows/amd64')), undefined);
  });
  it('never picks the attestation manifest', () => {
    assert.equal(selected({ os: 'unknown', architecture: 'unknown' }), undefined);
  });

  it('falls back to an older compatible platform', () => {
    const older: ImageIndex = {
      schemaVersion: 2,
      manifests: [index.manifests[4]!, index.manifests[0]!],
    };
    assert.equal(selected(parsePlatform('linux/arm/v7'), older), digest('4'));
    assert.equal(selected(parsePlatform('linux/arm64'), older), digest('4'));
    const i386: ImageIndex = {
      schemaVersion: 2,
      manifests: [entry('5', { os: 'linux', architecture: '386' })],
    };
    assert.equal(selected(parsePlatform('linux/amd64'), i386), digest('5'));
    assert.equal(selected(parsePlatform('linux/arm64'), i386), undefined);
  });

  it('prefers the exact platform over a compatible one, whatever the order', () => {
    const reversed: ImageIndex = { schemaVersion: 2, manifests: [...index.manifests].reverse() };
    assert.equal(selected(parsePlatform('linux/arm/v7'), reversed), digest('3'));
    const levels: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry('6', { os: 'linux', architecture: 'amd64' }),
        entry('7', { os: 'linux', architecture: 'amd64', variant: 'v2' }),
      ],
    };
    assert.equal(selected(parsePlatform('linux/amd64/v3'), levels), digest('7'));
    assert.equal(selected(parsePlatform('linux/amd64'), levels), digest('6'));
  });

  it('prefers the variant spelled as asked over the default one', () => {
    const both: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry('a', { os: 'linux', architecture: 'arm64' }),
        entry('b', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      ],
    };
    assert.equal(
      selected({ os: 'linux', architecture: 'arm64', variant: 'v8' }, both),
      digest('b'),
    );
    assert.equal(selected({ os: 'linux', architecture: 'arm64' }, both), digest('a'));
  });

  it('takes a manifest without platform as a last resort', () => {
    const plain: ImageIndex = {
      schemaVersion: 2,
      manifests: [entry('8'), entry('9', { os: 'linux', architecture: 'amd64' })],
    };
    assert.equal(selected(parsePlatform('linux/amd64'), plain), digest('9'));
    assert.equal(selected(parsePlatform('linux/arm64'), plain), digest('8'));
    const artifact: ImageIndex = {
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.example+json', digest: digest('c'), size: 1 }],
    };
    assert.equal(selected(parsePlatform('linux/amd64'), artifact), undefined);
  });
});
