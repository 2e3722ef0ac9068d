// Runs BuildKit's Dockerfile parser conformance data (test/conformance/dockerfile-parser, a copy
// of ../shared/conformance): every positive case's AST dump against its `result`, every negative
// case as an error, and the tables extracted from the upstream Go tests (word splitting, line
// ranges, empty-continuation warnings, the line-length limit, heredocs).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  chompHeredocContent,
  dump,
  heredocsFromLine,
  parseDockerfile,
  parseErrorLocation,
  parseHeredoc,
  parseWords,
} from '../../src/core/dockerfile/parser.js';

const base = new URL('../conformance/dockerfile-parser/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, base));
const readJson = <T>(path: string) => JSON.parse(read(path).toString('utf8')) as T;
const cases = (dir: string) => readdirSync(new URL(dir, base)).sort();

const rejects = (fn: () => unknown, message?: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });

interface ParserCases {
  parseWords: { cases: { input: string; expect: string[] }[] };
  lineNumbers: {
    dockerfile: string;
    root: { startLine: number; endLine: number };
    children: [number, number][];
  };
  emptyContinuationWarnings: {
    dockerfile: string;
    warningCount: number;
    warningsContain: string[][];
    detailContains: string;
  };
  lineTooLong: {
    dockerfileTemplate: string;
    fill: { char: string; count: number };
    expectedError: string;
  };
}

interface HeredocJson {
  Name: string;
  FileDescriptor: number;
  Expand: boolean;
  Chomp: boolean;
  Content: string;
}

interface HeredocCases {
  extractsHeredoc: {
    dockerfile: string;
    expected: { comment: string; heredocs: HeredocJson[] | null }[];
  };
  jsonFormHasNoHeredoc: { dockerfile: string };
  chomp: { input: string; expected: string };
  parseHeredocWord: { valid: string[]; invalid: string[]; notHeredoc: string[] };
  heredocsFromLine: { line: string; heredocNames: string[] | null }[];
}

describe('Dockerfile parser conformance: testfiles', () => {
  const names = cases('testfiles');
  it('has all 33 cases', () => assert.equal(names.length, 33));
  for (const name of names) {
    it(name, () => {
      const result = parseDockerfile(read(`testfiles/${name}/Dockerfile`));
      assert.equal(dump(result.ast) + '\n', read(`testfiles/${name}/result`).toString('utf8'));
    });
  }
});

describe('Dockerfile parser conformance: testfiles-negative', () => {
  const names = cases('testfiles-negative');
  it('has all 4 cases', () => assert.equal(names.length, 4));
  for (const name of names) {
    it(name, () => rejects(() => parseDockerfile(read(`testfiles-negative/${name}/Dockerfile`))));
  }
});

describe('Dockerfile parser conformance: parser-cases.json', () => {
  const data = readJson<ParserCases>('extracted/parser-cases.json');

  for (const { input, expect } of data.parseWords.cases) {
    it(`parseWords ${JSON.stringify(input)}`, () =>
      assert.deepEqual(parseWords(input, '\\'), expect));
  }

  it('line numbers of testfile-line', () => {
    const { ast } = parseDockerfile(read(data.lineNumbers.dockerfile));
    assert.deepEqual(
      [ast.startLine, ast.endLine],
      [data.lineNumbers.root.startLine, data.lineNumbers.root.endLine],
    );
    assert.deepEqual(
      ast.children.map((n) => [n.startLine, n.endLine]),
      data.lineNumbers.children,
    );
  });

  it('warns on empty continuation lines', () => {
    const spec = data.emptyContinuationWarnings;
    const { warnings } = parseDockerfile(spec.dockerfile);
    assert.equal(warnings.length, spec.warningCount);
    spec.warningsContain.forEach((parts, i) => {
      for (const part of parts) assert.ok(warnings[i]!.short.includes(part), warnings[i]!.short);
      assert.ok(warnings[i]!.detail.some((d) => d.includes(spec.detailContains)));
    });
  });

  it('rejects a line over the maximum size', () => {
    const spec = data.lineTooLong;
    const fill = spec.fill.char.repeat(spec.fill.count);
    const src = spec.dockerfileTemplate.replace('%s', fill);
    rejects(() => parseDockerfile(src), spec.expectedError);
    // one byte less is fine
    const ok = spec.dockerfileTemplate.replace('%s', fill.slice(0, -'\t\tLABEL test='.length - 1));
    assert.equal(parseDockerfile(ok).ast.children.length, 2);
  });
});

describe('Dockerfile parser conformance: heredoc-cases.json', () => {
  const data = readJson<HeredocCases>('extracted/heredoc-cases.json');

  it('extracts heredocs per instruction', () => {
    const { ast } = parseDockerfile(data.extractsHeredoc.dockerfile);
    const { expected } = data.extractsHeredoc;
    assert.equal(ast.children.length, expected.length + 1);
    expected.forEach(({ comment, heredocs }, i) => {
      const got = ast.children[i + 1]!.heredocs.map((h) => ({
        Name: h.name,
        FileDescriptor: h.fileDescriptor,
        Expand: h.expand,
        Chomp: h.chomp,
        Content: h.content,
      }));
      assert.deepEqual(got, heredocs ?? [], comment);
    });
  });

  it('finds no heredoc in the JSON form', () => {
    const { ast } = parseDockerfile(data.jsonFormHasNoHeredoc.dockerfile);
    for (const i of [1, 2, 3]) assert.deepEqual(ast.children[i]!.heredocs, []);
  });

  it('chomps leading tabs', () =>
    assert.equal(chompHeredocContent(data.chomp.input), data.chomp.expected));

  const words = data.parseHeredocWord;
  for (const word of words.valid) {
    it(`parses heredoc word ${word}`, () => assert.equal(parseHeredoc(word)?.name, 'EOF'));
  }
  for (const word of words.invalid) {
    it(`rejects heredoc word ${word}`, () => rejects(() => parseHeredoc(word)));
  }
  for (const word of words.notHeredoc) {
    it(`does not take ${JSON.stringify(word)} for a heredoc`, () =>
      assert.equal(parseHeredoc(word), null));
  }

  for (const { line, heredocNames } of data.heredocsFromLine) {
    it(`heredocs of ${line}`, () =>
      assert.deepEqual(
        heredocsFromLine(line).map((h) => h.name),
        heredocNames ?? [],
      ));
  }
});

describe('Dockerfile parser', () => {
  it('reads directives and the backtick escape', () => {
    const r = parseDockerfile(
      '# syntax=docker/dockerfile:1\n#CHECK = skip=all\n# escape=`\nFROM a\n',
    );
    assert.equal(r.escapeToken, '`');
    assert.deepEqual(r.directives, [
      { name: 'syntax', value: 'docker/dockerfile:1', line: 1 },
      { name: 'check', value: 'skip=all', line: 2 },
      { name: 'escape', value: '`', line: 3 },
    ]);
  });

  it('rejects a repeated directive and a bad escape token, with the line', () => {
    for (const [src, message, line] of [
      ['# escape=`\n# escape=\\\nFROM a', 'only one escape parser directive can be used', 2],
      ['# syntax=a\n# escape=x\nFROM a', "invalid escape token 'x' does not match ` or \\", 2],
    ] as const) {
      assert.throws(
        () => parseDockerfile(src),
        (e: unknown) => {
          assert.ok(isBerthError(e, 'InvalidArgument'));
          assert.equal(e.message, message);
          assert.deepEqual(parseErrorLocation(e), { startLine: line, endLine: line });
          return true;
        },
      );
    }
  });

  it('keeps flags, case, JSON form and line ranges for the builder', () => {
    const { ast } = parseDockerfile(
      'from alpine AS build\r\nRUN --mount=type=cache,target=/root/.cache \\\r\n  make\r\n' +
        'copy --from=build --chown=1:1 ["a b", "/c"]\r\nCoppy x\r\n',
    );
    const [from, run, copy, bad] = ast.children;
    assert.deepEqual(from!.args, ['alpine', 'AS', 'build']);
    assert.deepEqual(run!.flags, ['--mount=type=cache,target=/root/.cache']);
    assert.deepEqual([run!.args, run!.json, run!.startLine, run!.endLine], [['make'], false, 2, 3]);
    assert.deepEqual(
      [copy!.keyword, copy!.flags, copy!.args, copy!.json],
      ['copy', ['--from=build', '--chown=1:1'], ['a b', '/c'], true],
    );
    assert.deepEqual([bad!.value, bad!.keyword, bad!.args], ['Coppy', 'coppy', ['']]);
  });

  it('reads heredocs under ONBUILD and reports an unterminated one', () => {
    const { ast } = parseDockerfile('FROM a\nONBUILD RUN <<-EOF\n\techo hi\n\tEOF\nRUN x\n');
    const onbuild = ast.children[1]!;
    assert.equal(onbuild.sub?.keyword, 'run');
    assert.deepEqual(
      onbuild.heredocs.map((h) => [h.name, h.chomp, h.content]),
      [['EOF', true, '\techo hi\n']],
    );
    assert.deepEqual([onbuild.startLine, onbuild.endLine], [2, 4]);
    assert.throws(
      () => parseDockerfile('FROM a\nRUN <<EOF\necho\n'),
      (e: unknown) => {
        assert.ok(isBerthError(e, 'InvalidArgument'));
        assert.equal(e.message, 'unterminated heredoc');
        assert.deepEqual(parseErrorLocation(e), { startLine: 2, endLine: 3 });
        return true;
      },
    );
  });

  it('rejects a name/value word without =', () =>
    rejects(
      () => parseDockerfile('FROM a\nLABEL a=b c\n'),
      'Syntax error - can\'t find = in "c". Must be of the form: name=value',
    ));
});
