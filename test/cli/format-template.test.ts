// Expected outputs were checked against Go's text/template with docker's template functions.
// Deliberate differences, where JS data cannot say what Go's types would: `null` prints
// `<nil>` (a nil pointer) rather than `<no value>`; `index` of a missing key in an all-string
// object gives "" (map[string]string); plain objects keep their key order in `json` (structs).
// {{range 3}} and {{else with}} are Go 1.22/1.23 features, as is json's \b and \f.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from '../../src/cli/format/go-template.js';
import { isBerthError } from '../../src/core/errors.js';

const render = (src: string, data: unknown = {}) => parseTemplate(src).execute(data);

/** An image as `docker image inspect` sees it. */
const image = {
  ID: 'sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d',
  RepoTags: ['nginx:latest', 'nginx:1.25'],
  Repository: 'nginx',
  Tag: 'latest',
  Size: 187654321,
  Running: true,
  Labels: { 'a.b': 'dotted', maintainer: 'NGINX <docker@nginx.com>' },
  Config: {
    Env: ['PATH=/usr/local/sbin:/usr/bin', 'NGINX_VERSION=1.25.3'],
    Cmd: ['sh', '-c', 'echo'],
    ExposedPorts: { '80/tcp': {} },
    Entrypoint: null,
  },
  Empty: [],
};

const cases: Array<[template: string, data: unknown, expected: string]> = [
  // text, dot, fields
  ['plain text', {}, 'plain text'],
  ['', {}, ''],
  ['{{.}}', 'root', 'root'],
  ['{{$}}', 'root', 'root'],
  ['{{.Repository}}', image, 'nginx'],
  ['{{.ID}}\t{{.Repository}}', image, `${image.ID}\tnginx`],
  ['{{.Config.Cmd}}', image, '[sh -c echo]'],
  ['{{.Config.Env}}', image, '[PATH=/usr/local/sbin:/usr/bin NGINX_VERSION=1.25.3]'],
  ['{{.Config.ExposedPorts}}', image, 'map[80/tcp:map[]]'],
  ['{{.Config.Entrypoint}}', image, '<nil>'],
  ['{{.Missing}}', image, '<no value>'],
  ['{{.Missing.Deeper}}', image, '<no value>'],
  ['{{.A.B.C}}', { A: { B: { C: 'deep' } } }, 'deep'],
  ['{{$.A.B}}', { A: { B: 'from root' } }, 'from root'],
  ['{{.Size}}', image, '187654321'],
  ['{{.Running}} {{.Empty}}', image, 'true []'],
  ['{{.}}', { b: [1, 'x'], a: { c: null } }, 'map[a:map[c:<nil>] b:[1 x]]'],
  [
    '{{.F}} {{.G}} {{.H}} {{.I}}',
    { F: 1.5, G: 0.000012, H: 12345678.9, I: -2.5e-10 },
    '1.5 1.2e-05 1.23456789e+07 -2.5e-10',
  ],
  ['{{.}}', { n: 1e21 }, 'map[n:1e+21]'],
  ['{{.é}}', { é: 'accent' }, 'accent'],
  // index, len, slice
  ['{{index .Labels "a.b"}}', image, 'dotted'],
  ['{{index .Labels "nope"}}', image, ''],
  ['{{index .RepoTags 1}}', image, 'nginx:1.25'],
  ['{{index .A 1 0}}', { A: [[1], [2, 3]] }, '2'],
  ['{{(index .A 0).B}}', { A: [{ B: 'x' }] }, 'x'],
  ['{{len .RepoTags}} {{len .Labels}} {{len "héllo"}}', image, '2 2 6'],
  ['{{slice "hello" 1 3}} {{slice .A 1}} {{slice .A 0 3 3}}', { A: [1, 2, 3] }, 'el [2 3] [1 2 3]'],
  ['{{index "abc" 1}}', {}, '98'],
  // range
  ['{{range .RepoTags}}{{.}} {{end}}', image, 'nginx:latest nginx:1.25 '],
  ['{{range $i, $t := .RepoTags}}{{$i}}={{$t}};{{end}}', image, '0=nginx:latest;1=nginx:1.25;'],
  ['{{range $v := .A}}{{$v}}{{end}}', { A: ['a', 'b'] }, 'ab'],
  ['{{range $k, $v := .M}}{{$k}}={{$v}} {{end}}', { M: { z: 1, a: 2, m: 3 } }, 'a=2 m=3 z=1 '],
  ['{{range .M}}{{.}}{{end}}', { M: { z: 1, a: 2, m: 3 } }, '231'],
  ['{{range .Empty}}x{{else}}none{{end}}', image, 'none'],
  ['{{range .Missing}}x{{else}}none{{end}}', image, 'none'],
  ['{{range .Config.Entrypoint}}x{{else}}nil{{end}}', image, 'nil'],
  ['{{range $i, $e := .A}}{{if $i}}, {{end}}{{$e}}{{end}}', { A: ['a', 'b', 'c'] }, 'a, b, c'],
  ['{{range .A}}{{range .}}{{.}}{{end}};{{end}}', { A: [[1, 2], [3]] }, '12;3;'],
  ['{{range .A}}{{$.X}}{{.}}{{end}}', { A: [1, 2], X: '-' }, '-1-2'],
  [
    '{{range .A}}{{if eq . 3}}{{break}}{{end}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}',
    { A: [1, 2, 3, 4] },
    '2',
  ],
  [
    '{{range .A}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}|{{end}}',
    { A: [[1, 2, 3], [4]] },
    '1|4|',
  ],
  ['{{range 3}}{{.}}{{end}}', {}, '012'],
  ['{{$x := 0}}{{range .A}}{{$x = .}}{{end}}{{$x}}', { A: [1, 2, 3] }, '3'],
  // if / with
  ['{{if .Running}}up{{else}}down{{end}}', image, 'up'],
  ['{{if .Running}}up{{else}}down{{end}}', { Running: false }, 'down'],
  ['{{if .A}}a{{else if .B}}b{{else if .C}}c{{else}}d{{end}}', { C: true }, 'c'],
  [
    '{{if .Empty}}y{{else}}n{{end}} {{if .Labels}}y{{end}} {{if 0}}y{{else}}n{{end}}',
    image,
    'n y n',
  ],
  ['{{with .Config}}{{.Cmd}}{{end}}', image, '[sh -c echo]'],
  ['{{with .Missing}}x{{else}}none{{end}}', image, 'none'],
  ['{{with .A}}{{.}}{{else with .B}}b={{.}}{{else}}none{{end}}', { B: 'bee' }, 'b=bee'],
  ['{{with $x := .A}}{{$x.B}}{{end}}', { A: { B: 'inner' } }, 'inner'],
  ['{{if $x := .A}}{{$x}}{{else}}[{{$x}}]{{end}}', { A: '' }, '[]'],
  // variables and pipelines
  ['{{$x := .Repository}}{{$x}}:{{.Tag}}', image, 'nginx:latest'],
  ['{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', {}, '2'],
  ['{{$x := 1}}{{with $x := 2}}{{$x}}{{end}}{{$x}}', {}, '21'],
  ['{{.Repository | upper}}', image, 'NGINX'],
  ['{{.Repository | printf "%s:%s" .Tag}}', image, 'latest:nginx'],
  ['{{.A | lower | upper | printf "<%s>"}}', { A: 'MiXed' }, '<MIXED>'],
  ['{{len .RepoTags | printf "%03d"}}', image, '002'],
  ['{{(print 1 2)}} {{(.M).x}}', { M: { x: 'mx' } }, '1 2 mx'],
  // literals
  ['{{"str"}} {{`raw\\n`}} {{true}} {{print nil}}', {}, 'str raw\\n true <nil>'],
  [
    "{{'a'}} {{0x10}} {{0o17}} {{0b101}} {{017}} {{1_000}} {{1.5e3}} {{-0.5}} {{.5}}",
    {},
    '97 16 15 5 15 1000 1500 -0.5 0.5',
  ],
  ['{{"\\u00e9\\x41\\101\\t|"}}', {}, 'éAA\t|'],
  // comments and trim markers
  ['a {{/* comment */}}b', {}, 'a b'],
  ['a  {{- /* x */ -}}  b', {}, 'ab'],
  ['{{- .A -}}  \n x \n {{- .A}}', { A: 1 }, '1x1'],
  ['{{3 -}} x {{- -3}}', {}, '3x-3'],
  ['{{- range .A }}\n{{ . }}\n{{- end }}', { A: ['a', 'b'] }, '\na\nb'],
  ['{{if .A -}}\n  yes\n{{- else -}}\n  no\n{{- end}}', { A: true }, 'yes'],
  ['{{.A\n}}', { A: 'newline inside action' }, 'newline inside action'],
  ['a}}b{{"{{"}}', {}, 'a}}b{{'],
  // comparisons and logic
  ['{{eq .S "a" "b" "c"}} {{eq .S "z"}} {{ne .N 3}}', { S: 'b', N: 3 }, 'true false false'],
  [
    '{{lt .N 5}} {{le .N 3}} {{gt .N 1}} {{ge .N 4}} {{lt "a" "b"}}',
    { N: 3 },
    'true true true false true',
  ],
  [
    '{{eq .Missing "x"}} {{eq .A .B}} {{eq .X nil}}',
    { A: null, B: null, X: 1 },
    'false true false',
  ],
  ['{{and 1 .A}} {{or 0 "" .A}} {{and 1 2 3}} {{or 0 0}} {{not .A}}', { A: 'x' }, 'x x 3 0 false'],
  [
    '{{if and .A .B}}both{{end}}{{if or .A .B}}either{{end}}{{if not .A}}none{{end}}',
    { B: 1 },
    'eithernone',
  ],
  // print family
  ['{{print 1 2 "a" "b" 3 .N .S}}', { N: null, S: [1] }, '1 2ab3 <nil> [1]'],
  ['{{println 1 2 "a"}}|', {}, '1 2 a\n|'],
  [
    '{{printf "%d %s %v %q %5s|%-5s| %x %.2f %t" 5 "x" .A "q\\n" "ab" "cd" 255 3.14159 true}}',
    { A: { k: [1, 2] } },
    '5 x map[k:[1 2]] "q\\n"    ab|cd   | ff 3.14 true',
  ],
  [
    '{{printf "%5.1f|%-8.3e|%+d|% d|%05d|%x|%X|%o|%b|%c|%U|%q" 3.14159 1234.5678 5 5 -42 -255 255 8 5 65 65 65}}',
    {},
    "  3.1|1.235e+03|+5| 5|-0042|-ff|FF|10|101|A|U+0041|'A'",
  ],
  [
    '{{printf "%6.2f|%-8.2f|%08.3f|%+.1e|%g|%G|%.3g" 3.14159 2.5 -3.14159 12345.678 0.000012345 1e-10 1234567.0}}',
    {},
    '  3.14|2.50    |-003.142|+1.2e+04|1.2345e-05|1E-10|1.23e+06',
  ],
  [
    '{{printf "%.2f %.2f %.3f %.1f %.0f %.0f"  1.005 2.675 1.0005 0.25 0.5 2.5}}',
    {},
    '1.00 2.67 1.000 0.2 0 2',
  ],
  [
    '{{printf "%d" "x"}} {{printf "%d %d" 1}} {{printf "%d" 1 2}}',
    {},
    '%!d(string=x) 1 %!d(MISSING) 1%!(EXTRA int=2)',
  ],
  [
    '{{printf "%s" .Missing}} {{printf "%v" nil}} {{printf "%%|%z" 1}}',
    {},
    '%!s(<nil>) <nil> %|%!z(int=1)',
  ],
  ['{{printf "%*d|%-*d|%.*f" 5 42 4 7 2 3.14159}}', {}, '   42|7   |3.14'],
  [
    '{{printf "%x %X %q" "héllo" .A .A}}',
    { A: ['ab', 'c"d'] },
    '68c3a96c6c6f [6162 632264] ["ab" "c\\"d"]',
  ],
  ['{{printf "%-4s|%4s|%.2s|" "日本" "é" "héllo"}}', {}, '日本  |   é|hé|'],
  // docker functions
  [
    '{{json .}}',
    { b: '<a&b>', a: [1, 2.5, null, true], c: '\u2028' },
    '{"b":"<a&b>","a":[1,2.5,null,true],"c":"\\u2028"}',
  ],
  ['{{json .Config.Env}}', image, '["PATH=/usr/local/sbin:/usr/bin","NGINX_VERSION=1.25.3"]'],
  ['{{json .Missing}} {{json 1}} {{json "x\\ty"}} {{json nil}}', {}, 'null 1 "x\\ty" null'],
  [
    '{{json .}}',
    { e: 1e-7, f: 1e21, g: 123456789012, h: '\b\f\u0001' },
    '{"e":1e-7,"f":1e+21,"g":123456789012,"h":"\\b\\f\\u0001"}',
  ],
  [
    '{{json .M}}',
    {
      M: new Map([
        ['b', 1],
        ['a', 2],
      ]),
    },
    '{"a":2,"b":1}',
  ],
  ['{{json .N}}', { N: NaN }, ''],
  ['{{join .RepoTags ","}}', image, 'nginx:latest,nginx:1.25'],
  ['{{join .Empty ","}}|{{join .Missing ","}}', image, '|'],
  [
    '{{split .Image ":"}} {{split "abc" ""}} {{len (split "a,b" ",")}}',
    { Image: 'nginx:latest' },
    '[nginx latest] [a b c] 2',
  ],
  [
    '{{lower "ABC"}} {{upper "abc"}} {{title "hello world_x y.z"}}',
    {},
    'abc ABC Hello World_x Y.Z',
  ],
  [
    '{{pad "x" 2 3}}|{{pad "" 2 3}}|{{truncate "hello" 10}}|{{truncate "hello" 2}}',
    {},
    '  x   ||hello|he',
  ],
  [
    '{{html "<a href=\'x\'>&"}} {{urlquery "a b&c"}} {{js "it\'s <b>"}}',
    {},
    "&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c it\\'s \\u003Cb\\u003E",
  ],
  // define / template / block
  ['{{define "x"}}X{{.}}{{end}}{{template "x" .A}}|{{template "x"}}', { A: 'a' }, 'Xa|X<no value>'],
  ['{{block "b" .}}B{{.}}{{end}}', 'd', 'Bd'],
];

describe('parseTemplate / execute', () => {
  for (const [src, data, want] of cases) {
    it(JSON.stringify(src), () => assert.equal(render(src, data), want));
  }

  it('calls function-valued properties as methods, with arguments', () => {
    const row = {
      name: 'web',
      Names() {
        return this.name;
      },
      Label(key: string) {
        return `label:${key}`;
      },
    };
    assert.equal(render('{{.Names}} {{.Label "a"}} {{"b" | .Label}}', row), 'web label:a label:b');
  });

  it('prints Dates as Go prints a time.Time, and json as RFC 3339', () => {
    const d = { At: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 500)) };
    assert.equal(render('{{.At}}', d), '2024-01-02 03:04:05.5 +0000 UTC');
    assert.equal(render('{{json .At}}', d), '"2024-01-02T03:04:05.5Z"');
  });

  it('can be executed many times', () => {
    const t = parseTemplate('{{.}};');
    assert.equal(t.execute(1) + t.execute('b'), '1;b;');
  });
});

/** Asserts `fn` throws InvalidArgument with exactly `message`. */
function assertInvalid(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });
}

describe('template parse errors (Go wording)', () => {
  const errors: Array<[string, string]> = [
    ['{{.Foo}', "bad character U+007D '}'"],
    ['{{.Foo-bar}}', "bad character U+002D '-'"],
    ['{{foo}}', 'function "foo" not defined'],
    ['{{if}}{{end}}', 'missing value for if'],
    ['{{end}}', 'unexpected {{end}}'],
    ['{{else}}', 'unexpected {{else}}'],
    ['{{if .A}}', 'unexpected EOF'],
    ['{{range .A}}{{break}}{{else}}{{break}}{{end}}', '{{break}} outside {{range}}'],
    ['{{continue}}', '{{continue}} outside {{range}}'],
    ['{{$x}}', 'undefined variable "$x"'],
    ['{{"abc}}', 'unterminated quoted string'],
    ['{{)}}', 'unexpected ")" in command'],
    ['{{(.A}}', 'unclosed left paren'],
    ['{{/* x */ .A}}', 'comment ends before closing delimiter'],
    ['{{/* x', 'unclosed comment'],
    ['{{.A | 1}}', 'non executable command in pipeline stage 2'],
    ['{{"x".B}}', 'unexpected . after term "\\"x\\""'],
    ['{{$x, $y := 1}}', 'too many declarations in command'],
    ['{{range $x, 1}}{{end}}', 'range can only initialize variables'],
    ['{{if .A}}{{else}}{{else}}{{end}}', 'expected end; found {{else}}'],
    ['{{3x}}', 'bad number syntax: "3x"'],
    ['{{99999999999999999999}}', 'integer overflow: "99999999999999999999"'],
    ["{{'ab'}}", "malformed character constant: 'ab'"],
    ['{{"\\q"}}', 'invalid syntax'],
    ['{{@}}', 'unexpected "@" in command'],
    [
      '{{define "a"}}x{{end}}{{define "a"}}y{{end}}',
      'template: multiple definition of template "a"',
    ],
    ['line1\n  {{if}}', 'missing value for if'],
  ];
  for (const [src, message] of errors) {
    it(JSON.stringify(src), () => {
      const line = src.startsWith('line1') ? 2 : 1;
      assertInvalid(
        () => parseTemplate(src),
        `template parsing error: template: :${line}: ${message}`,
      );
    });
  }
});

describe('template execution errors (Go wording)', () => {
  const errors: Array<[string, unknown, string]> = [
    [
      '{{.A.B}}',
      { A: null },
      ':1:4: executing "" at <.A.B>: nil pointer evaluating interface {}.B',
    ],
    [
      '{{.A.B}}',
      { A: 's' },
      ':1:4: executing "" at <.A.B>: can\'t evaluate field B in type string',
    ],
    [
      '{{index .A 5}}',
      { A: [1, 2] },
      ':1:2: executing "" at <index .A 5>: error calling index: index out of range: 5',
    ],
    [
      '{{index .Missing "a"}}',
      {},
      ':1:2: executing "" at <index .Missing "a">: error calling index: index of untyped nil',
    ],
    ['{{lower .Missing}}', {}, ':1:8: executing "" at <.Missing>: invalid value; expected string'],
    ['{{lower 3}}', {}, ':1:8: executing "" at <3>: expected string; found 3'],
    [
      '{{lower .N}}',
      { N: 3 },
      ':1:8: executing "" at <.N>: wrong type for value; expected string; got int',
    ],
    [
      '{{join .A ","}}',
      { A: [1, 'a'] },
      ':1:7: executing "" at <.A>: wrong type for value; expected []string; got []interface {}',
    ],
    ['{{1 2}}', {}, ':1:2: executing "" at <1>: can\'t give argument to non-function 1'],
    ['{{nil}}', {}, ':1:2: executing "" at <nil>: nil is not a command'],
    [
      '{{range .A}}x{{end}}',
      { A: 'str' },
      ':1:8: executing "" at <.A>: range can\'t iterate over str',
    ],
    [
      '{{eq 1 "a"}}',
      {},
      ':1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison',
    ],
    [
      '{{lt true false}}',
      {},
      ':1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison',
    ],
    [
      '{{eq .A .A}}',
      { A: [1] },
      ':1:2: executing "" at <eq .A .A>: error calling eq: non-comparable type [%!s(int=1)]: []interface {}',
    ],
    ['{{.A 1}}', { A: 1 }, ':1:2: executing "" at <.A>: A is not a method but has arguments'],
    [
      '{{upper 1 2}}',
      {},
      ':1:2: executing "" at <upper>: wrong number of args for upper: want 1 got 2',
    ],
    [
      '{{and}}',
      {},
      ':1:2: executing "" at <and>: wrong number of args for and: want at least 1 got 0',
    ],
    [
      '{{pad "x" -1 0}}',
      {},
      ':1:2: executing "" at <pad "x" -1 0>: error calling pad: strings: negative Repeat count',
    ],
    [
      '{{slice .A 2 1}}',
      { A: [1, 2, 3] },
      ':1:2: executing "" at <slice .A 2 1>: error calling slice: invalid slice index: 2 > 1',
    ],
    ['{{len 3}}', {}, ':1:2: executing "" at <len 3>: error calling len: len of type int'],
    ['{{$x = 1}}', {}, ':1:7: executing "" at <1>: undefined variable: $x'],
    [
      '{{template "nope"}}',
      {},
      ':1:11: executing "" at <{{template "nope"}}>: template "nope" not defined',
    ],
    [
      'line\n{{.A.B}}',
      { A: null },
      ':2:4: executing "" at <.A.B>: nil pointer evaluating interface {}.B',
    ],
    [
      '{{.VeryLongFieldName.AndAnotherOne.X}}',
      { VeryLongFieldName: { AndAnotherOne: 1 } },
      ':1:20: executing "" at <.VeryLongFieldName.A...>: can\'t evaluate field X in type int',
    ],
  ];
  for (const [src, data, message] of errors) {
    it(JSON.stringify(src), () => {
      const t = parseTemplate(src);
      assertInvalid(() => t.execute(data), `template parsing error: template: ${message}`);
    });
  }
});
