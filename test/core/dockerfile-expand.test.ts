import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandText, expandWord, expandWords } from '../../src/core/dockerfile-expand.js';

const env = new Map([
  ['A', 'a'],
  ['EMPTY', ''],
  ['SP', 'x y'],
]);

test('substitutions, with and without braces and modifiers', () => {
  const cases: [string, string][] = [
    ['$A', 'a'],
    ['${A}', 'a'],
    ['pre${A}post', 'preapost'],
    ['$NOPE', ''],
    ['${NOPE:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${NOPE+alt}', ''],
    ['$', '$'],
    ['a$', 'a$'],
    ['${A:-${SP}}', 'a'],
    ['${NOPE:-${SP}}', 'x y'],
  ];
  for (const [input, want] of cases) assert.equal(expandWord(input, env), want, input);
});

test('quotes and escapes: removed, single quotes literal, double quotes expand', () => {
  assert.equal(expandWord("'$A'", env), '$A');
  assert.equal(expandWord('"$A b"', env), 'a b');
  assert.equal(expandWord('\\$A', env), '$A');
  assert.equal(expandWord('"\\"q\\""', env), '"q"');
  assert.equal(expandWord('`$A', env, '`'), '$A');
  assert.throws(() => expandWord("'open", env), /single-quote/);
  assert.throws(() => expandWord('${NOPE:?must be set}', env), /NOPE: must be set/);
  assert.throws(() => expandWord('${A', env), /missing '}'/);
});

test('words split on unquoted whitespace; heredoc text keeps its quotes', () => {
  assert.deepEqual(expandWords('80 "90 91" $SP', env), ['80', '90 91', 'x', 'y']);
  assert.equal(expandText('say "$A" and \'$A\'\n', env), 'say "a" and \'a\'\n');
});
