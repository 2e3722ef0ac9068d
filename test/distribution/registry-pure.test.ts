/** The registry server's pure parts: routes and names, ranges, pagination, manifests, auth. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { RegistryError, errorBody, registryError } from '../../src/distribution/server/errors.js';
import { matchRoute, nameProblem } from '../../src/distribution/server/routes.js';
import {
  parseContentRange,
  parseRange,
  uploadRange,
} from '../../src/distribution/server/http-ranges.js';
import { byteSort, paginate, parseN } from '../../src/distribution/server/pagination.js';
import { summarizeManifest } from '../../src/distribution/server/manifest.js';
import { HtpasswdAuth, parseBasic, parseHtpasswd } from '../../src/distribution/server/auth.js';
import { parseAddr } from '../../src/distribution/server/server.js';

const hex = 'a'.repeat(64);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RegistryError, String(e));
    return e.code;
  }
  return undefined;
};

test('routes: every endpoint, names with slashes, the last keyword wins', () => {
  assert.deepEqual(matchRoute('/v2/')?.route, { kind: 'base' });
  assert.deepEqual(matchRoute('/v2')?.route, { kind: 'base' });
  assert.deepEqual(matchRoute('/v2/_catalog?n=2')?.route, { kind: 'catalog' });
  assert.equal(matchRoute('/v2/_catalog?n=2')?.query.get('n'), '2');
  assert.deepEqual(matchRoute('/v2/a/b/c/tags/list')?.route, { kind: 'tags', name: 'a/b/c' });
  assert.deepEqual(matchRoute('/v2/a/manifests/x/manifests/v1.0')?.route, {
    kind: 'manifest',
    name: 'a/manifests/x',
    reference: 'v1.0',
  });
  assert.deepEqual(matchRoute(`/v2/a/manifests/sha256:${hex}`)?.route, {
    kind: 'manifest',
    name: 'a',
    reference: `sha256:${hex}`,
  });
  assert.deepEqual(matchRoute('/v2/a/blobs/uploads/')?.route, { kind: 'uploadStart', name: 'a' });
  assert.deepEqual(matchRoute('/v2/a/blobs/uploads')?.route, { kind: 'uploadStart', name: 'a' });
  const id = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
  assert.deepEqual(matchRoute(`/v2/a/blobs/uploads/${id}`)?.route, {
    kind: 'upload',
    name: 'a',
    id,
  });
  assert.deepEqual(matchRoute(`/v2/a/blobs/sha256:${hex}`)?.route, {
    kind: 'blob',
    name: 'a',
    digest: `sha256:${hex}`,
  });
  assert.deepEqual(matchRoute(`/v2/a/referrers/sha256:${hex}?artifactType=x%2Fy`)?.route, {
    kind: 'referrers',
    name: 'a',
    digest: `sha256:${hex}`,
  });
  assert.equal(
    matchRoute(`/v2/a/referrers/sha256:${hex}?artifactType=x%2Fy`)?.query.get('artifactType'),
    'x/y',
  );
  assert.equal(matchRoute('/other'), undefined);
  assert.equal(matchRoute('/v2/a/unknown/x'), undefined);
});

test('routes: traversal and invalid names are NAME_INVALID, bad tags MANIFEST_INVALID', () => {
  for (const p of [
    '/v2/../etc/tags/list',
    '/v2/a/../b/tags/list',
    '/v2/a/./b/tags/list',
    '/v2/a%2F..%2Fb/tags/list',
    '/v2/%2e%2e/tags/list',
    '/v2/a//b/tags/list',
    '/v2/A/tags/list',
    '/v2/a_/tags/list',
    '/v2/-a/tags/list',
    `/v2/${'a'.repeat(256)}/tags/list`,
    '/v2/_layout/tags/list',
  ]) {
    assert.equal(
      code(() => matchRoute(p)),
      'NAME_INVALID',
      p,
    );
  }
  assert.equal(
    code(() => matchRoute('/v2/a/manifests/-bad')),
    'MANIFEST_INVALID',
  );
  assert.equal(nameProblem('a/b-c/d__e/f.g'), undefined);
  assert.match(nameProblem('a/B') ?? '', /component/);
});

test('Content-Range of PATCH and Range of GET', () => {
  assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseContentRange('bytes 10-19/100'), { start: 10, end: 19 });
  assert.equal(parseContentRange('10-5'), undefined);
  assert.equal(parseContentRange('x-5'), undefined);
  assert.deepEqual(parseRange(undefined, 10), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=2-4', 10), { kind: 'partial', start: 2, end: 4 });
  assert.deepEqual(parseRange('bytes=2-', 10), { kind: 'partial', start: 2, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { kind: 'partial', start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=5-100', 10), { kind: 'partial', start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=10-', 10), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=1-2,4-5', 10), { kind: 'full' });
  assert.equal(uploadRange(0), '0-0');
  assert.equal(uploadRange(10), '0-9');
});

test('pagination with n and last, and its Link header', () => {
  const all = byteSort(['b', 'a', 'c', 'B', 'a']);
  assert.deepEqual(all, ['B', 'a', 'b', 'c']);
  assert.deepEqual(paginate(all, { basePath: '/x' }), { items: all });
  const p1 = paginate(all, { n: 2, basePath: '/v2/r/tags/list' });
  assert.deepEqual(p1.items, ['B', 'a']);
  assert.equal(p1.link, '</v2/r/tags/list?n=2&last=a>; rel="next"');
  const p2 = paginate(all, { n: 2, last: 'a', basePath: '/x' });
  assert.deepEqual(p2, { items: ['b', 'c'] });
  assert.deepEqual(paginate(all, { n: 0, basePath: '/x' }), { items: [] });
  assert.equal(parseN('5'), 5);
  assert.equal(parseN(null), undefined);
  assert.equal(
    code(() => parseN('-1')),
    'PAGINATION_NUMBER_INVALID',
  );
});

test('manifest summaries: kinds, references, subject, media type agreement', () => {
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('1'), size: 2 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d('2'), size: 3 },
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: d('3'),
        size: 3,
        urls: ['https://example.invalid/x'],
      },
    ],
    subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('4'), size: 9 },
    annotations: { k: 'v' },
  };
  const s = summarizeManifest(Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  assert.equal(s.kind, 'manifest');
  assert.deepEqual(s.blobs, [d('1'), d('2')], 'foreign layers need not be pushed');
  assert.equal(s.subject, d('4'));
  assert.equal(s.artifactType, 'application/vnd.oci.image.config.v1+json');
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: manifest.mediaType, digest: d('5'), size: 1 }],
  };
  assert.deepEqual(summarizeManifest(Buffer.from(JSON.stringify(index))).manifests, [d('5')]);
  const noLayers = { ...manifest, layers: [] };
  delete (noLayers as { subject?: unknown }).subject;
  assert.deepEqual(summarizeManifest(Buffer.from(JSON.stringify(noLayers))).blobs, [d('1')]);
  const docker = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      digest: d('1'),
      size: 2,
    },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('2'), size: 3 },
    ],
  };
  assert.equal(
    summarizeManifest(Buffer.from(JSON.stringify(docker)), docker.mediaType).kind,
    'manifest',
  );
  const invalid = (body: string, ct?: string) =>
    code(() => summarizeManifest(Buffer.from(body), ct));
  assert.equal(invalid('not json'), 'MANIFEST_INVALID');
  assert.equal(invalid(JSON.stringify({ ...manifest, config: 1 })), 'MANIFEST_INVALID');
  assert.equal(
    invalid(JSON.stringify(manifest), 'application/vnd.oci.image.index.v1+json'),
    'MANIFEST_INVALID',
  );
  assert.equal(
    invalid('{}', 'application/vnd.docker.distribution.manifest.v1+prettyjws'),
    'MANIFEST_INVALID',
  );
});

test('errors carry the spec code, status and JSON body', () => {
  const e = registryError('BLOB_UNKNOWN', undefined, { digest: 'x' });
  assert.equal(e.status, 404);
  assert.deepEqual(JSON.parse(errorBody(e)), {
    errors: [
      { code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: { digest: 'x' } },
    ],
  });
  assert.equal(registryError('UNAUTHORIZED').status, 401);
  assert.equal(registryError('DENIED').status, 403);
  assert.equal(registryError('TOOMANYREQUESTS').status, 429);
  assert.equal(registryError('UNSUPPORTED').status, 405);
});

test('htpasswd: bcrypt entries only; basic auth checked and remembered', async () => {
  const hash = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
  const users = parseHtpasswd(`# comment\nalice:${hash}\n\n`);
  assert.deepEqual([...users.keys()], ['alice']);
  assert.throws(() => parseHtpasswd('bob:{SHA}abc'), /bcrypt/);
  assert.deepEqual(parseBasic(`Basic ${Buffer.from('a:b:c').toString('base64')}`), {
    user: 'a',
    password: 'b:c',
  });
  assert.equal(parseBasic('Bearer x'), undefined);
  const auth = new HtpasswdAuth(users);
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  assert.equal(await auth.authenticate(basic('alice', 's3cret')), 'alice');
  assert.equal(await auth.authenticate(basic('alice', 's3cret')), 'alice');
  await assert.rejects(auth.authenticate(basic('alice', 'wrong')), { code: 'UNAUTHORIZED' });
  await assert.rejects(auth.authenticate(basic('mallory', 's3cret')), { code: 'UNAUTHORIZED' });
  await assert.rejects(auth.authenticate(undefined), { code: 'UNAUTHORIZED' });
});

test('listen addresses', () => {
  assert.deepEqual(parseAddr('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseAddr('[::1]:5000'), { host: '::1', port: 5000 });
  assert.deepEqual(parseAddr(':5000'), { host: '0.0.0.0', port: 5000 });
  assert.throws(() => parseAddr('5000'), /HOST:PORT/);
  assert.throws(() => parseAddr('a:70000'), /HOST:PORT/);
});
