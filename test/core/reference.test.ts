// Cases ported from github.com/distribution/reference (reference_test.go, normalize_test.go),
// adapted to ParseNormalizedNamed semantics: every name gets a domain, Docker Hub names get
// `library/`, and (by default) a `latest` tag when there is neither tag nor digest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  familiarName,
  familiarString,
  isValidTag,
  parseReference,
  referenceString,
  repositoryName,
} from '../../src/core/reference.js';

const f64 = 'sha256:' + 'f'.repeat(64);
const f128 = 'sha512:' + 'f'.repeat(128);
const busyboxDigest = 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
const hexName = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const longPath = 'a/'.repeat(127) + 'a';

/**
 * input → the fully qualified reference, and the familiar string when it differs from the input.
 * The tag `latest` is added by default.
 */
const valid: Array<[string, string, string?]> = [
  // reference_test.go TestReferenceParse
  ['test_com', 'docker.io/library/test_com:latest', 'test_com:latest'],
  ['test.com:tag', 'docker.io/library/test.com:tag'],
  ['test.com:5000', 'docker.io/library/test.com:5000'],
  ['test.com/repo:tag', 'test.com/repo:tag'],
  ['test:5000/repo', 'test:5000/repo:latest', 'test:5000/repo:latest'],
  ['test:5000/repo:tag', 'test:5000/repo:tag'],
  [`test:5000/repo@${f64}`, `test:5000/repo@${f64}`],
  [`test:5000/repo:tag@${f64}`, `test:5000/repo:tag@${f64}`],
  ['lowercase:Uppercase', 'docker.io/library/lowercase:Uppercase'],
  [`${longPath}:tag-puts-this-over-max`, `docker.io/${longPath}:tag-puts-this-over-max`],
  [
    'sub-dom1.foo.com/bar/baz/quux',
    'sub-dom1.foo.com/bar/baz/quux:latest',
    'sub-dom1.foo.com/bar/baz/quux:latest',
  ],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux:some-long-tag'],
  [
    'b.gcr.io/test.example.com/my-app:test.example.com',
    'b.gcr.io/test.example.com/my-app:test.example.com',
  ],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage:xn--n3h.com'],
  [`xn--7o8h.com/myimage:xn--7o8h.com@${f128}`, `xn--7o8h.com/myimage:xn--7o8h.com@${f128}`],
  ['foo_bar.com:8080', 'docker.io/library/foo_bar.com:8080'],
  ['foo/foo_bar.com:8080', 'docker.io/foo/foo_bar.com:8080'],
  ['192.168.1.1', 'docker.io/library/192.168.1.1:latest', '192.168.1.1:latest'],
  ['192.168.1.1:tag', 'docker.io/library/192.168.1.1:tag'],
  ['192.168.1.1:5000', 'docker.io/library/192.168.1.1:5000'],
  ['192.168.1.1/repo', '192.168.1.1/repo:latest', '192.168.1.1/repo:latest'],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000/repo:latest', '192.168.1.1:5000/repo:latest'],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo:5050'],
  ['[2001:db8::1]/repo', '[2001:db8::1]/repo:latest', '[2001:db8::1]/repo:latest'],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo:tag'],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo:latest', '[2001:db8::1]:5000/repo:latest'],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000/repo:tag'],
  [`[2001:db8::1]:5000/repo@${f64}`, `[2001:db8::1]:5000/repo@${f64}`],
  [`[2001:db8::1]:5000/repo:tag@${f64}`, `[2001:db8::1]:5000/repo:tag@${f64}`],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000/repo:latest', '[2001:db8::]:5000/repo:latest'],
  ['[::1]:5000/repo', '[::1]:5000/repo:latest', '[::1]:5000/repo:latest'],
  // normalize_test.go TestValidateReferenceName / TestValidateRemoteName
  ['docker/docker', 'docker.io/docker/docker:latest', 'docker/docker:latest'],
  ['library/debian', 'docker.io/library/debian:latest', 'debian:latest'],
  ['debian', 'docker.io/library/debian:latest', 'debian:latest'],
  ['docker.io/docker/docker', 'docker.io/docker/docker:latest', 'docker/docker:latest'],
  ['docker.io/library/debian', 'docker.io/library/debian:latest', 'debian:latest'],
  ['docker.io/debian', 'docker.io/library/debian:latest', 'debian:latest'],
  ['index.docker.io/docker/docker', 'docker.io/docker/docker:latest', 'docker/docker:latest'],
  ['index.docker.io/library/debian', 'docker.io/library/debian:latest', 'debian:latest'],
  ['index.docker.io/debian', 'docker.io/library/debian:latest', 'debian:latest'],
  [
    '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/docker/docker:latest',
    '127.0.0.1:5000/docker/docker:latest',
  ],
  [
    '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/library/debian:latest',
    '127.0.0.1:5000/library/debian:latest',
  ],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000/debian:latest', '127.0.0.1:5000/debian:latest'],
  ['192.168.0.1:80', 'docker.io/library/192.168.0.1:80'],
  ['192.168.0.1:8/debian', '192.168.0.1:8/debian:latest', '192.168.0.1:8/debian:latest'],
  [
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest',
  ],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000/docker:latest', '[fc00::1]:5000/docker:latest'],
  [
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
  ],
  [`docker.io/${hexName}`, `docker.io/library/${hexName}:latest`, `${hexName}:latest`],
  [`${hexName}:tag`, `docker.io/library/${hexName}:tag`],
  ['Docker/docker', 'Docker/docker:latest', 'Docker/docker:latest'],
  ['DOCKER/docker', 'DOCKER/docker:latest', 'DOCKER/docker:latest'],
  ['docker-rules/docker', 'docker.io/docker-rules/docker:latest', 'docker-rules/docker:latest'],
  [
    'docker---rules/docker',
    'docker.io/docker---rules/docker:latest',
    'docker---rules/docker:latest',
  ],
  ['d/docker', 'docker.io/d/docker:latest', 'd/docker:latest'],
  ['jess/t', 'docker.io/jess/t:latest', 'jess/t:latest'],
  ['dock__er/docker', 'docker.io/dock__er/docker:latest', 'dock__er/docker:latest'],
  // normalize_test.go TestParseRepositoryInfo / TestNormalizedSplitHostname
  ['index.docker.io/fooo/bar', 'docker.io/fooo/bar:latest', 'fooo/bar:latest'],
  ['other/library', 'docker.io/other/library:latest', 'other/library:latest'],
  [
    'example.com:8000/privatebasee',
    'example.com:8000/privatebasee:latest',
    'example.com:8000/privatebasee:latest',
  ],
  [
    'index.docker.io/library/ubuntu-12.04-base',
    'docker.io/library/ubuntu-12.04-base:latest',
    'ubuntu-12.04-base:latest',
  ],
  ['library/foo/bar', 'docker.io/library/foo/bar:latest', 'library/foo/bar:latest'],
  ['docker.io/library/foo/bar', 'docker.io/library/foo/bar:latest', 'library/foo/bar:latest'],
  ['store/foo/bar', 'docker.io/store/foo/bar:latest', 'store/foo/bar:latest'],
  ['Foo/bar', 'Foo/bar:latest', 'Foo/bar:latest'],
  ['test-com:8080/foo', 'test-com:8080/foo:latest', 'test-com:8080/foo:latest'],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo:latest', 'xn--n3h.com:18080/foo:latest'],
  // TestParseReferenceWithTagAndDigest
  [`busybox:latest@${busyboxDigest}`, `docker.io/library/busybox:latest@${busyboxDigest}`],
  // localhost is always a domain when followed by a path
  ['localhost/foo', 'localhost/foo:latest', 'localhost/foo:latest'],
  [`localhost:5000/team/app:v1@${f64}`, `localhost:5000/team/app:v1@${f64}`],
  ['localhost', 'docker.io/library/localhost:latest', 'localhost:latest'],
  [`a:v1@${f64}`, `docker.io/library/a:v1@${f64}`],
  [`busybox:${'t'.repeat(128)}`, `docker.io/library/busybox:${'t'.repeat(128)}`],
  ['busybox:_x.Y-1', 'docker.io/library/busybox:_x.Y-1'],
];

/** input → expected message (the whole message, or a pattern). */
const invalid: Array<[string, string | RegExp]> = [
  // reference_test.go
  ['', 'invalid reference format: repository name must have at least one component'],
  [':justtag', 'invalid reference format: repository name must have at least one component'],
  [`@${f64}`, 'invalid reference format: repository name must have at least one component'],
  [
    'repo@sha256:ffffffffffffffffffffffffffffffffff',
    /^invalid reference format: invalid digest "sha256:f{34}": sha256 needs 64 hex characters, got 34$/,
  ],
  [
    `validname@invaliddigest:${'f'.repeat(64)}`,
    /^invalid reference format: invalid digest "invaliddigest:f{64}": unsupported digest algorithm$/,
  ],
  [
    'Uppercase:tag',
    'invalid reference format: repository name (library/Uppercase) must be lowercase',
  ],
  [
    'test:5000/Uppercase/lowercase:tag',
    'invalid reference format: repository name (Uppercase/lowercase) must be lowercase',
  ],
  [
    'a/'.repeat(128) + 'a:tag',
    'invalid reference format: repository name must have at most 255 characters',
  ],
  [
    'aa/asdf$$^/aa',
    'invalid reference format: repository name (aa/asdf$$^/aa) has an invalid path component "asdf$$^"',
  ],
  ['[2001:db8::1]', /^invalid reference format/],
  ['[2001:db8::1]:5000', /^invalid reference format/],
  ['[2001:db8::1]:tag', /^invalid reference format/],
  [
    '[fe80::1%eth0]:5000/repo',
    'invalid reference format: invalid domain "[fe80::1%eth0]:5000" in "[fe80::1%eth0]:5000/repo"',
  ],
  ['[fe80::1%@invalidzone]:5000/repo', /^invalid reference format/],
  // normalize_test.go
  [
    'https://github.com/docker/docker',
    'invalid reference format: invalid domain "https:" in "https://github.com/docker/docker"',
  ],
  ['docker/Docker', 'invalid reference format: repository name (docker/Docker) must be lowercase'],
  [
    '-docker',
    'invalid reference format: repository name (library/-docker) has an invalid path component "-docker"',
  ],
  ['-docker/docker', /invalid path component "-docker"/],
  ['-docker.io/docker/docker', /invalid domain "-docker.io"/],
  [
    'docker///docker',
    'invalid reference format: repository name (docker///docker) has an empty path component',
  ],
  ['docker.io/docker/Docker', /must be lowercase/],
  ['docker.io/docker///docker', /empty path component/],
  ['[fc00::1]', /^invalid reference format/],
  ['[fc00::1]:5000', /^invalid reference format/],
  ['fc00::1:5000/debian', /invalid domain "fc00::1:5000"/],
  ['[fe80::1%eth0]:5000/debian', /invalid domain/],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', /invalid domain/],
  [hexName, `invalid repository name (${hexName}), cannot specify 64-byte hexadecimal strings`],
  ['docker-/docker', /invalid path component "docker-"/],
  ['-docker-/docker', /invalid path component/],
  ['____/____', /invalid path component "____"/],
  ['_docker/_docker', /invalid path component "_docker"/],
  // A first element with a '.' is taken for a domain.
  ['dock..er/docker', /invalid domain "dock..er"/],
  ['dock_.er/docker', /invalid domain "dock_.er"/],
  ['dock-.er/docker', /invalid domain "dock-.er"/],
  ['docker/dock..er', /invalid path component "dock..er"/],
  ['docker/dock_.er', /invalid path component "dock_.er"/],
  ['docker/dock-.er', /invalid path component "dock-.er"/],
  ['docker/', /empty path component/],
  [
    'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4).slice(0, -1) +
      '/docker',
    'invalid reference format: repository name must have at most 255 characters',
  ],
  ['-foo', /invalid path component "-foo"/],
  // tags and digests
  ['busybox:', 'invalid reference format: empty tag in "busybox:"'],
  ['busybox:-foo', 'invalid reference format: invalid tag "-foo" in "busybox:-foo"'],
  ['busybox:.x', /invalid tag "\.x"/],
  [`busybox:${'t'.repeat(129)}`, /invalid tag/],
  ['busybox@', 'invalid reference format: empty digest in "busybox@"'],
  ['busybox@sha256:abc', /^invalid reference format: invalid digest "sha256:abc": /],
  [`busybox@sha256:${'F'.repeat(64)}`, /^invalid reference format: invalid digest .*lowercase/],
  [`busybox@${f64}@${f64}`, /^invalid reference format: invalid digest/],
  [
    'busybox@sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
    /unsupported digest algorithm/,
  ],
  ['my_registry.com/app', /invalid domain "my_registry.com"/],
  ['busy box', /invalid path component/],
];

describe('parseReference', () => {
  for (const [input, full, familiar = input] of valid) {
    it(`parses ${input.length > 90 ? input.slice(0, 90) + '…' : input}`, () => {
      const ref = parseReference(input);
      assert.equal(referenceString(ref), full);
      assert.equal(familiarString(ref), familiar);
      assert.equal(ref.domain, full.slice(0, full.indexOf('/')));
      assert.ok(ref.tag !== undefined || ref.digest !== undefined);
      // Parsing either printed form gives the same reference back.
      assert.deepEqual(parseReference(familiarString(ref)), ref);
      assert.deepEqual(parseReference(referenceString(ref)), ref);
    });
  }

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseReference(`localhost:5000/team/app:v1@${f64}`), {
      domain: 'localhost:5000',
      path: 'team/app',
      tag: 'v1',
      digest: f64,
    });
    assert.deepEqual(parseReference('[::1]:5000/x'), {
      domain: '[::1]:5000',
      path: 'x',
      tag: 'latest',
    });
    assert.deepEqual(parseReference(`busybox@${f64}`), {
      domain: 'docker.io',
      path: 'library/busybox',
      digest: f64,
    });
    assert.deepEqual(parseReference('index.docker.io/busybox:1'), {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: '1',
    });
  });

  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input.length > 90 ? input.slice(0, 90) + '…' : input)}`, () => {
      assert.throws(
        () => parseReference(input),
        (e) => {
          assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
          if (typeof message === 'string') assert.equal(e.message, message);
          else assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  it('has a broad table', () => assert.ok(valid.length + invalid.length >= 40));

  it('adds no tag when defaultTag is false', () => {
    assert.deepEqual(parseReference('busybox', { defaultTag: false }), {
      domain: 'docker.io',
      path: 'library/busybox',
    });
    assert.deepEqual(parseReference('busybox:1.36', { defaultTag: false }).tag, '1.36');
  });

  it('adds no default tag to a digest reference', () => {
    assert.equal(parseReference(`busybox@${f64}`).tag, undefined);
  });
});

describe('reference names', () => {
  const cases: Array<[string, string, string, string]> = [
    // input, repositoryName, familiarName, referenceString
    ['busybox', 'docker.io/library/busybox', 'busybox', 'docker.io/library/busybox:latest'],
    ['fooo/bar', 'docker.io/fooo/bar', 'fooo/bar', 'docker.io/fooo/bar:latest'],
    [
      'docker.io/library/ubuntu',
      'docker.io/library/ubuntu',
      'ubuntu',
      'docker.io/library/ubuntu:latest',
    ],
    [
      'nonlibrary/ubuntu',
      'docker.io/nonlibrary/ubuntu',
      'nonlibrary/ubuntu',
      'docker.io/nonlibrary/ubuntu:latest',
    ],
    [
      '127.0.0.1:8000/private/moonbase',
      '127.0.0.1:8000/private/moonbase',
      '127.0.0.1:8000/private/moonbase',
      '127.0.0.1:8000/private/moonbase:latest',
    ],
    [
      'example.com/privatebase:v2',
      'example.com/privatebase',
      'example.com/privatebase',
      'example.com/privatebase:v2',
    ],
    [
      'localhost:5000/team/app',
      'localhost:5000/team/app',
      'localhost:5000/team/app',
      'localhost:5000/team/app:latest',
    ],
    [`localhost:5000/a@${f64}`, 'localhost:5000/a', 'localhost:5000/a', `localhost:5000/a@${f64}`],
    [
      'library/foo/bar',
      'docker.io/library/foo/bar',
      'library/foo/bar',
      'docker.io/library/foo/bar:latest',
    ],
  ];
  for (const [input, repo, familiar, full] of cases) {
    it(`names ${input}`, () => {
      const ref = parseReference(input);
      assert.equal(repositoryName(ref), repo);
      assert.equal(familiarName(ref), familiar);
      assert.equal(referenceString(ref), full);
    });
  }

  it('prints familiar strings as Docker does', () => {
    assert.equal(familiarString(parseReference('busybox')), 'busybox:latest');
    assert.equal(
      familiarString(parseReference(`localhost:5000/a@${f64}`)),
      `localhost:5000/a@${f64}`,
    );
    assert.equal(familiarString(parseReference(`a:v1@${f64}`)), `a:v1@${f64}`);
  });
});

describe('isValidTag', () => {
  it('follows [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}', () => {
    for (const tag of ['latest', 'v1.2.3', '_', 'A', '1-2_3.4', 'x'.repeat(128)]) {
      assert.equal(isValidTag(tag), true, tag);
    }
    for (const tag of ['', '-x', '.x', 'a:b', 'a/b', 'a@b', 'x'.repeat(129), 'é']) {
      assert.equal(isValidTag(tag), false, tag);
    }
  });
});
