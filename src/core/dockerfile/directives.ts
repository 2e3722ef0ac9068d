/**
 * Parser directives: `# name=value` lines at the very top of a Dockerfile. Reading stops for good
 * at the first line that is not a known directive (a blank line, any other comment, an
 * instruction). A repeated directive and an escape token other than `\` or `` ` `` are errors.
 */
import type { Directive, EscapeToken } from './ast.js';
import { invalidArgument } from '../errors.js';

// Go's `\s` is [\t\n\f\r ]; `.` is anything but a newline.
const DIRECTIVE =
  /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

export class DirectiveReader {
  escapeToken: EscapeToken = '\\';
  readonly directives: Directive[] = [];
  private done = false;
  private readonly seen = new Set<string>();

  /**
   * Looks at one physical line (line ending removed). Returns whether it was a directive; throws
   * an InvalidArgument (without location) for a repeated directive or a bad escape token.
   */
  read(line: string, lineNo: number): boolean {
    if (this.done) return false;
    const m = DIRECTIVE.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (!m || name === undefined || !KNOWN.has(name)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(name)) throw invalidArgument(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    const value = m[2]!;
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw invalidArgument(`invalid escape token '${value}' does not match \` or \\`);
      }
      this.escapeToken = value;
    }
    this.directives.push({ name, value, line: lineNo });
    return true;
  }
}
