/**
 * Errors of template parsing and execution. The message is exactly Go's error string
 * (`template: :1: …` or `template: :1:5: executing "" at <.X>: …`); the public API wraps it the
 * way docker does.
 */
import { byteLength } from '../gofmt/quote.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Go's ErrorContext location `:line:col` for offset `pos` (column in bytes, 0-based). */
export function location(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const lastNewline = before.lastIndexOf('\n');
  const line = before.split('\n').length;
  const col = byteLength(before.slice(lastNewline + 1));
  return `:${line}:${col}`;
}
