import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainIds, digestHex, isDigest, parseDigest, sha256Digest } from '../../src/core/digest.js';
import { isBerthError } from '../../src/core/errors.js';

const hex = (c: string, n = 64) => c.repeat(n);

describe('sha256Digest', () => {
  it('hashes strings as UTF-8 and bytes as is', () => {
    const empty = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const hello = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
    assert.equal(sha256Digest(''), empty);
    assert.equal(sha256Digest(new Uint8Array()), empty);
    assert.equal(sha256Digest('hello'), hello);
    assert.equal(sha256Digest(new TextEncoder().encode('hello')), hello);
    assert.equal(sha256Digest('é'), sha256Digest(new Uint8Array([0xc3, 0xa9])));
  });
});

describe('parseDigest', () => {
  const valid: Array<[string, string, string]> = [
    [`sha256:${hex('a')}`, 'sha256', hex('a')],
    [`sha512:${hex('0', 128)}`, 'sha512', hex('0', 128)],
    [`sha384:${hex('f', 96)}`, 'sha384', hex('f', 96)],
    [
      'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
      'sha256+b64u',
      'LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564',
    ],
    [
      'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
      'multihash+base58',
      'QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8',
    ],
    ['sha256.foo-bar:abc=', 'sha256.foo-bar', 'abc='],
  ];
  for (const [input, algorithm, encoded] of valid) {
    it(`accepts ${input}`, () => {
      assert.deepEqual(parseDigest(input), { algorithm, encoded });
      assert.equal(isDigest(input), true);
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['', /missing ":"/],
    ['sha256', /missing ":"/],
    [`:${hex('a')}`, /missing algorithm/],
    ['sha256:', /missing encoded part/],
    [`SHA256:${hex('a')}`, /invalid algorithm "SHA256"/],
    [`sha256+foo+-b:${hex('a')}`, /invalid algorithm/],
    [`sha256:${hex('a', 63)}`, /sha256 needs 64 hex characters, got 63/],
    [`sha256:${hex('a', 65)}`, /sha256 needs 64 hex characters, got 65/],
    [`sha256:${hex('A')}`, /sha256 needs lowercase hex/],
    [`sha256:${hex('g')}`, /sha256 needs lowercase hex/],
    [`sha512:${hex('a')}`, /sha512 needs 128 hex characters/],
    ['sha256:abc def', /invalid characters/],
    ['sha256:abc', /sha256 needs 64 hex characters, got 3/],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseDigest(input),
        (e) => {
          assert.ok(isBerthError(e, 'InvalidArgument'));
          assert.ok(e.message.startsWith(`invalid digest "${input}": `), e.message);
          assert.match(e.message, reason);
          return true;
        },
      );
      assert.equal(isDigest(input), false);
    });
  }
});

describe('digestHex', () => {
  it('returns the encoded part', () => {
    assert.equal(digestHex(`sha256:${hex('b')}`), hex('b'));
    assert.throws(() => digestHex('nope'), /invalid digest/);
  });
});

describe('chainIds', () => {
  // Computed independently: printf '%s %s' "$A" "$B" | sha256sum, and so on.
  const a = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';
  const b = 'sha256:9d3dd9504c685a304985025df4ed0283e47ac9ffa9bd0326fddf4d59513f0827';
  const c = 'sha256:2b689805fbd00b2db1df73fae47562faac1a626d5f61744bfe29946ecff5d73d';
  const ab = 'sha256:f66fdd43195501f383ce56ded497fee524144b0fc85af23f1bea0e899e6710c0';
  const abc = 'sha256:625eb66d85888676cd4ddaac7e4af91fbf45eb562e5d57319051be6b520a3dfd';

  it('is empty for no layers', () => assert.deepEqual(chainIds([]), []));
  it('is the diff ID for one layer', () => assert.deepEqual(chainIds([a]), [a]));
  it('matches the hand-computed vector', () => assert.deepEqual(chainIds([a, b, c]), [a, ab, abc]));
  it('depends on order', () => assert.notDeepEqual(chainIds([b, a]).at(-1), ab));
  it('rejects malformed diff IDs', () =>
    assert.throws(() => chainIds([a, 'sha256:zz']), /invalid digest/));
});
