import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import * as mt from '../../src/core/media-types.js';

describe('media types', () => {
  it('have their registered values', () => {
    assert.equal(mt.ociManifest, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(mt.ociIndex, 'application/vnd.oci.image.index.v1+json');
    assert.equal(mt.ociConfig, 'application/vnd.oci.image.config.v1+json');
    assert.equal(mt.ociLayerGzip, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(mt.ociLayoutHeader, 'application/vnd.oci.layout.header.v1+json');
    assert.equal(mt.dockerManifest, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(
      mt.dockerManifestList,
      'application/vnd.docker.distribution.manifest.list.v2+json',
    );
    assert.equal(mt.dockerConfig, 'application/vnd.docker.container.image.v1+json');
    assert.equal(mt.dockerLayerGzip, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  });

  it('tell manifests from indexes', () => {
    for (const t of [mt.ociManifest, mt.dockerManifest]) {
      assert.equal(mt.isManifestType(t), true, t);
      assert.equal(mt.isIndexType(t), false, t);
    }
    for (const t of [mt.ociIndex, mt.dockerManifestList]) {
      assert.equal(mt.isIndexType(t), true, t);
      assert.equal(mt.isManifestType(t), false, t);
    }
    for (const t of [mt.ociConfig, mt.dockerManifestSchema1Signed, 'application/json', '']) {
      assert.equal(mt.isManifestType(t) || mt.isIndexType(t), false, t);
    }
  });

  const layers: Array<[string, 'none' | 'gzip' | 'zstd']> = [
    [mt.ociLayer, 'none'],
    [mt.ociLayerGzip, 'gzip'],
    [mt.ociLayerZstd, 'zstd'],
    [mt.ociLayerNondistributable, 'none'],
    [mt.ociLayerNondistributableGzip, 'gzip'],
    [mt.ociLayerNondistributableZstd, 'zstd'],
    [mt.dockerLayer, 'none'],
    [mt.dockerLayerGzip, 'gzip'],
    [mt.dockerLayerZstd, 'zstd'],
    [mt.dockerForeignLayerGzip, 'gzip'],
  ];
  for (const [type, compression] of layers) {
    it(`knows ${type} is a ${compression} layer`, () => {
      assert.equal(mt.isLayerType(type), true);
      assert.equal(mt.layerCompression(type), compression);
    });
  }

  it('rejects the compression of non-layer types', () => {
    for (const t of [
      mt.ociConfig,
      mt.ociManifest,
      mt.inTotoLayer,
      'application/vnd.oci.image.layer.v1.tar+gzip+encrypted',
    ]) {
      assert.equal(mt.isLayerType(t), false, t);
      assert.throws(
        () => mt.layerCompression(t),
        (e) => isBerthError(e, 'InvalidArgument') && e.message.includes(t),
      );
    }
  });

  it('maps Docker media types to OCI ones', () => {
    assert.equal(mt.toOciMediaType(mt.dockerManifestList), mt.ociIndex);
    assert.equal(mt.toOciMediaType(mt.dockerManifest), mt.ociManifest);
    assert.equal(mt.toOciMediaType(mt.dockerConfig), mt.ociConfig);
    assert.equal(mt.toOciMediaType(mt.dockerLayerGzip), mt.ociLayerGzip);
    assert.equal(mt.toOciMediaType(mt.ociLayerZstd), mt.ociLayerZstd);
    assert.equal(mt.toOciMediaType('text/plain'), 'text/plain');
  });
});
