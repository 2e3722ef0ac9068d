/**
 * Go text/template for `--format`, with docker's extra functions (json, join, split, lower,
 * upper, title, pad, truncate). Output, value printing and error messages follow Go and
 * docker/cli; errors are InvalidArgument with docker's `template parsing error: ` prefix.
 *
 * Data is plain JavaScript: objects are Go maps (missing keys print `<no value>`, keys sort when
 * printed or ranged over), arrays are slices, integral numbers are ints, `null` is nil, and a
 * function-valued property is a method (see template/exec.ts and gofmt/values.ts).
 */
import { invalidArgument } from '../../core/errors.js';
import { builtins } from './template/builtins.js';
import { dockerFuncs, headerFuncs } from './template/docker-funcs.js';
import { TemplateError } from './template/errors.js';
import { execute } from './template/exec.js';
import type { FuncMap } from './template/funcs.js';
import { parse, type ParsedTemplate } from './template/parser.js';

export interface Template {
  /** Renders the template over `data`; throws InvalidArgument on an execution error. */
  execute(data: unknown): string;
}

const basicFuncs: FuncMap = new Map([...builtins, ...dockerFuncs]);
const tableHeaderFuncs: FuncMap = new Map([...basicFuncs, ...headerFuncs]);
const funcNames: ReadonlySet<string> = new Set(basicFuncs.keys());

const parsingError = (e: TemplateError) => invalidArgument(`template parsing error: ${e.message}`);

/** A parsed template. */
export class GoTemplate implements Template {
  private constructor(private readonly tree: ParsedTemplate) {}

  /** Parses `src`; throws InvalidArgument `template parsing error: template: :1: …`. */
  static parse(src: string): GoTemplate {
    try {
      return new GoTemplate(parse(src, funcNames));
    } catch (e) {
      throw e instanceof TemplateError ? parsingError(e) : e;
    }
  }

  execute(data: unknown): string {
    const { output, error } = execute(this.tree, basicFuncs, data);
    if (error) throw parsingError(error);
    return output;
  }

  /**
   * Renders a table header the way docker does: with the header functions (which leave header
   * text untouched), keeping whatever was written before an error and ignoring the error.
   */
  executeHeader(headers: unknown): string {
    return execute(this.tree, tableHeaderFuncs, headers).output;
  }
}

/** Parses a Go template; throws InvalidArgument `template parsing error: template: :1: …`. */
export function parseTemplate(src: string): Template {
  return GoTemplate.parse(src);
}
