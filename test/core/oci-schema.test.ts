// Runs every case of test/conformance/oci-image-spec/cases.json (a copy of the OCI image-spec
// tests' documents, from ../shared/conformance) and checks parseOciDocument agrees with each.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest.js';
import { isBerthError } from '../../src/core/errors.js';
import { ociConfig, ociManifest } from '../../src/core/media-types.js';
import type { ImageConfig, ImageIndex, ImageManifest } from '../../src/core/oci.js';
import {
  parseOciDocument,
  validateOciDocument,
  type OciDocumentKind,
} from '../../src/core/oci-schema.js';

interface Case {
  test: string;
  schema: string;
  comment: string | null;
  fail: boolean;
  document: string;
  invalidJson?: boolean;
  beyondSchema?: string;
  convertDockerMediaTypes?: boolean;
  digestOfDocument?: string;
}
interface Cases {
  dockerToOciMediaTypes: Record<string, string>;
  cases: Case[];
}

const casesUrl = new URL('../conformance/oci-image-spec/cases.json', import.meta.url);
const { cases, dockerToOciMediaTypes } = JSON.parse(readFileSync(casesUrl, 'utf8')) as Cases;

const kindOfSchema: Record<string, OciDocumentKind> = {
  'image-manifest-schema.json': 'manifest',
  'image-index-schema.json': 'index',
  'config-schema.json': 'config',
  'content-descriptor.json': 'descriptor',
  'image-layout-schema.json': 'layout',
};
const labels: Record<OciDocumentKind, string> = {
  manifest: 'image manifest',
  index: 'image index',
  config: 'image config',
  descriptor: 'content descriptor',
  layout: 'oci-layout',
};

describe('OCI conformance cases', () => {
  it('has all 71 cases', () => assert.equal(cases.length, 71));

  cases.forEach((c, i) => {
    const kind = kindOfSchema[c.schema]!;
    const what = c.comment ?? (c.convertDockerMediaTypes ? 'real Docker document' : 'valid');
    const flags = [c.invalidJson && 'invalid JSON', c.beyondSchema && 'beyond schema'].filter(
      Boolean,
    );
    it(`#${i} ${c.test} ${kind}: ${what}${flags.length ? ` (${flags.join(', ')})` : ''}`, () => {
      let error: unknown;
      try {
        parseOciDocument(kind, c.document);
        parseOciDocument(kind, new TextEncoder().encode(c.document));
      } catch (e) {
        error = e;
      }
      if (!c.fail) {
        assert.equal(error, undefined, `expected to pass: ${String(error)}`);
        return;
      }
      assert.ok(isBerthError(error, 'InvalidArgument'), `expected to fail: ${String(error)}`);
      assert.ok(error.message.startsWith(`invalid ${labels[kind]}: `), error.message);
      if (c.invalidJson) assert.match(error.message, /: not JSON: /);
    });

    if (c.digestOfDocument !== undefined) {
      it(`#${i} digest of the real Docker document`, () => {
        assert.equal(sha256Digest(c.document), c.digestOfDocument);
        assert.equal(sha256Digest(new TextEncoder().encode(c.document)), c.digestOfDocument);
      });
    }
  });
});

describe('validateOciDocument', () => {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: ociManifest,
    config: { mediaType: ociConfig, size: 2, digest: sha256Digest('{}') },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        size: 3,
        digest: sha256Digest('abc'),
      },
    ],
  };

  it('names the kind and the first problem', () => {
    const bad = structuredClone(manifest);
    bad.layers[0]!.digest = 'sha256:';
    assert.throws(
      () => validateOciDocument('manifest', bad),
      (e) =>
        isBerthError(e, 'InvalidArgument') &&
        e.message.startsWith('invalid image manifest: /layers/0/digest must match pattern'),
    );
  });

  it('checks digests beyond the schema pattern', () => {
    const bad = structuredClone(manifest);
    bad.config.digest = 'sha256:abc';
    assert.throws(
      () => validateOciDocument('manifest', bad),
      /invalid image manifest: \/config\/digest: invalid digest "sha256:abc": sha256 needs 64 hex characters, got 3$/,
    );
  });

  it('checks the diff IDs of a config', () => {
    const config: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: ['sha256:ABC'] },
    };
    assert.throws(
      () => validateOciDocument('config', config),
      /invalid image config: \/rootfs\/diff_ids\/0: invalid digest/,
    );
  });

  it('accepts Env values with "=" and newlines, rejects entries without "="', () => {
    const config: ImageConfig = {
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['A=b=c', 'EMPTY=', 'MULTI=line1\nline2'] },
      rootfs: { type: 'layers', diff_ids: [] },
    };
    validateOciDocument('config', config);
    config.config!.Env!.push('=x');
    assert.throws(
      () => validateOciDocument('config', config),
      /invalid image config: \/config\/Env\/3 must have the form KEY=value/,
    );
  });

  it('accepts Docker media types and does not change the document', () => {
    const docker = structuredClone(manifest);
    docker.mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
    const before = structuredClone(docker);
    validateOciDocument('manifest', docker);
    assert.deepEqual(docker, before);
    assert.ok(Object.keys(dockerToOciMediaTypes).includes(docker.mediaType));
  });

  it('checks descriptor data inside an index', () => {
    const idx: ImageIndex = {
      schemaVersion: 2,
      manifests: [{ mediaType: ociManifest, size: 2, digest: sha256Digest('{}'), data: 'e30' }],
    };
    assert.throws(
      () => validateOciDocument('index', idx),
      /invalid image index: \/manifests\/0\/data must be padded base64/,
    );
    idx.manifests[0]!.data = 'e30=';
    validateOciDocument('index', idx);
  });

  it('rejects documents that are not objects', () => {
    for (const doc of [null, [], 'x', 2]) {
      assert.throws(() => validateOciDocument('layout', doc), /invalid oci-layout: must be object/);
    }
  });
});

describe('parseOciDocument', () => {
  it('returns the parsed document', () => {
    const doc = parseOciDocument<{ imageLayoutVersion: string }>(
      'layout',
      '{"imageLayoutVersion":"1.0.0"}',
    );
    assert.deepEqual(doc, { imageLayoutVersion: '1.0.0' });
  });

  it('rejects what is not JSON or not UTF-8', () => {
    assert.throws(() => parseOciDocument('manifest', '{'), /invalid image manifest: not JSON: /);
    assert.throws(
      () => parseOciDocument('manifest', new Uint8Array([0x7b, 0xff, 0x7d])),
      /invalid image manifest: not JSON: /,
    );
  });
});

it('a Docker config with null fields (docker import writes them) is accepted, nulls read as absent', () => {
  const doc = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: null, Cmd: null, Entrypoint: null, Volumes: null, Labels: null, WorkingDir: '' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] },
    history: [{ created: '2024-01-01T00:00:00Z', comment: 'Imported from -' }],
  };
  const parsed = parseOciDocument<{ config: Record<string, unknown> }>(
    'config',
    JSON.stringify(doc),
  );
  assert.deepEqual(parsed.config, { WorkingDir: '' });
});

it('the committed validators are those scripts/gen-oci-validators.mjs makes of the schemas (else run `npm run gen:oci`)', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-gen-oci-'));
  try {
    const script = fileURLToPath(new URL('../../scripts/gen-oci-validators.mjs', import.meta.url));
    execFileSync(process.execPath, [script, path.join(dir, 'validators.js')]);
    for (const ext of ['js', 'd.ts']) {
      const committed = new URL(`../../src/core/oci-validators.generated.${ext}`, import.meta.url);
      assert.equal(
        readFileSync(path.join(dir, `validators.${ext}`), 'utf8'),
        readFileSync(committed, 'utf8'),
        `src/core/oci-validators.generated.${ext} is out of date: run npm run gen:oci`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
