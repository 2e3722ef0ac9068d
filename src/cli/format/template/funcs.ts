/**
 * How template functions are declared. Go checks each argument against the function's
 * parameter types; these are the types our functions use:
 *
 * - `value`: reflect.Value (builtins such as eq, index, len): anything, a missing value included;
 * - `any`: interface{} (print, json, …): anything, a missing value becoming nil;
 * - `string`, `int`, `bool`, `strings` ([]string): checked, with Go's "wrong type" errors.
 */

export type ParamType = 'value' | 'any' | 'string' | 'int' | 'bool' | 'strings';

export interface FuncDef {
  params: readonly ParamType[];
  /** Type of the trailing variadic parameter, if the function is variadic. */
  variadic?: ParamType;
  /** `and`/`or`: arguments are evaluated lazily, left to right. */
  shortCircuit?: 'and' | 'or';
  /** Runs the function; a thrown Error becomes `error calling NAME: MESSAGE`. */
  call(args: unknown[]): unknown;
}

export type FuncMap = ReadonlyMap<string, FuncDef>;

/** Go's spelling of a parameter type, for error messages. */
export function paramTypeName(t: ParamType): string {
  switch (t) {
    case 'value':
      return 'reflect.Value';
    case 'any':
      return 'interface {}';
    case 'strings':
      return '[]string';
    default:
      return t;
  }
}

/** Shorthand for declaring a function. */
export function fn(
  params: readonly ParamType[],
  call: (args: unknown[]) => unknown,
  variadic?: ParamType,
): FuncDef {
  return { params, call, variadic };
}
