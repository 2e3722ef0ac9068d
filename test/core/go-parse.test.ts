// Cases from go-units (size_test.go), Go's time package (ParseDuration tests) and docker/cli
// (opts_test.go TestParseCPUs), with their messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  fromHumanSize,
  goAtoi,
  goParseBool,
  parseDuration,
  parseNanoCpus,
  ramInBytes,
} from '../../src/core/go-parse.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
const PiB = 1024 * TiB;

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === message);

describe('ramInBytes (go-units RAMInBytes)', () => {
  const good: Array<[string, number]> = [
    ['32', 32],
    ['32b', 32],
    ['32B', 32],
    ['32k', 32 * KiB],
    ['32K', 32 * KiB],
    ['32kb', 32 * KiB],
    ['32Kb', 32 * KiB],
    ['32Kib', 32 * KiB],
    ['32KIB', 32 * KiB],
    ['32Mb', 32 * MiB],
    ['32Gb', 32 * GiB],
    ['32Tb', 32 * TiB],
    ['32Pb', 32 * PiB],
    ['32PB', 32 * PiB],
    ['32P', 32 * PiB],
    ['32.3', 32],
    ['32.3 mb', Math.trunc(32.3 * MiB)],
    ['0.3MB', Math.trunc(0.3 * MiB)],
    ['512k', 512 * KiB],
    ['1g', GiB],
  ];
  for (const [input, want] of good)
    it(`${input} → ${want}`, () => assert.equal(ramInBytes(input), want));

  const bad: Array<[string, string]> = [
    ['', "invalid size: ''"],
    ['hello', "invalid size: 'hello'"],
    ['-32', "invalid size: '-32'"],
    [' 32 ', 'strconv.ParseFloat: parsing " 32": invalid syntax'],
    ['32m b', 'strconv.ParseFloat: parsing "32m": invalid syntax'],
    ['32bm', "invalid suffix: 'bm'"],
    ['32x', "invalid suffix: 'x'"],
    ['32kibb', "invalid suffix: 'kibb'"],
    ['32mx', "invalid suffix: 'mx'"],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => rejects(() => ramInBytes(input), message));
  }
});

describe('fromHumanSize (go-units FromHumanSize)', () => {
  for (const [input, want] of [
    ['32', 32],
    ['32k', 32_000],
    ['10m', 10_000_000],
    ['1.5g', 1_500_000_000],
    ['32KiB', 32_000],
  ] as const) {
    it(`${input} → ${want}`, () => assert.equal(fromHumanSize(input), want));
  }
});

describe('parseDuration (time.ParseDuration)', () => {
  const good: Array<[string, number]> = [
    ['0', 0],
    ['5s', 5e9],
    ['30s', 30e9],
    ['1478s', 1478e9],
    ['-5s', -5e9],
    ['+5s', 5e9],
    ['-0', 0],
    ['+0', 0],
    ['5.0s', 5e9],
    ['5.6s', 5.6e9],
    ['5.s', 5e9],
    ['.5s', 0.5e9],
    ['1.0s', 1e9],
    ['1.00s', 1e9],
    ['1.004s', 1.004e9],
    ['1.0040s', 1.004e9],
    ['100.00100s', 100.001e9],
    ['10ns', 10],
    ['11us', 11_000],
    ['12µs', 12_000],
    ['12μs', 12_000],
    ['13ms', 13e6],
    ['14s', 14e9],
    ['15m', 15 * 60e9],
    ['16h', 16 * 3600e9],
    ['3h30m', 3.5 * 3600e9],
    ['10.5s4m', 4 * 60e9 + 10.5e9],
    ['-2m3.4s', -(2 * 60e9 + 3.4e9)],
    ['1h2m3s4ms5us6ns', 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6],
    ['39h9m14.425s', 39 * 3600e9 + 9 * 60e9 + 14.425e9],
    ['52763797000ns', 52763797000],
    ['0.3333333333333333333h', 20 * 60e9],
    ['1m30s', 90e9],
    ['500ms', 500e6],
    ['2h', 7200e9],
  ];
  for (const [input, want] of good) {
    it(`${input} → ${want}`, () => assert.equal(parseDuration(input), want));
  }

  const bad: Array<[string, string]> = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => rejects(() => parseDuration(input), message));
  }
});

describe('parseNanoCpus (opts.ParseCPUs)', () => {
  const good: Array<[string, number]> = [
    ['1', 1e9],
    ['0.5', 5e8],
    ['.5', 5e8],
    ['1.5', 1.5e9],
    ['0.000000001', 1],
    ['1/2', 5e8],
    ['3/2', 1.5e9],
    ['1e-3', 1e6],
    ['2', 2e9],
  ];
  for (const [input, want] of good) {
    it(`${input} → ${want}`, () => assert.equal(parseNanoCpus(input), want));
  }
  it('rejects what is no rational number', () => {
    for (const v of ['', 'one', '1/0', '1.2.3', '0x10']) {
      rejects(() => parseNanoCpus(v), `failed to parse ${v} as a rational number`);
    }
  });
  it('rejects more precision than a nano-CPU', () => {
    rejects(() => parseNanoCpus('0.0000000001'), 'value is too precise');
    rejects(() => parseNanoCpus('1/3'), 'value is too precise');
  });
});

describe('strconv', () => {
  it('Atoi', () => {
    assert.equal(goAtoi('42'), 42);
    assert.equal(goAtoi('+7'), 7);
    assert.equal(goAtoi('-1'), -1);
    rejects(() => goAtoi('4x'), 'strconv.Atoi: parsing "4x": invalid syntax');
    rejects(() => goAtoi(''), 'strconv.Atoi: parsing "": invalid syntax');
    rejects(
      () => goAtoi('9223372036854775808'),
      'strconv.Atoi: parsing "9223372036854775808": value out of range',
    );
  });
  it('ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(goParseBool(t), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(goParseBool(f), false);
    rejects(() => goParseBool('yes'), 'strconv.ParseBool: parsing "yes": invalid syntax');
  });
});
