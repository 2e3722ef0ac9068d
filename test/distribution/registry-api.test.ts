/**
 * berth's registry server driven over real HTTP (`bin/berth registry serve` as a child process
 * on 127.0.0.1): the distribution-spec's pull, push, content discovery and content management
 * categories, error codes, tampering, traversal, read-only mode, auth, TLS and gc while serving.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { berthBin, runCommand, tempDir } from '../helpers.js';
import {
  blobOf,
  errorCode,
  pushBlob,
  pushImage,
  pushManifest,
  rawRequest,
  sha,
  startRegistry,
  tinyImage,
} from './registry-helpers.js';

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';

test('base endpoint, unknown things, and the spec error body', async (t) => {
  const r = await startRegistry(t);
  const base = await fetch(`${r.url}/v2/`);
  assert.equal(base.status, 200);
  assert.equal(base.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const m = await fetch(`${r.url}/v2/nope/manifests/latest`);
  assert.equal(m.status, 404);
  assert.deepEqual(await m.json(), {
    errors: [
      {
        code: 'MANIFEST_UNKNOWN',
        message: 'manifest unknown',
        detail: { name: 'nope', reference: 'latest' },
      },
    ],
  });
  const b = await fetch(`${r.url}/v2/nope/blobs/${sha('x')}`);
  assert.equal(b.status, 404);
  assert.equal(await errorCode(b), 'BLOB_UNKNOWN');
  const head = await fetch(`${r.url}/v2/nope/blobs/${sha('x')}`, { method: 'HEAD' });
  assert.equal(head.status, 404);
  const tags = await fetch(`${r.url}/v2/nope/tags/list`);
  assert.equal(tags.status, 404);
  assert.equal(await errorCode(tags), 'NAME_UNKNOWN');
  const bad = await fetch(`${r.url}/v2/a/blobs/sha256:xyz`);
  assert.equal(bad.status, 400);
  assert.equal(await errorCode(bad), 'DIGEST_INVALID');
  const upload = await fetch(`${r.url}/v2/a/blobs/uploads/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9`);
  assert.equal(upload.status, 404);
  assert.equal(await errorCode(upload), 'BLOB_UPLOAD_UNKNOWN');
  const method = await fetch(`${r.url}/v2/a/tags/list`, { method: 'DELETE' });
  assert.equal(method.status, 405);
  assert.equal(await errorCode(method), 'UNSUPPORTED');
  assert.match(r.log(), /GET \/v2\/nope\/manifests\/latest 404 [\d.]+ms/);
});

test('push and pull: monolithic and POST+PUT blobs, manifests by tag and digest', async (t) => {
  const r = await startRegistry(t);
  const img = tinyImage('one');
  await pushBlob(r.url, 'team/app', img.layer);
  // POST then PUT with the body
  const post = await fetch(`${r.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
  assert.equal(post.status, 202);
  const loc = post.headers.get('location')!;
  assert.match(loc, /^\/v2\/team\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
  assert.equal(post.headers.get('docker-upload-uuid'), loc.split('/').pop());
  const put = await fetch(`${r.url}${loc}?digest=${img.config.digest}`, {
    method: 'PUT',
    body: new Uint8Array(img.config.data),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('docker-content-digest'), img.config.digest);
  assert.equal(put.headers.get('location'), `/v2/team/app/blobs/${img.config.digest}`);
  const res = await pushManifest(r.url, 'team/app', 'v1', img.manifest);
  assert.equal(res.headers.get('docker-content-digest'), img.manifest.digest);
  assert.equal(res.headers.get('location'), `/v2/team/app/manifests/${img.manifest.digest}`);

  for (const ref of ['v1', img.manifest.digest]) {
    const get = await fetch(`${r.url}/v2/team/app/manifests/${ref}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), ociManifest);
    assert.equal(get.headers.get('docker-content-digest'), img.manifest.digest);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), img.manifest.data);
    const head = await fetch(`${r.url}/v2/team/app/manifests/${ref}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(img.manifest.size));
  }
  const blob = await fetch(`${r.url}/v2/team/app/blobs/${img.layer.digest}`);
  assert.equal(blob.status, 200);
  assert.equal(blob.headers.get('docker-content-digest'), img.layer.digest);
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), img.layer.data);
  const head = await fetch(`${r.url}/v2/team/app/blobs/${img.layer.digest}`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), String(img.layer.size));
  // another repository does not see the blob (repositories are separate)
  assert.equal((await fetch(`${r.url}/v2/other/blobs/${img.layer.digest}`)).status, 404);
});

test('chunked upload: Content-Range chunks, status, 416 out of order, cancel', async (t) => {
  const r = await startRegistry(t);
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) % 251;
  const post = await fetch(`${r.url}/v2/chunky/blobs/uploads/`, { method: 'POST' });
  let loc = post.headers.get('location')!;
  const patch = (start: number, end: number) =>
    fetch(`${r.url}${loc}`, {
      method: 'PATCH',
      body: data.subarray(start, end + 1),
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `${start}-${end}`,
      },
    });
  const p1 = await patch(0, 99_999);
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.get('range'), '0-99999');
  loc = p1.headers.get('location')!;
  // out of order: skips bytes
  const skip = await patch(150_000, 199_999);
  assert.equal(skip.status, 416);
  assert.equal(await errorCode(skip), 'BLOB_UPLOAD_INVALID');
  // a repeated chunk is out of order too
  assert.equal((await patch(0, 99_999)).status, 416);
  const status = await fetch(`${r.url}${loc}`);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-99999');
  assert.equal((await patch(100_000, 199_999)).status, 202);
  // a streamed chunk (no Content-Range) appends
  const streamed = await fetch(`${r.url}${loc}`, {
    method: 'PATCH',
    body: data.subarray(200_000, 250_000),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(streamed.headers.get('range'), '0-249999');
  // the PUT carries the last chunk, with its Content-Range
  const done = await fetch(`${r.url}${loc}?digest=${sha(data)}`, {
    method: 'PUT',
    body: data.subarray(250_000),
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Range': `250000-${data.length - 1}`,
    },
  });
  assert.equal(done.status, 201);
  const back = await fetch(`${r.url}/v2/chunky/blobs/${sha(data)}`);
  assert.deepEqual(Buffer.from(await back.arrayBuffer()), data);

  // cancel
  const post2 = await fetch(`${r.url}/v2/chunky/blobs/uploads/`, { method: 'POST' });
  const loc2 = post2.headers.get('location')!;
  assert.equal((await fetch(`${r.url}${loc2}`, { method: 'DELETE' })).status, 204);
  const gone = await fetch(`${r.url}${loc2}`);
  assert.equal(gone.status, 404);
  assert.equal(await errorCode(gone), 'BLOB_UPLOAD_UNKNOWN');
  assert.deepEqual(await fs.readdir(path.join(r.root, 'uploads')), []);
});

test('blob GET with Range: 206, suffix ranges, 416', async (t) => {
  const r = await startRegistry(t);
  const b = blobOf('0123456789', 'application/octet-stream');
  await pushBlob(r.url, 'ranged', b);
  const get = (range: string) =>
    fetch(`${r.url}/v2/ranged/blobs/${b.digest}`, { headers: { Range: range } });
  const part = await get('bytes=2-5');
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await part.text(), '2345');
  assert.equal(await (await get('bytes=7-')).text(), '789');
  assert.equal(await (await get('bytes=-2')).text(), '89');
  const bad = await get('bytes=20-');
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get('content-range'), 'bytes */10');
});

test('cross-repository mount: 201 when the source has the blob, else a 202 upload', async (t) => {
  const r = await startRegistry(t);
  const b = blobOf('shared layer', 'application/octet-stream');
  await pushBlob(r.url, 'src/repo', b);
  const mount = await fetch(`${r.url}/v2/dst/repo/blobs/uploads/?mount=${b.digest}&from=src/repo`, {
    method: 'POST',
  });
  assert.equal(mount.status, 201);
  assert.equal(mount.headers.get('location'), `/v2/dst/repo/blobs/${b.digest}`);
  assert.equal(mount.headers.get('docker-content-digest'), b.digest);
  assert.equal(
    await (await fetch(`${r.url}/v2/dst/repo/blobs/${b.digest}`)).text(),
    'shared layer',
  );
  // stored once: the two repositories' files are links to the same inode
  const hex = b.digest.slice(7);
  const st = await fs.stat(path.join(r.root, 'blobs', 'sha256', hex));
  assert.equal(st.nlink, 3);
  const fallback = await fetch(
    `${r.url}/v2/dst/repo/blobs/uploads/?mount=${sha('absent')}&from=src/repo`,
    { method: 'POST' },
  );
  assert.equal(fallback.status, 202);
  assert.match(fallback.headers.get('location')!, /\/blobs\/uploads\//);
});

test('manifest checks: missing blobs, invalid JSON, digest mismatch, index children', async (t) => {
  const r = await startRegistry(t);
  const img = tinyImage('x');
  await pushBlob(r.url, 'm', img.config);
  const put = (ref: string, body: Uint8Array<ArrayBuffer> | string, type = ociManifest) =>
    fetch(`${r.url}/v2/m/manifests/${ref}`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': type },
    });
  const missing = await put('t', new Uint8Array(img.manifest.data));
  assert.equal(missing.status, 400);
  assert.deepEqual(await missing.json(), {
    errors: [
      {
        code: 'MANIFEST_BLOB_UNKNOWN',
        message: 'manifest references a blob unknown to registry',
        detail: { digest: img.layer.digest },
      },
    ],
  });
  const junk = await put('t', '{"schemaVersion":2,"config":"nope"}');
  assert.equal(junk.status, 400);
  assert.equal(await errorCode(junk), 'MANIFEST_INVALID');
  await pushBlob(r.url, 'm', img.layer);
  const wrong = await put(sha('other'), new Uint8Array(img.manifest.data));
  assert.equal(wrong.status, 400);
  assert.equal(await errorCode(wrong), 'DIGEST_INVALID');
  assert.equal((await put(img.manifest.digest, new Uint8Array(img.manifest.data))).status, 201);
  const index = (digest: string) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: ociManifest,
          digest,
          size: 1,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    });
  const idxType = 'application/vnd.oci.image.index.v1+json';
  const badIndex = await put('multi', index(sha('nothing')), idxType);
  assert.equal(await errorCode(badIndex), 'MANIFEST_BLOB_UNKNOWN');
  const good = await put('multi', index(img.manifest.digest), idxType);
  assert.equal(good.status, 201);
  const got = await fetch(`${r.url}/v2/m/manifests/multi`);
  assert.equal(got.headers.get('content-type'), idxType);
});

test('tampering: a wrong digest on upload is refused and stores nothing', async (t) => {
  const r = await startRegistry(t);
  const claimed = sha('the real content');
  const mono = await fetch(`${r.url}/v2/t/blobs/uploads/?digest=${claimed}`, {
    method: 'POST',
    body: 'tampered content',
  });
  assert.equal(mono.status, 400);
  assert.equal(await errorCode(mono), 'DIGEST_INVALID');
  const post = await fetch(`${r.url}/v2/t/blobs/uploads/`, { method: 'POST' });
  const loc = post.headers.get('location')!;
  const put = await fetch(`${r.url}${loc}?digest=${claimed}`, {
    method: 'PUT',
    body: 'tampered content',
  });
  assert.equal(put.status, 400);
  assert.equal(await errorCode(put), 'DIGEST_INVALID');
  assert.equal((await fetch(`${r.url}/v2/t/blobs/${claimed}`)).status, 404);
  assert.equal((await fetch(`${r.url}/v2/t/blobs/${sha('tampered content')}`)).status, 404);
  const blobs = await fs.readdir(path.join(r.root, 'blobs', 'sha256')).catch(() => []);
  assert.deepEqual(blobs, []);
  assert.deepEqual(await fs.readdir(path.join(r.root, 'uploads')), []);
  const noDigest = await fetch(`${r.url}${loc}`, { method: 'PUT' });
  assert.equal(noDigest.status, 404, 'the failed upload is gone');
});

test('path traversal and invalid names are NAME_INVALID and touch nothing', async (t) => {
  const r = await startRegistry(t);
  const outside = path.join(path.dirname(r.root), 'escaped');
  for (const p of [
    '/v2/../escaped/tags/list',
    '/v2/a/../../escaped/blobs/uploads/',
    '/v2/a%2F..%2F..%2Fescaped/blobs/uploads/',
    '/v2/%2e%2e/blobs/uploads/',
    '/v2/a/.%2e/b/manifests/latest',
    '/v2/UPPER/manifests/latest',
    '/v2/a//b/manifests/latest',
  ]) {
    const method = p.endsWith('uploads/') ? 'POST' : 'GET';
    const res = await rawRequest(r.url, method, p);
    assert.equal(res.status, 400, p);
    assert.equal(JSON.parse(res.body).errors[0].code, 'NAME_INVALID', p);
  }
  await assert.rejects(fs.stat(outside));
  assert.deepEqual(await fs.readdir(r.root).catch(() => []), []);
  const from = await fetch(`${r.url}/v2/ok/blobs/uploads/?mount=${sha('x')}&from=../../etc`, {
    method: 'POST',
  });
  assert.equal(await errorCode(from), 'NAME_INVALID');
});

test('tags list pagination with Link, and the catalog', async (t) => {
  const r = await startRegistry(t);
  const img = tinyImage('p');
  await pushBlob(r.url, 'pg', img.layer);
  await pushBlob(r.url, 'pg', img.config);
  for (const tag of ['c', 'a', 'e', 'b', 'd']) await pushManifest(r.url, 'pg', tag, img.manifest);
  const all = await (await fetch(`${r.url}/v2/pg/tags/list`)).json();
  assert.deepEqual(all, { name: 'pg', tags: ['a', 'b', 'c', 'd', 'e'] });
  const p1 = await fetch(`${r.url}/v2/pg/tags/list?n=2`);
  assert.deepEqual((await p1.json()).tags, ['a', 'b']);
  const link = p1.headers.get('link')!;
  assert.equal(link, '</v2/pg/tags/list?n=2&last=b>; rel="next"');
  const next = link.slice(1, link.indexOf('>'));
  const p2 = await fetch(`${r.url}${next}`);
  assert.deepEqual((await p2.json()).tags, ['c', 'd']);
  const p3 = await fetch(`${r.url}/v2/pg/tags/list?n=2&last=d`);
  assert.deepEqual((await p3.json()).tags, ['e']);
  assert.equal(p3.headers.get('link'), null);
  const bad = await fetch(`${r.url}/v2/pg/tags/list?n=x`);
  assert.equal(bad.status, 400);

  await pushImage(r.url, 'z/last', 'v');
  await pushImage(r.url, 'a/first', 'v');
  const cat = await (await fetch(`${r.url}/v2/_catalog`)).json();
  assert.deepEqual(cat, { repositories: ['a/first', 'pg', 'z/last'] });
  const c1 = await fetch(`${r.url}/v2/_catalog?n=1`);
  assert.deepEqual((await c1.json()).repositories, ['a/first']);
  assert.equal(c1.headers.get('link'), '</v2/_catalog?n=1&last=a%2Ffirst>; rel="next"');
  const c2 = await fetch(`${r.url}/v2/_catalog?n=5&last=a/first`);
  assert.deepEqual((await c2.json()).repositories, ['pg', 'z/last']);
});

test('referrers: OCI-Subject on push, listing, artifactType filter', async (t) => {
  const r = await startRegistry(t);
  const img = await pushImage(r.url, 'ref', 'v1');
  const empty = blobOf('{}', 'application/vnd.oci.empty.v1+json');
  await pushBlob(r.url, 'ref', empty);
  const artifact = (type: string, note: string) =>
    blobOf(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: ociManifest,
        artifactType: type,
        config: { mediaType: empty.mediaType, digest: empty.digest, size: empty.size },
        layers: [{ mediaType: empty.mediaType, digest: empty.digest, size: empty.size }],
        subject: { mediaType: ociManifest, digest: img.manifest.digest, size: img.manifest.size },
        annotations: { note },
      }),
      ociManifest,
    );
  const sig = artifact('application/vnd.example.signature', 'sig');
  const sbom = artifact('application/vnd.example.sbom', 'sbom');
  for (const a of [sig, sbom]) {
    const res = await pushManifest(r.url, 'ref', a.digest, a);
    assert.equal(res.headers.get('oci-subject'), img.manifest.digest);
  }
  const all = await fetch(`${r.url}/v2/ref/referrers/${img.manifest.digest}`);
  assert.equal(all.status, 200);
  assert.equal(all.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
  assert.equal(all.headers.get('oci-filters-applied'), null);
  type Referrers = { schemaVersion: number; manifests: Array<{ digest: string }> };
  const body = (await all.json()) as Referrers;
  assert.equal(body.schemaVersion, 2);
  assert.deepEqual(body.manifests.map((d) => d.digest).sort(), [sig.digest, sbom.digest].sort());
  const one = body.manifests.find((d) => d.digest === sig.digest);
  assert.deepEqual(one, {
    mediaType: ociManifest,
    digest: sig.digest,
    size: sig.size,
    artifactType: 'application/vnd.example.signature',
    annotations: { note: 'sig' },
  });
  const filtered = await fetch(
    `${r.url}/v2/ref/referrers/${img.manifest.digest}?artifactType=application/vnd.example.sbom`,
  );
  assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual(
    ((await filtered.json()) as Referrers).manifests.map((d) => d.digest),
    [sbom.digest],
  );
  const none = await (await fetch(`${r.url}/v2/ref/referrers/${sha('nothing')}`)).json();
  assert.deepEqual(none.manifests, []);
  const bad = await fetch(`${r.url}/v2/ref/referrers/sha256:nothex`);
  assert.equal(await errorCode(bad), 'DIGEST_INVALID');
});

test('content management: delete a tag, a manifest, a blob', async (t) => {
  const r = await startRegistry(t);
  const img = await pushImage(r.url, 'del', 'v1');
  await pushManifest(r.url, 'del', 'v2', img.manifest);
  assert.equal((await fetch(`${r.url}/v2/del/manifests/v1`, { method: 'DELETE' })).status, 202);
  assert.equal((await fetch(`${r.url}/v2/del/manifests/v1`)).status, 404);
  assert.equal((await fetch(`${r.url}/v2/del/manifests/v2`)).status, 200, 'other tags stay');
  const byDigest = await fetch(`${r.url}/v2/del/manifests/${img.manifest.digest}`, {
    method: 'DELETE',
  });
  assert.equal(byDigest.status, 202);
  const gone = await fetch(`${r.url}/v2/del/manifests/${img.manifest.digest}`);
  assert.equal(await errorCode(gone), 'MANIFEST_UNKNOWN');
  assert.equal((await fetch(`${r.url}/v2/del/manifests/v2`)).status, 404, 'tags go with it');
  assert.deepEqual((await (await fetch(`${r.url}/v2/del/tags/list`)).json()).tags, []);
  const again = await fetch(`${r.url}/v2/del/manifests/${img.manifest.digest}`, {
    method: 'DELETE',
  });
  assert.equal(again.status, 404);
  assert.equal(
    (await fetch(`${r.url}/v2/del/blobs/${img.layer.digest}`, { method: 'DELETE' })).status,
    202,
  );
  const blob = await fetch(`${r.url}/v2/del/blobs/${img.layer.digest}`);
  assert.equal(await errorCode(blob), 'BLOB_UNKNOWN');
  // a moved tag leaves its old manifest, untagged, reachable by digest
  const one = await pushImage(r.url, 'mv', 'latest', tinyImage('one'));
  await pushImage(r.url, 'mv', 'latest', tinyImage('two'));
  assert.equal((await fetch(`${r.url}/v2/mv/manifests/${one.manifest.digest}`)).status, 200);
});

test('--read-only serves pulls and refuses writes with 405 UNSUPPORTED', async (t) => {
  const dir = path.join(await tempDir(t, 'berth-registry-'), 'root');
  const rw = await startRegistry(t, [], dir);
  const img = await pushImage(rw.url, 'ro', 'v1');
  await rw.stop();
  const r = await startRegistry(t, ['--read-only'], dir);
  assert.equal((await fetch(`${r.url}/v2/ro/manifests/v1`)).status, 200);
  for (const [method, p] of [
    ['POST', '/v2/ro/blobs/uploads/'],
    ['PUT', '/v2/ro/manifests/v2'],
    ['DELETE', `/v2/ro/manifests/${img.manifest.digest}`],
    ['DELETE', `/v2/ro/blobs/${img.layer.digest}`],
  ]) {
    const res = await fetch(`${r.url}${p}`, { method, body: method === 'PUT' ? '{}' : undefined });
    assert.equal(res.status, 405, `${method} ${p}`);
    assert.equal(await errorCode(res), 'UNSUPPORTED');
  }
  assert.equal((await fetch(`${r.url}/v2/ro/manifests/v1`)).status, 200);
});

test('--htpasswd: 401 with a Basic challenge without valid credentials; none in the log', async (t) => {
  const dir = await tempDir(t, 'berth-registry-auth-');
  const file = path.join(dir, 'htpasswd');
  await fs.writeFile(file, `alice:${bcrypt.hashSync('wonderland', 5)}\n`);
  const r = await startRegistry(t, ['--htpasswd', file]);
  for (const auth of [undefined, 'Basic ' + Buffer.from('alice:nope').toString('base64')]) {
    const res = await fetch(`${r.url}/v2/`, { headers: auth ? { Authorization: auth } : {} });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="berth-registry"');
    assert.equal(await errorCode(res), 'UNAUTHORIZED');
  }
  const anon = await fetch(`${r.url}/v2/x/blobs/uploads/`, { method: 'POST' });
  assert.equal(anon.status, 401);
  const good = 'Basic ' + Buffer.from('alice:wonderland').toString('base64');
  assert.equal((await fetch(`${r.url}/v2/`, { headers: { Authorization: good } })).status, 200);
  const b = blobOf('authed', 'application/octet-stream');
  await pushBlob(r.url, 'x', b, good);
  assert.doesNotMatch(r.log(), /wonderland|nope/);
  assert.doesNotMatch(r.log(), new RegExp(good.slice(6).slice(0, 12)));
  assert.match(r.log(), /user=alice/);
});

test('--tls-cert/--tls-key serve HTTPS', async (t) => {
  const dir = await tempDir(t, 'berth-registry-tls-');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const gen = await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  const r = await startRegistry(t, ['--tls-cert', cert, '--tls-key', key]);
  assert.match(r.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const status = await new Promise<number>((resolve, reject) => {
    // a self-signed test certificate: the connection is TLS, its CA is not what is tested
    const opts = { rejectUnauthorized: false, timeout: 10_000 };
    https
      .get(`${r.url}/v2/`, opts, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
      .on('error', reject);
  });
  assert.equal(status, 200);
});

test('registry gc while serving: unreferenced blobs go, referenced ones stay', async (t) => {
  const r = await startRegistry(t);
  const keep = await pushImage(r.url, 'gc/keep', 'v1');
  const dropped = await pushImage(r.url, 'gc/drop', 'v1', tinyImage('dropped'));
  const orphan = blobOf('nobody references me', 'application/octet-stream');
  await pushBlob(r.url, 'gc/keep', orphan);
  // the shared layer of both: referenced from gc/keep only after gc/drop's manifest goes
  await fetch(`${r.url}/v2/gc/drop/manifests/${dropped.manifest.digest}`, { method: 'DELETE' });
  const gc = (args: string[]) =>
    runCommand(berthBin, ['registry', 'gc', '--root', r.root, ...args], { timeoutMs: 30_000 });

  // default grace: everything here is young, nothing goes
  const young = await gc([]);
  assert.equal(young.code, 0, young.stderr);
  assert.match(young.stdout, /0 blobs removed/);
  const dry = await gc(['--grace', '0s', '--dry-run']);
  assert.match(dry.stdout, new RegExp(`would remove sha256:${orphan.digest.slice(7)}`));
  assert.equal((await fetch(`${r.url}/v2/gc/keep/blobs/${orphan.digest}`)).status, 200);

  // an upload in progress while gc runs: its bytes are not a blob yet, and survive
  const inflight = blobOf('uploaded across a gc', 'application/octet-stream');
  const post = await fetch(`${r.url}/v2/gc/keep/blobs/uploads/`, { method: 'POST' });
  const loc = post.headers.get('location')!;
  const half = inflight.data.length >> 1;
  const patched = await fetch(`${r.url}${loc}`, {
    method: 'PATCH',
    body: new Uint8Array(inflight.data.subarray(0, half)),
    headers: { 'Content-Range': `0-${half - 1}`, 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(patched.status, 202);

  const real = await gc(['--grace', '0s']);
  assert.equal(real.code, 0, real.stderr);
  // the orphan, and the deleted manifest with its layer and config
  assert.match(real.stdout, /4 blobs removed/, real.stdout);
  for (const b of [orphan, dropped.layer, dropped.config, dropped.manifest]) {
    await assert.rejects(fs.stat(path.join(r.root, 'blobs', 'sha256', b.digest.slice(7))));
  }
  assert.equal((await fetch(`${r.url}/v2/gc/keep/blobs/${orphan.digest}`)).status, 404);
  for (const b of [keep.layer, keep.config]) {
    const res = await fetch(`${r.url}/v2/gc/keep/blobs/${b.digest}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), b.data);
  }
  assert.equal((await fetch(`${r.url}/v2/gc/keep/manifests/v1`)).status, 200);
  const finished = await fetch(`${r.url}${loc}?digest=${inflight.digest}`, {
    method: 'PUT',
    body: new Uint8Array(inflight.data.subarray(half)),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(finished.status, 201);
  assert.equal(
    await (await fetch(`${r.url}/v2/gc/keep/blobs/${inflight.digest}`)).text(),
    'uploaded across a gc',
  );
  // the server keeps working after gc: a new push
  await pushImage(r.url, 'gc/keep', 'v2', tinyImage('after gc'));
  assert.equal((await fetch(`${r.url}/v2/gc/keep/manifests/v2`)).status, 200);
});

test('serve stops cleanly on SIGTERM', async (t) => {
  const r = await startRegistry(t);
  assert.equal((await fetch(`${r.url}/v2/`)).status, 200);
  const code = await r.stop();
  assert.equal(code, 0);
  assert.match(r.log(), /registry: stopped/);
  await assert.rejects(fetch(`${r.url}/v2/`));
});

test('concurrent pushes to one repository: every tag kept, one copy of each blob', async (t) => {
  const r = await startRegistry(t);
  const img = tinyImage('concurrent');
  // the same blobs from six clients at once
  await Promise.all(
    Array.from({ length: 6 }, () =>
      Promise.all([pushBlob(r.url, 'busy', img.layer), pushBlob(r.url, 'busy', img.config)]),
    ),
  );
  const tags = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  await Promise.all(tags.map((tag) => pushManifest(r.url, 'busy', tag, img.manifest)));
  const list = (await (await fetch(`${r.url}/v2/busy/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(list.tags, tags);
  const blobs = await fs.readdir(path.join(r.root, 'blobs', 'sha256'));
  assert.deepEqual(
    blobs.sort(),
    [img.layer, img.config, img.manifest].map((b) => b.digest.slice(7)).sort(),
  );
  const index = JSON.parse(
    await fs.readFile(path.join(r.root, 'repositories', 'busy', '_layout', 'index.json'), 'utf8'),
  ) as { manifests: unknown[] };
  assert.equal(index.manifests.length, 12);
});

test('registry gc: a HEAD (a pusher that leaves out a layer it sees) renews the grace period', async (t) => {
  const r = await startRegistry(t);
  const b = blobOf('about to be referenced', 'application/octet-stream');
  await pushBlob(r.url, 'grace', b);
  const gc = () =>
    runCommand(berthBin, ['registry', 'gc', '--root', r.root, '--grace', '1s'], {
      timeoutMs: 30_000,
    });
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  assert.equal(
    (await fetch(`${r.url}/v2/grace/blobs/${b.digest}`, { method: 'HEAD' })).status,
    200,
  );
  const kept = await gc();
  assert.match(kept.stdout, /0 blobs removed/, kept.stdout);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const removed = await gc();
  assert.match(removed.stdout, /1 blobs removed/, removed.stdout);
  assert.equal(
    (await fetch(`${r.url}/v2/grace/blobs/${b.digest}`, { method: 'HEAD' })).status,
    404,
  );
});

test('an upload survives a kill -9 of the server and resumes where it stopped', async (t) => {
  const dir = path.join(await tempDir(t, 'berth-registry-'), 'root');
  const first = await startRegistry(t, [], dir);
  const data = Buffer.from('x'.repeat(5000) + 'y'.repeat(5000));
  const post = await fetch(`${first.url}/v2/resume/blobs/uploads/`, { method: 'POST' });
  const loc = post.headers.get('location')!;
  const chunk1 = await fetch(`${first.url}${loc}`, {
    method: 'PATCH',
    body: new Uint8Array(data.subarray(0, 4000)),
    headers: { 'Content-Range': '0-3999', 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(chunk1.status, 202);
  await first.kill();
  const second = await startRegistry(t, [], dir);
  const status = await fetch(`${second.url}${loc}`);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-3999');
  const done = await fetch(`${second.url}${loc}?digest=${sha(data)}`, {
    method: 'PUT',
    body: new Uint8Array(data.subarray(4000)),
    headers: {
      'Content-Range': `4000-${data.length - 1}`,
      'Content-Type': 'application/octet-stream',
    },
  });
  assert.equal(done.status, 201, await done.text());
  const back = await fetch(`${second.url}/v2/resume/blobs/${sha(data)}`);
  assert.deepEqual(Buffer.from(await back.arrayBuffer()), data);
});
