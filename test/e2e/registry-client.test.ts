/**
 * The registry client against CNCF distribution (`docker-registry`, started per test on
 * 127.0.0.1): push and pull back, by tag and by digest, multi-arch indexes, resumed downloads,
 * tampering, htpasswd and token auth with login/logout and a credential helper, TLS with a
 * custom CA, auto-pull by run/build, and the error lines of bad input.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { berthWithContainers, craftTar, runCommand, tempDir } from '../helpers.js';
import {
  berthClient,
  freePort,
  pushBusyboxInChunks,
  registryBlobFile,
  startProxy,
  startRegistry,
  startTokenServer,
  type Registry,
} from '../distribution/registry-peer.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

const client = berthClient;

async function blobsIn(root: string): Promise<string[]> {
  return (await fs.readdir(path.join(root, 'content/blobs/sha256')).catch(() => [])).sort();
}

test('push busybox, remove it, pull it back: same image ID, RepoDigests, by digest, up to date, second push reuses', async (t) => {
  const reg = await startRegistry(t);
  // the registry asks for chunks: the layer goes up by PATCH
  const { proxy, c, id, name, push } = await pushBusyboxInChunks(t, reg.port);
  assert.match(push, new RegExp(`^The push refers to repository \\[${proxy.host}/team/busybox\\]`));
  assert.match(push, /^[0-9a-f]{12}: Pushed$/m);
  const m = /^1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(push);
  assert.ok(m, push);
  const digest = m[1]!;
  // the pushed layer is gzip: the registry's manifest says so, and diff_ids are unchanged
  const manifest = JSON.parse(await c.ok(['manifest', 'inspect', name]));
  assert.equal(manifest.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  assert.equal(manifest.config.digest, id);
  // skopeo (Go's gzip reader) reads what berth pushed back to the same diff IDs
  const skopeoDir = path.join(await tempDir(t), 'dir');
  const sk = await runCommand('skopeo', [
    'copy',
    '-q',
    '--src-tls-verify=false',
    '--dest-decompress',
    `docker://${name}`,
    `dir:${skopeoDir}`,
  ]);
  assert.equal(sk.code, 0, sk.stderr);
  const [diffId] = JSON.parse(
    await c.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', name]),
  ) as string[];
  assert.ok((await fs.readdir(skopeoDir)).includes(diffId!.slice(7)));
  // a second push: nothing recompressed or uploaded, same digest
  const again = await c.ok(['push', name]);
  assert.match(again, /: Layer already exists$/m);
  assert.ok(again.includes(`1: digest: ${digest} `), again);
  const [inspected] = JSON.parse(await c.ok(['image', 'inspect', name]));
  assert.deepEqual(inspected.RepoDigests, [`${proxy.host}/team/busybox@${digest}`]);

  await c.ok(['rmi', 'busybox', name]);
  assert.deepEqual(await blobsIn(c.root), []);
  const pull = await c.berth(['pull', name]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.match(pull.stdout, /^1: Pulling from team\/busybox$/m);
  assert.match(pull.stdout, /: Pull complete$/m);
  assert.match(pull.stdout, new RegExp(`^Digest: ${digest}$`, 'm'));
  assert.match(
    pull.stdout,
    new RegExp(`^Status: Downloaded newer image for ${proxy.host}/team/busybox:1$`, 'm'),
  );
  assert.equal(lines(pull.stdout).at(-1), name);
  const [after] = JSON.parse(await c.ok(['image', 'inspect', name]));
  assert.equal(after.Id, id);
  assert.deepEqual(after.RepoDigests, [`${proxy.host}/team/busybox@${digest}`]);
  assert.equal((await c.ok(['run', '--help'])).length > 0, true);

  // already here: no blob is transferred
  proxy.reset();
  const same = await c.ok(['pull', name]);
  assert.match(same, /Status: Image is up to date for/);
  assert.equal(proxy.blobGets, 0);
  assert.equal(proxy.blobBytes, 0);

  // by digest, on a fresh store, through transient 503s (retried); -q prints only the name
  const d = await client(t);
  const byDigest = `${proxy.host}/team/busybox@${digest}`;
  proxy.reset();
  proxy.failNext = 2;
  assert.equal(await d.ok(['pull', '-q', byDigest]), `${byDigest}\n`);
  assert.equal(proxy.failed, 2);
  assert.equal((await d.ok(['image', 'inspect', '-f', '{{.Id}}', byDigest])).trim(), id);
  assert.match(await d.ok(['system', 'check']), /the store is clean/);
  // a pulled (gzip) image pushed elsewhere keeps its manifest, hence its digest; the layer is
  // mounted from the repository it came from
  await d.ok(['tag', byDigest, `${proxy.host}/other/copy:2`]);
  const copy = await d.ok(['push', `${proxy.host}/other/copy:2`]);
  assert.match(copy, /: Mounted from team\/busybox$/m);
  assert.ok(copy.includes(`2: digest: ${digest} `), copy);

  // -a: every local tag of the repository up, every remote tag down
  await d.ok(['tag', byDigest, `${proxy.host}/other/copy:3`]);
  const all = await d.ok(['push', '-a', `${proxy.host}/other/copy`]);
  assert.match(all, /^2: digest: /m);
  assert.match(all, /^3: digest: /m);
  const e = await client(t);
  const pulledAll = await e.ok(['pull', '-a', `${proxy.host}/other/copy`]);
  assert.match(pulledAll, new RegExp(`^${proxy.host}/other/copy:3$`, 'm'));
  assert.deepEqual(
    lines(await e.ok(['images', '--format', '{{.Tag}}', `${proxy.host}/other/copy`])).sort(),
    ['2', '3'],
  );
});

/** Upload a blob by POST + PUT (what a peer pushing an index would do). */
async function putBlob(reg: Registry, repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const start = await fetch(`http://${reg.host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${reg.host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: new Uint8Array(data) });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

async function putManifest(
  reg: Registry,
  repo: string,
  ref: string,
  doc: object,
  mediaType: string,
) {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: new Uint8Array(body),
  });
  assert.equal(res.status, 201, await res.text());
  return { digest: sha(body), size: body.length };
}

test('a multi-arch index: the host platform by default, --platform picks another', async (t) => {
  const reg = await startRegistry(t);
  const repo = 'multi/app';
  const images: Record<
    string,
    { digest: string; size: number; config: string; mediaType: string }
  > = {};
  for (const arch of ['amd64', 'arm64']) {
    const tar = craftTar([{ name: 'arch.txt', data: `${arch}\n` }]);
    const gz = gzipSync(tar);
    const layer = await putBlob(reg, repo, gz);
    // written as other tools write them (Go's escaping of &, indentation): kept byte for byte,
    // since the image ID is the digest of these bytes
    const config = Buffer.from(
      JSON.stringify(
        {
          architecture: arch,
          os: 'linux',
          config: { Cmd: ['sh', '-c', 'cat /arch.txt && true'] },
          rootfs: { type: 'layers', diff_ids: [sha(tar)] },
        },
        null,
        arch === 'arm64' ? 2 : undefined,
      ).replace(/&/g, '\\u0026'),
    );
    const configDigest = await putBlob(reg, repo, config);
    // amd64 as Docker schema 2, arm64 as OCI
    const docker = arch === 'amd64';
    const types = docker
      ? {
          manifest: 'application/vnd.docker.distribution.manifest.v2+json',
          config: 'application/vnd.docker.container.image.v1+json',
          layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        }
      : {
          manifest: 'application/vnd.oci.image.manifest.v1+json',
          config: 'application/vnd.oci.image.config.v1+json',
          layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
        };
    const m = await putManifest(
      reg,
      repo,
      `${arch}-only`,
      {
        schemaVersion: 2,
        mediaType: types.manifest,
        config: { mediaType: types.config, digest: configDigest, size: config.length },
        layers: [{ mediaType: types.layer, digest: layer, size: gz.length }],
      },
      types.manifest,
    );
    images[arch] = { ...m, config: configDigest, mediaType: types.manifest };
  }
  const index = await putManifest(
    reg,
    repo,
    'v1',
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: ['arm64', 'amd64'].map((arch) => ({
        mediaType: images[arch]!.mediaType,
        digest: images[arch]!.digest,
        size: images[arch]!.size,
        platform: {
          architecture: arch,
          os: 'linux',
          ...(arch === 'arm64' ? { variant: 'v8' } : {}),
        },
      })),
    },
    'application/vnd.oci.image.index.v1+json',
  );
  const c = await client(t);
  const name = `${reg.host}/${repo}:v1`;
  const listed = JSON.parse(await c.ok(['manifest', 'inspect', name]));
  assert.equal(listed.manifests.length, 2);
  const verbose = JSON.parse(await c.ok(['manifest', 'inspect', '--verbose', name])) as {
    Descriptor: { platform: { architecture: string } };
    SchemaV2Manifest?: unknown;
    OCIManifest?: unknown;
  }[];
  assert.ok(verbose[0]!.OCIManifest && verbose[1]!.SchemaV2Manifest);
  assert.deepEqual(
    verbose.map(
      (e: { Descriptor: { platform: { architecture: string } } }) =>
        e.Descriptor.platform.architecture,
    ),
    ['arm64', 'amd64'],
  );
  await c.ok(['pull', name]);
  const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
  assert.equal(
    (await c.ok(['image', 'inspect', '-f', '{{.Id}}', name])).trim(),
    images[host]!.config,
  );
  const other = host === 'amd64' ? 'arm64' : 'amd64';
  const p = await c.ok([
    'pull',
    '--platform',
    `linux/${other}`,
    `${reg.host}/${repo}@${index.digest}`,
  ]);
  assert.match(p, /Pull complete/);
  // both platforms' images carry the index's repo digest: look the other one up by ID
  const [img] = JSON.parse(await c.ok(['image', 'inspect', images[other]!.config]));
  assert.equal(img.Id, images[other]!.config);
  assert.equal(img.Architecture, other);
  assert.ok((img.RepoDigests as string[]).includes(`${reg.host}/${repo}@${index.digest}`));
  const none = await c.berth(['pull', '--platform', 'linux/s390x', name]);
  assert.equal(none.code, 1);
  assert.deepEqual(lines(none.stderr), [
    'Error: no matching manifest for linux/s390x in the manifest list entries',
  ]);
});

test('an interrupted pull resumes with a Range request; a tampered blob is rejected and nothing is stored', async (t) => {
  const reg = await startRegistry(t);
  const proxy = await startProxy(t, reg.port);
  const c = await client(t, { BERTH_PUSH_CHUNK_SIZE: String(1 << 20) });
  const dir = await tempDir(t);
  const big = randomBytes(6 << 20);
  const tarFile = path.join(dir, 'big.tar');
  await fs.writeFile(tarFile, craftTar([{ name: 'big.bin', data: big }]));
  const name = `${proxy.host}/big/data:1`;
  await c.ok(['import', tarFile, name]);
  // 6 MiB in 1 MiB PATCH chunks
  const push = await c.ok(['push', name]);
  assert.match(push, /: Pushed$/m);
  const patches = proxy.requests.filter((r) => r.startsWith('PATCH /v2/big/data/blobs/uploads/'));
  assert.ok(patches.length >= 6, proxy.requests.join('\n'));
  const manifest = JSON.parse(await c.ok(['manifest', 'inspect', name]));
  const layer = manifest.layers[0];
  await c.ok(['rmi', name]);

  proxy.reset();
  proxy.cutAfter = 2 << 20;
  const cut = await c.berth(['pull', name]);
  assert.equal(cut.code, 1);
  assert.equal(lines(cut.stderr).length, 1, cut.stderr);
  assert.match(
    cut.stderr,
    /^Error: Get "http:\/\/127\.0\.0\.1:\d+\/v2\/big\/data\/blobs\/sha256:[0-9a-f]{64}": /,
  );
  assert.equal((await c.berth(['image', 'inspect', name])).code, 1);
  const partials = (await fs.readdir(path.join(c.root, 'content/ingest'))).filter((n) =>
    n.includes('-pull-'),
  );
  assert.equal(partials.length, 1);
  const kept = (await fs.stat(path.join(c.root, 'content/ingest', partials[0]!))).size;
  assert.ok(kept > 0 && kept <= 2 << 20, `kept ${kept}`);

  proxy.reset();
  const resumed = await c.berth(['pull', name]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(proxy.ranges.includes(`bytes=${kept}-`), JSON.stringify(proxy.ranges));
  assert.ok(proxy.blobBytes < layer.size, `${proxy.blobBytes} of ${layer.size} re-downloaded`);
  assert.equal(proxy.blobBytes, layer.size - kept + manifest.config.size);
  assert.match(await c.ok(['system', 'check']), /the store is clean/);

  // a stalled transfer times out with a clear message
  await c.ok(['rmi', name]);
  proxy.reset();
  proxy.stallAfter = 1 << 20;
  const stalled = await c.berth(['pull', name], { env: { BERTH_REGISTRY_TIMEOUT: '1' } });
  assert.equal(stalled.code, 1);
  assert.deepEqual(lines(stalled.stderr), [
    `Error: Get "http://${proxy.host}/v2/big/data/blobs/${layer.digest}": transfer stalled: no data received for 1s`,
  ]);
  proxy.reset();

  // tampering: one byte of the layer changed in the registry's storage
  const file = registryBlobFile(reg, layer.digest as string);
  const data = await fs.readFile(file);
  data[data.length >> 1]! ^= 0xff;
  await fs.writeFile(file, data);
  const before = await blobsIn(c.root);
  const bad = await c.berth(['pull', name]);
  assert.equal(bad.code, 1);
  assert.deepEqual(lines(bad.stderr), [
    `Error: filesystem layer verification failed for digest ${layer.digest} (the content hashes to ${sha(data)})`,
  ]);
  assert.deepEqual(await blobsIn(c.root), before);
  assert.deepEqual(
    (await fs.readdir(path.join(c.root, 'content/ingest'))).filter((n) => n.includes('-pull-')),
    [],
  );
  assert.equal((await c.berth(['image', 'inspect', name])).code, 1);

  // a manifest whose bytes do not hash to the digest the registry announces is refused
  const manifestDigest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(resumed.stdout)![1]!;
  const mfile = registryBlobFile(reg, manifestDigest);
  const mbytes = await fs.readFile(mfile);
  await fs.writeFile(mfile, Buffer.concat([mbytes, Buffer.from(' ')]));
  for (const ref of [name, `${proxy.host}/big/data@${manifestDigest}`]) {
    const r = await c.berth(['pull', ref]);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `Error: manifest verification failed for digest ${manifestDigest}: the content hashes to ${sha(Buffer.concat([mbytes, Buffer.from(' ')]))}`,
    ]);
  }
});

test('htpasswd: push needs login; wrong password fails; login/logout keep config.json as docker does; a credential helper', async (t) => {
  const hash = bcrypt.hashSync('s3cret', 10);
  const reg = await startRegistry(t, { htpasswd: `alice:${hash}\n` });
  const c = await client(t);
  await c.ok(['image', 'builtin', 'busybox']);
  const name = `${reg.host}/private/busybox:1`;
  await c.ok(['tag', 'busybox', name]);
  const anon = await c.berth(['push', name]);
  assert.equal(anon.code, 1);
  assert.equal(lines(anon.stderr).length, 1, anon.stderr);
  assert.match(
    anon.stderr,
    new RegExp(
      `^Error: Head "http://${reg.host}/v2/private/busybox/blobs/sha256:[0-9a-f]{64}": no basic auth credentials$`,
      'm',
    ),
  );

  const wrong = await c.berth(['login', '-u', 'alice', '-p', 'nope', reg.host]);
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    new RegExp(
      `^Error: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized$`,
      'm',
    ),
  );
  assert.ok(!wrong.stderr.includes('nope'));
  await assert.rejects(fs.stat(path.join(c.dockerConfig, 'config.json')));

  const login = await c.berth(['login', '-u', 'alice', '--password-stdin', reg.host], {
    input: 's3cret\n',
  });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, 'Login Succeeded\n');
  const cfg = JSON.parse(await fs.readFile(path.join(c.dockerConfig, 'config.json'), 'utf8'));
  assert.equal(cfg.auths[reg.host].auth, Buffer.from('alice:s3cret').toString('base64'));
  const push = await c.berth(['push', name]);
  assert.equal(push.code, 0, push.stderr);
  await c.ok(['rmi', name]);
  assert.match(await c.ok(['pull', name]), /Status: /);

  assert.equal(await c.ok(['logout', reg.host]), `Removing login credentials for ${reg.host}\n`);
  const cfg2 = JSON.parse(await fs.readFile(path.join(c.dockerConfig, 'config.json'), 'utf8'));
  assert.deepEqual(cfg2.auths, {});
  assert.equal(await c.ok(['logout', reg.host]), `Not logged in to ${reg.host}\n`);
  const denied = await c.berth(['pull', name]);
  assert.equal(denied.code, 1);
  assert.deepEqual(lines(denied.stderr), [
    `Error: Get "http://${reg.host}/v2/private/busybox/manifests/1": no basic auth credentials`,
  ]);

  // a credential helper (docker-credential-<name> get/store/erase) keeps them instead
  const bin = await tempDir(t);
  const store = path.join(bin, 'store.json');
  await fs.writeFile(
    path.join(bin, 'docker-credential-filetest'),
    `#!/usr/bin/env node
const fs = require('fs'); const f = ${JSON.stringify(store)};
const db = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
const input = fs.readFileSync(0, 'utf8');
const action = process.argv[2];
if (action === 'store') { const c = JSON.parse(input); db[c.ServerURL] = c; fs.writeFileSync(f, JSON.stringify(db)); }
else if (action === 'get') { const c = db[input.trim()]; if (!c) { process.stdout.write('credentials not found in native keychain'); process.exit(1); } process.stdout.write(JSON.stringify({ ServerURL: c.ServerURL, Username: c.Username, Secret: c.Secret })); }
else if (action === 'erase') { if (!db[input.trim()]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); } delete db[input.trim()]; fs.writeFileSync(f, JSON.stringify(db)); }
`,
    { mode: 0o755 },
  );
  await fs.writeFile(
    path.join(c.dockerConfig, 'config.json'),
    JSON.stringify({ credsStore: 'filetest' }),
  );
  const env = { PATH: `${bin}:${process.env['PATH']}` };
  const hl = await c.berth(['login', '-u', 'alice', '-p', 's3cret', reg.host], { env });
  assert.equal(hl.code, 0, hl.stderr);
  assert.doesNotMatch(hl.stderr, /stored unencrypted/);
  assert.equal(JSON.parse(await fs.readFile(store, 'utf8'))[reg.host].Secret, 's3cret');
  const hcfg = JSON.parse(await fs.readFile(path.join(c.dockerConfig, 'config.json'), 'utf8'));
  assert.deepEqual(hcfg.auths[reg.host], {});
  await c.ok(['rmi', name]);
  assert.match(await c.ok(['pull', name], { env }), /Status: /);
  assert.equal(
    await c.ok(['logout', reg.host], { env }),
    `Removing login credentials for ${reg.host}\n`,
  );
  assert.deepEqual(JSON.parse(await fs.readFile(store, 'utf8')), {});
});

test('bad input: unknown tag, unknown repository, unreachable registry, malformed reference — one line each', async (t) => {
  const reg = await startRegistry(t);
  const c = await client(t);
  const closed = await freePort();
  const cases: [string[], RegExp][] = [
    [
      ['pull', `${reg.host}/none/such:tag`],
      new RegExp(
        `^Error: manifest for ${reg.host}/none/such:tag not found: manifest unknown: manifest unknown$`,
      ),
    ],
    [
      ['pull', `127.0.0.1:${closed}/busybox`],
      new RegExp(
        `^Error: Get "http://127\\.0\\.0\\.1:${closed}/v2/busybox/manifests/latest": dial tcp 127\\.0\\.0\\.1:${closed}: connect: connection refused$`,
      ),
    ],
    [
      ['pull', `${reg.host}/Bad:tag`],
      /^Error: invalid reference format: repository name \(Bad\) must be lowercase$/,
    ],
    [['pull', 'busybox:'], /^Error: invalid reference format: empty tag in "busybox:"$/],
    [
      ['push', `${reg.host}/not/here:1`],
      new RegExp(`^Error: An image does not exist locally with the tag: ${reg.host}/not/here$`),
    ],
    [
      ['manifest', 'inspect', `${reg.host}/none/such:tag`],
      new RegExp(`^Error: no such manifest: ${reg.host}/none/such:tag$`),
    ],
  ];
  for (const [args, want] of cases) {
    const r = await c.berth(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr.trim(), want);
  }
  const usage = await c.berth(['pull']);
  assert.equal(usage.code, 125);
});

/** A CA, and a certificate for 127.0.0.1 it signed (openssl). */
async function makeCerts(t: TestContext) {
  const dir = await tempDir(t, 'berth-certs-');
  const sh = async (args: string[]) => {
    const r = await runCommand('openssl', args, { cwd: dir, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
  };
  const ca = (name: string) =>
    sh([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ]);
  await ca('ca');
  await ca('other-ca');
  await sh([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await fs.writeFile(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await sh([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  const f = (n: string) => path.join(dir, n);
  return {
    dir,
    ca: f('ca.crt'),
    caKey: f('ca.key'),
    otherCa: f('other-ca.crt'),
    cert: f('server.crt'),
    key: f('server.key'),
  };
}

test('TLS: a registry whose CA is in the certs directory is trusted; another CA is refused', async (t) => {
  const certs = await makeCerts(t);
  const reg = await startRegistry(t, { tls: { cert: certs.cert, key: certs.key } });
  const c = await client(t);
  await c.ok(['image', 'builtin', 'busybox']);
  const name = `${reg.host}/secure/busybox:1`;
  await c.ok(['tag', 'busybox', name]);
  const hostDir = path.join(c.env.BERTH_CERTS_DIR, reg.host);
  await fs.mkdir(hostDir, { recursive: true });
  await fs.copyFile(certs.otherCa, path.join(hostDir, 'ca.crt'));
  const refused = await c.berth(['push', name]);
  assert.equal(refused.code, 1);
  assert.equal(lines(refused.stderr).length, 1, refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(
      `^Error: Head "https://${reg.host}/v2/secure/busybox/blobs/sha256:[0-9a-f]{64}": tls: failed to verify certificate: x509: certificate signed by unknown authority$`,
      'm',
    ),
  );
  await fs.copyFile(certs.ca, path.join(hostDir, 'ca.crt'));
  const push = await c.berth(['push', name]);
  assert.equal(push.code, 0, push.stderr);
  await c.ok(['rmi', name, 'busybox']);
  assert.match(await c.ok(['pull', name]), /Status: Downloaded newer image/);
});

test('run and build FROM pull an image that is not here', async (t) => {
  const reg = await startRegistry(t);
  const b = await berthWithContainers(t);
  const env = { DOCKER_CONFIG: await tempDir(t, 'berth-dockercfg-') };
  const name = `${reg.host}/lib/busybox:1`;
  await b.ok(['tag', 'busybox', name], { env });
  await b.ok(['push', name], { env });
  await b.ok(['rmi', name, 'busybox'], { env });
  const run = await b.berth(['run', '--rm', '--network', 'none', name, 'echo', 'hello'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'hello\n');
  const err = lines(run.stderr);
  assert.equal(err[0], `Unable to find image '${name}' locally`);
  assert.ok(err.includes('1: Pulling from lib/busybox'), run.stderr);
  assert.equal(err.at(-1), `Status: Downloaded newer image for ${name}`);

  await b.ok(['rmi', name], { env });
  const never = await b.berth(['run', '--rm', '--pull', 'never', name, 'true'], { env });
  assert.equal(never.code, 125);
  assert.deepEqual(lines(never.stderr), [`Error: No such image: ${name}`]);
  const create = await b.berth(['create', '--network', 'none', name, 'true'], { env });
  assert.equal(create.code, 0, create.stderr);
  assert.match(create.stdout, /^[0-9a-f]{64}\n$/);
  assert.equal(lines(create.stderr)[0], `Unable to find image '${name}' locally`);
  await b.ok(['rm', create.stdout.trim()], { env });
  const always = await b.berth(
    ['run', '--rm', '--pull', 'always', '--network', 'none', name, 'true'],
    {
      env,
    },
  );
  assert.equal(always.code, 0, always.stderr);
  assert.match(always.stderr, /^Status: Image is up to date for /m);
  await b.ok(['rmi', name], { env });
  const ctx = await tempDir(t);
  await fs.writeFile(path.join(ctx, 'Dockerfile'), `FROM ${name}\nENV BUILT=1\n`);
  const build = await b.berth(['build', '-t', 'built:1', ctx], { env });
  assert.equal(build.code, 0, build.stderr);
  assert.match(build.stdout + build.stderr, new RegExp(`Unable to find image '${name}' locally`));
  assert.match(
    await b.ok(['image', 'inspect', '-f', '{{json .Config.Env}}', 'built:1']),
    /BUILT=1/,
  );
});

test('token auth (distribution with auth.token and a token server): anonymous pull scope, login, push with pull,push scope', async (t) => {
  const certs = await makeCerts(t);
  const service = 'berth-test-registry';
  const issuer = 'berth-test-issuer';
  const tokens = await startTokenServer(t, {
    key: certs.caKey,
    cert: certs.ca,
    issuer,
    service,
    user: 'bob',
    password: 'hunter2',
  });
  const reg = await startRegistry(t, {
    token: { realm: tokens.realm, service, issuer, rootcertbundle: certs.ca },
  });
  const c = await client(t);
  await c.ok(['image', 'builtin', 'busybox']);
  const name = `${reg.host}/tok/busybox:1`;
  await c.ok(['tag', 'busybox', name]);
  // anonymous: a pull-only token, so the push is refused by the registry
  const anon = await c.berth(['push', name]);
  assert.equal(anon.code, 1);
  assert.equal(lines(anon.stderr).length, 1, anon.stderr);
  assert.match(anon.stderr, /^Error: unauthorized: authentication required$/m);
  assert.deepEqual(tokens.requests[0], {
    user: 'anonymous',
    scopes: ['repository:tok/busybox:pull,push'],
  });

  const wrong = await c.berth(['login', '-u', 'bob', '-p', 'nope', reg.host]);
  assert.equal(wrong.code, 1);
  assert.deepEqual(lines(wrong.stderr).slice(-1), [
    'Error: unauthorized: incorrect username or password',
  ]);
  await c.ok(['login', '-u', 'bob', '-p', 'hunter2', reg.host]);
  tokens.requests.length = 0;
  const push = await c.berth(['push', name]);
  assert.equal(push.code, 0, push.stderr);
  assert.deepEqual(tokens.requests, [
    { user: 'bob', scopes: ['repository:tok/busybox:pull,push'] },
  ]);
  await c.ok(['rmi', name, 'busybox']);
  tokens.requests.length = 0;
  assert.match(await c.ok(['pull', name]), /Status: Downloaded newer image/);
  assert.deepEqual(tokens.requests, [{ user: 'bob', scopes: ['repository:tok/busybox:pull'] }]);
  const secret = Buffer.from('hunter2').toString('base64');
  assert.ok(!push.stdout.includes('hunter2') && !push.stderr.includes(secret));
});
