// Go's strconv/fmt/encoding/json behaviour that the template printer relies on; expected
// values are Go's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFloat } from '../../src/cli/format/gofmt/float.js';
import { marshalJSON, UnsupportedValueError } from '../../src/cli/format/gofmt/json.js';
import { sprint, sprintf, sprintln } from '../../src/cli/format/gofmt/printf.js';
import { quote } from '../../src/cli/format/gofmt/quote.js';

describe('formatFloat (strconv.FormatFloat)', () => {
  const cases: Array<[number, 'e' | 'f' | 'g', number, string]> = [
    [1e6, 'g', -1, '1e+06'],
    [123456.5, 'g', -1, '123456.5'],
    [1234567.5, 'g', -1, '1.2345675e+06'],
    [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'],
    [-0, 'g', -1, '-0'],
    [0, 'e', 2, '0.00e+00'],
    [1234.5678, 'e', 3, '1.235e+03'],
    [1e-300, 'e', -1, '1e-300'],
    [0.125, 'f', 2, '0.12'], // exact tie: round half to even
    [0.375, 'f', 2, '0.38'],
    [2.675, 'f', 2, '2.67'], // 2.675 is really 2.67499999…
    [1.005, 'f', 2, '1.00'],
    [0.009, 'f', 2, '0.01'],
    [0.0004, 'f', 2, '0.00'],
    [999.999, 'g', 3, '1e+03'],
    [1.125, 'g', 3, '1.12'],
    [100, 'g', 3, '100'],
    [
      1e100,
      'f',
      0,
      '10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104',
    ],
    [NaN, 'g', -1, 'NaN'],
    [Infinity, 'f', 2, '+Inf'],
    [-Infinity, 'e', 2, '-Inf'],
  ];
  for (const [x, f, p, want] of cases) {
    it(`${x} %${f} prec ${p} → ${want}`, () => assert.equal(formatFloat(x, f, p), want));
  }
});

describe('sprintf / sprint / sprintln', () => {
  it('formats verbs, flags, widths and precisions like fmt', () => {
    assert.equal(
      sprintf('%5.1f|%-8.3e|%+d|% d|%05d', [3.14159, 1234.5678, 5, 5, -42]),
      '  3.1|1.235e+03|+5| 5|-0042',
    );
    assert.equal(
      sprintf('%x|%X|%o|%O|%b|%#x|%#o', [-255, 255, 8, 8, 5, 255, 8]),
      '-ff|FF|10|0o10|101|0xff|010',
    );
    assert.equal(sprintf('%c|%U|%q|%q', [0x65e5, 0x41, 65, 'a\tb']), '日|U+0041|\'A\'|"a\\tb"');
    assert.equal(
      sprintf('%s|%10s|%-10s|%.2s|%05s', ['hi', 'hi', 'hi', 'hello', 'ab']),
      'hi|        hi|hi        |he|000ab',
    );
    assert.equal(sprintf('%v|%6.2v|%+v', [1.5, 3.14159, 7]), '1.5|   3.1|7');
    assert.equal(sprintf('%.0d|%5.0d|%.3d', [0, 0, 7]), '|     |007');
    assert.equal(
      sprintf('%08.3f|%+.2f|% .2f|%e', [-3.14159, 2, 2, 0]),
      '-003.142|+2.00| 2.00|0.000000e+00',
    );
  });

  it('prints slices and maps element by element, nil as <nil>', () => {
    assert.equal(
      sprintf('%v|%d|%s|%q', [[1, [2, 3]], [1, 2], ['a', 'b'], ['a']]),
      '[1 [2 3]]|[1 2]|[a b]|["a"]',
    );
    assert.equal(sprintf('%v', [{ b: 1, a: [null, 'x'] }]), 'map[a:[<nil> x] b:1]');
    assert.equal(sprintf('%v|%s|%d', [null, null, undefined]), '<nil>|%!s(<nil>)|%!d(<nil>)');
    assert.equal(sprintf('%d', [['a']]), '[%!d(string=a)]');
  });

  it("writes fmt's complaints instead of failing", () => {
    assert.equal(sprintf('%d|%s|%t', ['x', 5, 1]), '%!d(string=x)|%!s(int=5)|%!t(int=1)');
    assert.equal(sprintf('%d %d', [1]), '1 %!d(MISSING)');
    assert.equal(sprintf('%d', [1, 'a', null]), '1%!(EXTRA string=a, <nil>)');
    assert.equal(sprintf('%', []), '%!(NOVERB)');
    assert.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)');
    assert.equal(sprintf('100%%', []), '100%');
  });

  it('spaces operands like Sprint and Sprintln', () => {
    assert.equal(sprint([1, 2, 'a', 'b', 3, null, true]), '1 2ab3 <nil> true');
    assert.equal(sprint([]), '');
    assert.equal(sprintln(['a', 1, 'b']), 'a 1 b\n');
  });
});

describe('marshalJSON (json.Marshal without HTML escaping)', () => {
  it('encodes like Go (1.22+, which writes \\b and \\f)', () => {
    assert.equal(
      marshalJSON({ s: '<a&b>"\\\n\t\r\b\f\u0001\u2028\u2029é' }),
      '{"s":"<a&b>\\"\\\\\\n\\t\\r\\b\\f\\u0001\\u2028\\u2029é"}',
    );
    assert.equal(
      marshalJSON([1, 1.5, -0.000001, 1e-7, 1.5e-7, 1e21, 123456789012, 2n ** 64n]),
      '[1,1.5,-0.000001,1e-7,1.5e-7,1e+21,123456789012,18446744073709551616]',
    );
    assert.equal(marshalJSON([null, undefined, true, [], {}]), '[null,null,true,[],{}]');
    assert.equal(marshalJSON('\ud800'), '"\\ufffd"');
  });

  it('keeps object key order (Go structs) and sorts Map keys (Go maps)', () => {
    assert.equal(marshalJSON({ b: 1, a: 2, u: undefined, f: () => 1 }), '{"b":1,"a":2}');
    assert.equal(
      marshalJSON(
        new Map<string, number>([
          ['b', 1],
          ['a', 2],
        ]),
      ),
      '{"a":2,"b":1}',
    );
  });

  it('encodes Dates as RFC 3339 and honours toJSON', () => {
    assert.equal(marshalJSON(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '"2024-01-02T03:04:05Z"');
    assert.equal(marshalJSON({ toJSON: () => 'custom' }), '"custom"');
  });

  it('fails where Go fails', () => {
    assert.throws(() => marshalJSON(NaN), UnsupportedValueError);
    assert.throws(() => marshalJSON({ x: Infinity }), UnsupportedValueError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => marshalJSON(cyclic), UnsupportedValueError);
  });
});

describe('quote (strconv.Quote)', () => {
  it('escapes the unprintable and keeps printable Unicode', () => {
    assert.equal(quote('a"b\\c\n\x07\x7f'), '"a\\"b\\\\c\\n\\a\\x7f"');
    assert.equal(
      quote('日本\u00a0\u200b\u{1f600}\u{e0001}'),
      '"日本\\u00a0\\u200b\u{1f600}\\U000e0001"',
    );
  });
});
