/**
 * berth's registry client against berth's registry server (both real, on 127.0.0.1): push an
 * image, remove it, pull it back with the same ID and digest; by digest; chunked uploads; a
 * multi-arch index with platform selection; a pull cut short and resumed; htpasswd with
 * `berth login`; a blob altered on the server refused by the pull.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { craftTar, tempDir } from '../helpers.js';
import { startRegistry } from '../distribution/registry-helpers.js';
import { berthClient, pushBusyboxInChunks, startProxy } from '../distribution/registry-peer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const client = berthClient;
const portOf = (url: string) => Number(new URL(url).port);

test('berth → berth: push, rmi, pull back by tag and by digest, in chunks when asked; a tampered blob is refused', async (t) => {
  const reg = await startRegistry(t);
  const { proxy, c, id, name, push } = await pushBusyboxInChunks(t, portOf(reg.url));
  const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push)?.[1];
  assert.ok(digest, push);
  // the server keeps the repository as an OCI layout holding exactly that manifest
  const index = JSON.parse(
    await fs.readFile(path.join(reg.root, 'repositories/team/busybox/_layout/index.json'), 'utf8'),
  ) as { manifests: { digest: string }[] };
  assert.ok(index.manifests.some((m) => m.digest === digest));

  await c.ok(['rmi', name, 'busybox']);
  assert.equal((await c.berth(['image', 'inspect', id])).code, 1);
  const pulled = await c.ok(['pull', name]);
  assert.match(pulled, new RegExp(`Digest: ${digest}`));
  assert.equal((await c.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), id);
  assert.match(
    await c.ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', name]),
    new RegExp(`${proxy.host}/team/busybox@${digest}`),
  );
  assert.match(await c.ok(['pull', name]), /Image is up to date/);

  // by digest, into a fresh store
  const d = await client(t);
  await d.ok(['pull', `${proxy.host}/team/busybox@${digest}`]);
  assert.equal(
    (
      await d.ok(['image', 'inspect', '-f', '{{.Id}}', `${proxy.host}/team/busybox@${digest}`])
    ).trim(),
    id,
  );

  // a layer blob altered on the server: the pull refuses it and stores nothing
  const manifest = JSON.parse(await c.ok(['manifest', 'inspect', name]));
  const layer: string = manifest.layers[0].digest;
  const blob = path.join(reg.root, 'blobs/sha256', layer.slice(7));
  const bytes = await fs.readFile(blob);
  bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff;
  await fs.chmod(blob, 0o644);
  await fs.writeFile(blob, bytes);
  const e = await client(t);
  const bad = await e.berth(['pull', name]);
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(bad.stderr, /digest|does not match/i);
  assert.equal((await e.berth(['image', 'inspect', name])).code, 1);
  const stored: string[] = await fs
    .readdir(path.join(e.root, 'content/blobs/sha256'))
    .catch(() => []);
  assert.ok(!stored.includes(layer.slice(7)), 'the altered blob was stored');
});

test('berth → berth: a multi-arch index, the host platform by default and --platform for another', async (t) => {
  const reg = await startRegistry(t);
  const c = await client(t);
  const repo = 'multi/app';
  const put = async (url: string, init: RequestInit) => {
    const res = await fetch(`${reg.url}${url}`, init);
    assert.ok(
      res.status === 201 || res.status === 202,
      `${url}: ${res.status} ${await res.text()}`,
    );
    return res;
  };
  const blob = async (data: Buffer) => {
    await put(`/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, {
      method: 'POST',
      body: new Uint8Array(data),
    });
    return sha(data);
  };
  const entries = [];
  for (const arch of ['amd64', 'arm64']) {
    const tar = craftTar([{ name: 'arch.txt', data: `${arch}\n` }]);
    const gz = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        config: { Cmd: ['cat', '/arch.txt'] },
        rootfs: { type: 'layers', diff_ids: [sha(tar)] },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: await blob(config),
          size: config.length,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            digest: await blob(gz),
            size: gz.length,
          },
        ],
      }),
    );
    await put(`/v2/${repo}/manifests/${sha(manifest)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: new Uint8Array(manifest),
    });
    entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(manifest),
      size: manifest.length,
      platform: { architecture: arch, os: 'linux' },
      config: sha(config),
    });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: entries.map(({ config: _c, ...e }) => e),
    }),
  );
  await put(`/v2/${repo}/manifests/v1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: new Uint8Array(index),
  });
  const name = `${reg.host}/${repo}:v1`;
  const host = process.arch === 'x64' ? 'amd64' : 'arm64';
  await c.ok(['pull', name]);
  assert.equal(
    (await c.ok(['image', 'inspect', '-f', '{{.Id}} {{.Architecture}}', name])).trim(),
    `${entries.find((e) => e.platform.architecture === host)!.config} ${host}`,
  );
  const other = host === 'amd64' ? 'arm64' : 'amd64';
  await c.ok(['pull', '--platform', `linux/${other}`, name]);
  assert.equal((await c.ok(['image', 'inspect', '-f', '{{.Architecture}}', name])).trim(), other);
  const missing = await c.berth(['pull', '--platform', 'linux/s390x', name]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no matching manifest for linux\/s390x/);
});

test('berth → berth: a pull cut short resumes where it stopped', async (t) => {
  const reg = await startRegistry(t);
  const proxy = await startProxy(t, portOf(reg.url));
  const c = await client(t);
  const dir = await tempDir(t);
  const tarFile = path.join(dir, 'big.tar');
  await fs.writeFile(tarFile, craftTar([{ name: 'big.bin', data: randomBytes(6 << 20) }]));
  const name = `${proxy.host}/big/data:1`;
  await c.ok(['import', tarFile, name]);
  await c.ok(['push', name]);
  const layer = JSON.parse(await c.ok(['manifest', 'inspect', name])).layers[0];
  await c.ok(['rmi', name]);

  proxy.reset();
  proxy.cutAfter = 2 << 20;
  assert.equal((await c.berth(['pull', name])).code, 1);
  const partial = (await fs.readdir(path.join(c.root, 'content/ingest'))).find((n) =>
    n.includes('-pull-'),
  );
  assert.ok(partial, 'no partial download was kept');
  const kept = (await fs.stat(path.join(c.root, 'content/ingest', partial))).size;
  assert.ok(kept > 0 && kept <= 2 << 20, `kept ${kept}`);
  proxy.reset();
  const resumed = await c.berth(['pull', name]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(proxy.ranges.includes(`bytes=${kept}-`), JSON.stringify(proxy.ranges));
  assert.ok(proxy.blobBytes < layer.size, `${proxy.blobBytes} of ${layer.size} again`);
  assert.match(await c.ok(['system', 'check']), /the store is clean/);
});

test('berth → berth with htpasswd: push refused without login, then login, push, pull, logout', async (t) => {
  const dir = await tempDir(t);
  const htpasswd = path.join(dir, 'htpasswd');
  await fs.writeFile(htpasswd, `alice:${bcrypt.hashSync('s3cret', 8)}\n`);
  const reg = await startRegistry(t, ['--htpasswd', htpasswd]);
  const c = await client(t);
  await c.ok(['image', 'builtin', 'busybox']);
  const name = `${reg.host}/private/busybox:1`;
  await c.ok(['tag', 'busybox', name]);
  const anonymous = await c.berth(['push', name]);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /no basic auth credentials|unauthorized/);
  const wrong = await c.berth(['login', '-u', 'alice', '--password-stdin', reg.host], {
    input: 'nope\n',
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /401|unauthorized/i);
  // as docker: a password is prompted for on a terminal only
  const piped = await c.berth(['login', reg.host], { input: 'alice\ns3cret\n' });
  assert.equal(piped.code, 1);
  assert.equal(piped.stderr, 'Error: Cannot perform an interactive login from a non TTY device\n');
  await c.ok(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret\n' });
  await c.ok(['push', name]);
  await c.ok(['rmi', name, 'busybox']);
  await c.ok(['pull', name]);
  assert.doesNotMatch(reg.log(), /s3cret/);
  await c.ok(['logout', reg.host]);
  await c.ok(['rmi', name]);
  assert.equal((await c.berth(['pull', name])).code, 1);
});
