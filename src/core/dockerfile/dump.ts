/**
 * BuildKit's AST dump (`Node.Dump`): one `(keyword ["flags"] "args"...)` line per instruction,
 * values quoted as Go's `strconv.Quote` does. The parser conformance cases compare it byte for
 * byte; it is also a compact way to show a parse.
 */
import type { Dockerfile, Node } from './ast.js';
import { trimSpace } from './chars.js';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * Go's `strconv.Quote`: double quotes, `\"` and `\\`, short escapes for the common control
 * characters, `\xNN` for the others and DEL, printable Unicode as is, `\uNNNN`/`\UNNNNNNNN` for
 * the rest (a lone surrogate, which has no UTF-8 form, prints as `\uNNNN` too).
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp >= 0x80 && PRINTABLE.test(ch)) out += ch;
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + '"';
}

/** One instruction: `(run "echo hi")`, `(copy ["--from=a"] "x" "/")`, `(onbuild (run "x"))`. */
export function dumpNode(node: Node): string {
  let s = node.keyword;
  if (node.flags.length > 0) s += ` [${node.flags.map(goQuote).join(' ')}]`;
  for (const arg of node.args) s += ' ' + goQuote(arg);
  if (node.sub) s += ` (${dumpNode(node.sub)})`;
  return trimSpace(s);
}

/** The whole file, one line per instruction, no trailing newline. */
export const dump = (ast: Dockerfile): string =>
  ast.children.map((n) => `(${dumpNode(n)})`).join('\n');
