// The registry client's pure parts: WWW-Authenticate challenges, scopes, token answers,
// endpoint rules, manifest classification, docker's pull error wording, the progress display.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseReference } from '../../src/core/reference.js';
import {
  mergeScopes,
  parseChallenges,
  tokenFromResponse,
  tokenUrl,
} from '../../src/distribution/client/auth.js';
import { credentialKey, isInsecure, registryHost } from '../../src/distribution/client/endpoint.js';
import { RegistryError } from '../../src/distribution/client/http.js';
import { classifyManifest } from '../../src/distribution/client/manifests.js';
import { limiter } from '../../src/distribution/client/progress.js';
import { translatePullError } from '../../src/distribution/client/pull.js';
import { serverDomain } from '../../src/engine/distribution.js';
import { progressPrinter } from '../../src/cli/pull-progress.js';

describe('WWW-Authenticate challenges', () => {
  it('parses Docker Hub’s bearer challenge', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    );
    assert.deepEqual(c, {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/busybox:pull',
      },
    });
  });
  it('parses basic, several challenges, spaces, escapes and unquoted values', () => {
    assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
    assert.deepEqual(
      parseChallenges('Basic realm="a\\"b", Bearer realm=https://t/x , error=invalid_token'),
      [
        { scheme: 'basic', params: { realm: 'a"b' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', error: 'invalid_token' } },
      ],
    );
    assert.deepEqual(parseChallenges(''), []);
  });
  it('a scope with several actions stays whole', () => {
    const [c] = parseChallenges(
      'Bearer realm="http://127.0.0.1:1/token",service="s",scope="repository:a/b:pull,push",error="insufficient_scope"',
    );
    assert.equal(c!.params['scope'], 'repository:a/b:pull,push');
    assert.equal(c!.params['error'], 'insufficient_scope');
  });
});

describe('scopes and tokens', () => {
  it('merges actions per resource', () => {
    assert.deepEqual(
      mergeScopes([
        'repository:a:pull',
        'repository:a:push',
        'repository:b:pull',
        'repository:a:pull',
      ]),
      ['repository:a:pull,push', 'repository:b:pull'],
    );
  });
  it('asks the realm with service and every scope', () => {
    const url = tokenUrl(
      { scheme: 'bearer', params: { realm: 'https://auth.example/token?x=1', service: 'reg' } },
      ['repository:a:pull,push', 'repository:b:pull'],
    );
    assert.equal(
      url.href,
      'https://auth.example/token?x=1&service=reg&scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%3Apull',
    );
    assert.throws(() => tokenUrl({ scheme: 'bearer', params: {} }, []), /without realm/);
  });
  it('reads token or access_token, with a default lifetime', () => {
    assert.deepEqual(tokenFromResponse({ token: 't', expires_in: 300 }), {
      token: 't',
      expiresIn: 300,
    });
    assert.deepEqual(tokenFromResponse({ access_token: 'a' }), { token: 'a', expiresIn: 60 });
    assert.throws(() => tokenFromResponse({}), /without a token/);
  });
});

describe('endpoints', () => {
  it('Docker Hub is served by registry-1 and keyed as docker keys it', () => {
    assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryHost('ghcr.io'), 'ghcr.io');
    assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(credentialKey('127.0.0.1:5000'), '127.0.0.1:5000');
  });
  it('loopback is insecure; configured names and CIDRs too; others are not', () => {
    assert.ok(isInsecure('localhost:5000', []));
    assert.ok(isInsecure('127.0.0.1:5000', []));
    assert.ok(isInsecure('127.1.2.3', []));
    assert.ok(isInsecure('[::1]:5000', []));
    assert.ok(!isInsecure('docker.io', []));
    assert.ok(!isInsecure('10.1.2.3:5000', []));
    assert.ok(isInsecure('10.1.2.3:5000', ['10.0.0.0/8']));
    assert.ok(isInsecure('reg.lan:5000', ['reg.lan:5000']));
    assert.ok(isInsecure('reg.lan:5000', ['http://reg.lan']));
    assert.ok(!isInsecure('reg.lan:5001', ['reg.lan:5000']));
  });
  it('login servers become registry names', () => {
    assert.equal(serverDomain(undefined), 'docker.io');
    assert.equal(serverDomain('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(serverDomain('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
    assert.equal(serverDomain('ghcr.io'), 'ghcr.io');
  });
});

describe('manifest classification', () => {
  const cfg = {
    mediaType: 'application/vnd.docker.container.image.v1+json',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 2,
  };
  it('by mediaType, Content-Type, or shape', () => {
    const docker = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: cfg,
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            digest: cfg.digest,
            size: 1,
          },
        ],
      }),
    );
    assert.equal(classifyManifest(docker).kind, 'manifest');
    assert.equal(
      classifyManifest(docker).mediaType,
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    const bare = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    assert.equal(classifyManifest(bare).kind, 'index');
    assert.equal(
      classifyManifest(bare, 'application/vnd.docker.distribution.manifest.list.v2+json').mediaType,
      'application/vnd.docker.distribution.manifest.list.v2+json',
    );
    const oci = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { ...cfg, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: cfg.digest, size: 1 },
        ],
      }),
    );
    assert.equal(classifyManifest(oci).mediaType, 'application/vnd.oci.image.manifest.v1+json');
  });
  it('refuses schema 1 and garbage', () => {
    assert.throws(
      () => classifyManifest(Buffer.from(JSON.stringify({ schemaVersion: 1, fsLayers: [] }))),
      /schema 1 is no longer supported/,
    );
    assert.throws(() => classifyManifest(Buffer.from('nope')), /not JSON/);
    assert.throws(
      () => classifyManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, layers: 'x' }))),
      /invalid image manifest/,
    );
  });
});

describe('pull errors in docker’s words', () => {
  const ref = parseReference('busybox:1.36');
  const err = (status: number, code: string, detail: string) =>
    new RegistryError('NotFound', detail, status, [code], detail);
  it('manifest unknown, name unknown, denied', () => {
    assert.equal(
      (
        translatePullError(
          err(404, 'MANIFEST_UNKNOWN', 'manifest unknown: manifest unknown'),
          ref,
        ) as Error
      ).message,
      'manifest for busybox:1.36 not found: manifest unknown: manifest unknown',
    );
    assert.equal(
      (
        translatePullError(
          err(404, 'NAME_UNKNOWN', 'name unknown: repository name not known to registry'),
          ref,
        ) as Error
      ).message,
      'repository busybox not found: name unknown: repository name not known to registry',
    );
    assert.equal(
      (
        translatePullError(
          err(401, 'DENIED', 'denied: requested access to the resource is denied'),
          ref,
        ) as Error
      ).message,
      "pull access denied for busybox, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
    const other = new Error('x');
    assert.equal(translatePullError(other, ref), other);
  });
});

describe('progress display', () => {
  const capture = () => {
    let text = '';
    const out = new Writable({
      write(c: Buffer, _e, cb) {
        text += c.toString();
        cb();
      },
    });
    return { out, text: () => text };
  };
  it('plain: a line per status change, no byte counts', () => {
    const c = capture();
    const p = progressPrinter(c.out, false);
    p({ kind: 'status', text: 'latest: Pulling from library/busybox' });
    p({ kind: 'layer', id: 'abc', status: 'Pulling fs layer' });
    p({ kind: 'layer', id: 'abc', status: 'Downloading', current: 1, total: 10 });
    p({ kind: 'layer', id: 'abc', status: 'Download complete' });
    p({ kind: 'layer', id: 'abc', status: 'Download complete' });
    p({ kind: 'layer', id: 'abc', status: 'Pull complete' });
    assert.equal(
      c.text(),
      'latest: Pulling from library/busybox\nabc: Pulling fs layer\nabc: Download complete\nabc: Pull complete\n',
    );
  });
  it('terminal: a layer’s line is redrawn in place with a bar', () => {
    const c = capture();
    const p = progressPrinter(c.out, true);
    p({ kind: 'layer', id: 'a', status: 'Pulling fs layer' });
    p({ kind: 'layer', id: 'b', status: 'Pulling fs layer' });
    p({ kind: 'layer', id: 'a', status: 'Downloading', current: 500_000, total: 1_000_000 });
    assert.equal(
      c.text(),
      'a: Pulling fs layer\nb: Pulling fs layer\n' +
        `\x1b[2A\r\x1b[2Ka: Downloading [${'='.repeat(25)}>${' '.repeat(25)}]    500kB/1MB\r\x1b[2B`,
    );
  });
});

describe('limiter', () => {
  it('runs at most n at once, and fails what is queued after a failure', async () => {
    const limit = limiter(2);
    let active = 0;
    let peak = 0;
    const task = (fail: boolean) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 10));
      active--;
      if (fail) throw new Error('boom');
      return 1;
    };
    const results = await Promise.allSettled([
      limit(task(false)),
      limit(task(true)),
      limit(task(false)),
      limit(task(false)),
    ]);
    assert.equal(peak, 2);
    assert.equal(results[1].status, 'rejected');
    assert.equal(results.filter((r) => r.status === 'rejected').length >= 2, true);
  });
});

describe('endpoint configuration (files)', () => {
  it('insecure registries from the environment and registries.json; TLS from certs.d', async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadEndpointConfig, resolveEndpoint } =
      await import('../../src/distribution/client/endpoint.js');
    const root = await mkdtemp(path.join(os.tmpdir(), 'berth-endpoint-'));
    try {
      await writeFile(
        path.join(root, 'registries.json'),
        JSON.stringify({ 'insecure-registries': ['10.0.0.0/8'] }),
      );
      const certs = path.join(root, 'certs.d');
      await mkdir(path.join(certs, 'reg.example:5000'), { recursive: true });
      await writeFile(path.join(certs, 'reg.example:5000', 'ca.crt'), 'not really a cert\n');
      const cfg = await loadEndpointConfig(root, {
        BERTH_INSECURE_REGISTRIES: 'lan.example:5000, other.example',
        BERTH_CERTS_DIR: certs,
      });
      assert.deepEqual(cfg.insecureRegistries, ['lan.example:5000', 'other.example', '10.0.0.0/8']);
      assert.deepEqual(cfg.certsDirs, [certs]);
      assert.equal(
        (await resolveEndpoint('lan.example:5000', cfg)).base,
        'http://lan.example:5000',
      );
      assert.equal((await resolveEndpoint('10.1.1.1:5000', cfg)).base, 'http://10.1.1.1:5000');
      assert.equal((await resolveEndpoint('other.example', cfg)).base, 'http://other.example');
      assert.equal((await resolveEndpoint('ghcr.io', cfg)).base, 'https://ghcr.io');
      assert.equal((await resolveEndpoint('docker.io', cfg)).base, 'https://registry-1.docker.io');
      const tls = await resolveEndpoint('reg.example:5000', cfg);
      assert.equal(tls.base, 'https://reg.example:5000');
      assert.ok(tls.tls?.ca?.at(-1)?.startsWith('not really'));
      assert.deepEqual((await loadEndpointConfig(root, {})).certsDirs, [
        '/etc/berth/certs.d',
        '/etc/docker/certs.d',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('parallelGzip', () => {
  const collect = async (it: AsyncIterable<Buffer>) => {
    const out: Buffer[] = [];
    for await (const c of it) out.push(c);
    return Buffer.concat(out);
  };
  async function* chunks(b: Buffer, size: number) {
    for (let i = 0; i < b.length; i += size) yield await Promise.resolve(b.subarray(i, i + size));
  }
  it('round-trips, is deterministic, stores what does not compress, and handles empty input', async () => {
    const { gunzipSync } = await import('node:zlib');
    const { randomBytes } = await import('node:crypto');
    const { parallelGzip } = await import('../../src/distribution/client/push.js');
    const text = Buffer.from('berth '.repeat(600_000)); // 3.6 MB, very compressible
    const random = randomBytes(3 << 20);
    const input = Buffer.concat([text, random]);
    const a = await collect(parallelGzip(chunks(input, 65_537)));
    const b = await collect(parallelGzip(chunks(input, 1 << 20)));
    assert.ok(a.equals(b), 'same bytes whatever the input chunking');
    assert.ok(gunzipSync(a).equals(input));
    // the random part is stored: its size plus a little framing
    assert.ok(a.length < random.length + 64 * 1024 && a.length > random.length);
    const empty = await collect(parallelGzip(chunks(Buffer.alloc(0), 1)));
    assert.equal(gunzipSync(empty).length, 0);
  });
});
