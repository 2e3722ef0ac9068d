/**
 * skopeo (containers/image, a client nobody here wrote) against berth's registry server: copy an
 * OCI layout in and back out, inspect, list-tags, delete, htpasswd-protected push; and the
 * server's own storage read by skopeo as an OCI layout.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { runCommand, tempDir } from '../helpers.js';
import { startRegistry, tinyImage, writeLayout } from './registry-helpers.js';

const skopeo = async (args: string[]) => {
  const r = await runCommand('skopeo', args, { timeoutMs: 30_000 });
  return r;
};
const skopeoOk = async (args: string[]) => {
  const r = await skopeo(args);
  assert.equal(r.code, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('skopeo copy in and out, inspect, list-tags, delete; the storage is an OCI layout', async (t) => {
  const dir = await tempDir(t, 'berth-registry-skopeo-');
  const img = tinyImage('hello from skopeo');
  const src = path.join(dir, 'src');
  await writeLayout(src, [img.layer, img.config], img.manifest, 'v1');
  const r = await startRegistry(t);
  const ref = `docker://${r.host}/team/hello`;
  await skopeoOk(['copy', `oci:${src}:v1`, `${ref}:v1`, '--dest-tls-verify=false']);
  await skopeoOk(['copy', `oci:${src}:v1`, `${ref}:v2`, '--dest-tls-verify=false']);

  const inspect = JSON.parse(await skopeoOk(['inspect', '--tls-verify=false', `${ref}:v1`])) as {
    Digest: string;
    Layers: string[];
    Architecture: string;
  };
  assert.equal(inspect.Architecture, 'amd64');
  assert.equal(inspect.Layers.length, 1);
  const raw = JSON.parse(await skopeoOk(['inspect', '--raw', '--tls-verify=false', `${ref}:v1`]));
  assert.equal(raw.config.digest, img.config.digest, 'the config went through unchanged');
  const tags = JSON.parse(await skopeoOk(['list-tags', '--tls-verify=false', ref])) as {
    Tags: string[];
  };
  assert.deepEqual(tags.Tags, ['v1', 'v2']);

  // back out to a fresh layout: same config, same file in the layer
  const back = path.join(dir, 'back');
  await skopeoOk(['copy', '--src-tls-verify=false', `${ref}:v1`, `oci:${back}:copy`]);
  const backIndex = JSON.parse(await fs.readFile(path.join(back, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  const backManifest = JSON.parse(
    await fs.readFile(
      path.join(back, 'blobs', 'sha256', backIndex.manifests[0]!.digest.slice(7)),
      'utf8',
    ),
  );
  assert.equal(backManifest.config.digest, img.config.digest);
  assert.equal(backIndex.manifests[0]!.digest, inspect.Digest);

  // the repository directory of the server is an OCI layout skopeo reads as is
  const layout = path.join(r.root, 'repositories', 'team', 'hello', '_layout');
  const local = JSON.parse(await skopeoOk(['inspect', `oci:${layout}:v1`])) as { Digest: string };
  assert.equal(local.Digest, inspect.Digest);
  const copyOut = path.join(dir, 'from-storage');
  await skopeoOk(['copy', `oci:${layout}:v2`, `oci:${copyOut}:x`]);

  // umoci reads it too, and sees both tags
  const umoci = await runCommand('umoci', ['ls', '--layout', layout]);
  assert.equal(umoci.code, 0, umoci.stderr);
  assert.deepEqual(umoci.stdout.trim().split('\n').sort(), ['v1', 'v2']);

  // Docker schema 2: stored and served with its own media type
  await skopeoOk([
    'copy',
    '--format',
    'v2s2',
    `oci:${src}:v1`,
    `${ref}:docker`,
    '--dest-tls-verify=false',
  ]);
  const v2s2 = JSON.parse(
    await skopeoOk(['inspect', '--raw', '--tls-verify=false', `${ref}:docker`]),
  ) as { mediaType: string };
  assert.equal(v2s2.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');

  await skopeoOk(['delete', '--tls-verify=false', `${ref}:v1`]);
  const after = await skopeo(['inspect', '--tls-verify=false', `${ref}:v2`]);
  assert.notEqual(after.code, 0, 'delete by digest removed the manifest and every tag of it');
  const tagsAfter = JSON.parse(await skopeoOk(['list-tags', '--tls-verify=false', ref])) as {
    Tags: string[];
  };
  assert.deepEqual(tagsAfter.Tags, ['docker']);
  assert.match(r.log(), /PUT \/v2\/team\/hello\/manifests\/v1 201/);
});

test('skopeo push to an htpasswd-protected server: with --dest-creds, and refused without', async (t) => {
  const dir = await tempDir(t, 'berth-registry-skopeo-auth-');
  const file = path.join(dir, 'htpasswd');
  await fs.writeFile(file, `pusher:${bcrypt.hashSync('p4ss', 5)}\n`);
  const img = tinyImage('private');
  const src = path.join(dir, 'src');
  await writeLayout(src, [img.layer, img.config], img.manifest, 'v1');
  const r = await startRegistry(t, ['--htpasswd', file]);
  const ref = `docker://${r.host}/private/app:v1`;
  const anon = await skopeo(['copy', `oci:${src}:v1`, ref, '--dest-tls-verify=false']);
  assert.notEqual(anon.code, 0);
  assert.match(anon.stderr, /unauthorized|authentication required/i);
  const wrong = await skopeo([
    'copy',
    `oci:${src}:v1`,
    ref,
    '--dest-tls-verify=false',
    '--dest-creds',
    'pusher:nope',
  ]);
  assert.notEqual(wrong.code, 0);
  await skopeoOk([
    'copy',
    `oci:${src}:v1`,
    ref,
    '--dest-tls-verify=false',
    '--dest-creds',
    'pusher:p4ss',
  ]);
  const inspect = await skopeo(['inspect', '--tls-verify=false', ref]);
  assert.notEqual(inspect.code, 0, 'reads need credentials too');
  await skopeoOk(['inspect', '--tls-verify=false', '--creds', 'pusher:p4ss', ref]);
  assert.doesNotMatch(r.log(), /p4ss|nope/);
});
