// Expected values are docker/go-units' (HumanSizeWithPrecision(n, 3), BytesSize, HumanDuration
// and RAMInBytes), checked against Go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesSize, humanDuration, humanSize, parseSize } from '../../src/cli/format/human.js';
import { isBerthError } from '../../src/core/errors.js';

describe('humanSize', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [1, '1B'],
    [999, '999B'],
    [1000, '1kB'],
    [1001, '1kB'],
    [1125, '1.12kB'], // an exact tie rounds to even, as Go's %g does
    [1135, '1.14kB'],
    [1500, '1.5kB'],
    [9999, '10kB'],
    [99999, '100kB'],
    [999499, '999kB'],
    [999500, '1e+03kB'], // Go's %.3g switches to an exponent here, and so does docker
    [999999, '1e+03kB'],
    [1000000, '1MB'],
    [1234567, '1.23MB'],
    [72800000, '72.8MB'],
    [123456789, '123MB'],
    [187000000, '187MB'],
    [5368709120, '5.37GB'],
    [1e15, '1PB'],
    [1e18, '1EB'],
    [1.5e21, '1.5ZB'],
    [1e27, '1e+03YB'],
    [-5000, '-5e+03B'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(humanSize(n), want));
});

describe('bytesSize', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [1536, '1.5KiB'],
    [1048576, '1MiB'],
    [1572864, '1.5MiB'],
    [1073741824, '1GiB'],
    [5368709120, '5GiB'],
    [123456789, '117.7MiB'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(bytesSize(n), want));
});

describe('humanDuration', () => {
  const s = 1000;
  const min = 60 * s;
  const h = 60 * min;
  const day = 24 * h;
  const week = 7 * day;
  const month = 30 * day;
  const year = 365 * day;
  const cases: Array<[number, string]> = [
    [-5, 'Less than a second'],
    [0, 'Less than a second'],
    [450, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [1999, '1 second'],
    [2 * s, '2 seconds'],
    [5 * s, '5 seconds'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * min, '2 minutes'],
    [7 * min, '7 minutes'],
    [35 * min + 40 * s, '35 minutes'],
    [59 * min, '59 minutes'],
    [1 * h, 'About an hour'],
    [1 * h + 29 * min, 'About an hour'],
    [1 * h + 31 * min, '2 hours'],
    [3 * h, '3 hours'],
    [3 * h + 31 * min, '4 hours'],
    [24 * h, '24 hours'],
    [1 * day + 12 * h, '36 hours'],
    [2 * day, '2 days'],
    [13 * day + 5 * h, '13 days'],
    [2 * week, '2 weeks'],
    [3 * week, '3 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [4 * month, '4 months'],
    [23 * month, '23 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ];
  for (const [ms, want] of cases)
    it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe('parseSize', () => {
  const valid: Array<[string, number]> = [
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['100k', 102400],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['2 MiB', 2 * 1024 ** 2],
    ['1kib', 1024],
    ['1 kb', 1024],
    ['1TiB', 1024 ** 4],
    ['3Pb', 3 * 1024 ** 5],
    ['0.5k', 512],
    ['.5g', 512 * 1024 ** 2],
    ['10', 10],
    ['10b', 10],
    ['10B', 10],
    ['1.5', 1],
    ['5.', 5],
    ['1e3', 1000],
    ['1_000k', 1024000],
  ];
  for (const [s, want] of valid)
    it(`${JSON.stringify(s)} → ${want}`, () => assert.equal(parseSize(s), want));

  const invalid: Array<[string, string]> = [
    ['x', "invalid size: 'x'"],
    ['', "invalid size: ''"],
    ['-1', "invalid size: '-1'"],
    ['1kk', "invalid suffix: 'kk'"],
    ['1zb', "invalid suffix: 'zb'"],
    ['1KiBs', "invalid suffix: 'KiBs'"],
    ['abc1', 'strconv.ParseFloat: parsing "abc1": invalid syntax'],
    ['1.5.5k', 'strconv.ParseFloat: parsing "1.5.5": invalid syntax'],
    ['1  k', 'strconv.ParseFloat: parsing "1 ": invalid syntax'],
  ];
  for (const [s, message] of invalid) {
    it(`rejects ${JSON.stringify(s)}`, () =>
      assert.throws(
        () => parseSize(s),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === message,
      ));
  }
});
