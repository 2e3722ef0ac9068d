/**
 * Expression evaluation for Go's text/template (text/template/exec.go): field chains,
 * variables, pipelines and function calls with Go's argument checks, raising Go's execution
 * errors (`template: :1:5: executing "" at <.A.B>: …`).
 *
 * An object property holding a function is a method: `{{.Size}}` calls it, `{{.Get "a"}}`
 * passes arguments, just as Go calls methods of the data.
 */
import { isTrue, kindOf, lookupKey, typeName } from '../gofmt/values.js';
import { location, TemplateError } from './errors.js';
import { fn, paramTypeName, type FuncDef, type FuncMap, type ParamType } from './funcs.js';
import {
  nodeString,
  type ArgNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type VariableNode,
} from './nodes.js';
import type { ParsedTemplate } from './parser.js';

/** Go's missingVal: "no final value was piped in" (distinct from a missing, undefined value). */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

/** Thrown by {{break}} and {{continue}} to unwind to the enclosing {{range}}. */
export class LoopSignal extends Error {}

export interface Variable {
  name: string;
  value: unknown;
}

/** Evaluation state: the template, its functions, the variables in scope, the current node. */
export abstract class Evaluator {
  node: Node | undefined;

  constructor(
    protected readonly tmpl: ParsedTemplate,
    protected readonly funcs: FuncMap,
    protected readonly name: string,
    protected vars: Variable[],
  ) {}

  // --- errors -------------------------------------------------------------------------------

  at(node: Node): void {
    this.node = node;
  }

  errorf(message: string): never {
    if (!this.node) throw new TemplateError(`template: ${this.name}: ${message}`);
    let context = nodeString(this.node);
    if ([...context].length > 20) context = [...context].slice(0, 20).join('') + '...';
    const where = location(this.tmpl.text, this.node.pos);
    throw new TemplateError(
      `template: ${where}: executing ${JSON.stringify(this.name)} at <${context}>: ${message}`,
    );
  }

  // --- variables ----------------------------------------------------------------------------

  protected push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }

  protected setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  protected setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // --- expressions --------------------------------------------------------------------------

  protected evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[] | undefined, final: Final): void {
    if ((args && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    const floatSyntax =
      /[.eEpP]/.test(n.text) && !/^0[xX][^pP]*$/.test(n.text) && !n.text.startsWith("'");
    if (floatSyntax || n.isInt) return n.value;
    return this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(
    dot: unknown,
    field: FieldNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ) {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(
    dot: unknown,
    chain: ChainNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ) {
    this.at(chain);
    if (chain.node.kind === 'nil')
      this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const receiver = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.fields, args, final);
  }

  private evalVariableNode(
    dot: unknown,
    variable: VariableNode,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Node,
    ident: readonly string[],
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++)
      receiver = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(
    dot: unknown,
    name: string,
    node: Node,
    args: readonly ArgNode[] | undefined,
    final: Final,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (kindOf(receiver) !== 'map')
      this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
    const { value } = lookupKey(receiver, name);
    if (typeof value === 'function') {
      const method = fn(
        [],
        (a) => (value as (...a: unknown[]) => unknown).apply(receiver, a),
        'any',
      );
      return this.evalCall(dot, method, node, name, args, final);
    }
    if ((args && args.length > 1) || final !== MISSING)
      this.errorf(`${name} is not a method but has arguments`);
    return value;
  }

  private evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Node,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(node);
    const def = this.funcs.get(node.name);
    if (!def) return this.errorf(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, def, cmd, node.name, args, final);
  }

  private evalCall(
    dot: unknown,
    def: FuncDef,
    node: Node,
    name: string,
    args: readonly ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    let numFixed = argNodes.length;
    if (def.variadic) {
      numFixed = def.params.length;
      if (numIn < numFixed) {
        this.errorf(
          `wrong number of args for ${name}: want at least ${def.params.length} got ${argNodes.length}`,
        );
      }
    } else if (numIn !== def.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${def.params.length} got ${numIn}`);
    }

    if (def.shortCircuit) {
      let v: unknown;
      for (const arg of argNodes) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v) === (def.shortCircuit === 'or')) return v;
      }
      return final !== MISSING ? this.validateType(final, 'value') : v;
    }

    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < argNodes.length; i++)
      argv.push(this.evalArg(dot, def.params[i], argNodes[i]!));
    for (; i < argNodes.length; i++) argv.push(this.evalArg(dot, def.variadic, argNodes[i]!));
    if (final !== MISSING) {
      const t = def.variadic
        ? numIn - 1 < numFixed
          ? def.params[numIn - 1]
          : def.variadic
        : def.params[def.params.length - 1];
      argv.push(this.validateType(final, t));
    }
    try {
      return def.call(argv);
    } catch (e) {
      if (e instanceof TemplateError || e instanceof LoopSignal) throw e;
      this.at(node);
      return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Evaluates an argument node for a parameter of type `t` (undefined: take it as it is). */
  private evalArg(dot: unknown, t: ParamType | undefined, n: ArgNode): unknown {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, t);
      case 'nil':
        if (t === undefined || t === 'value') return undefined;
        if (t === 'any' || t === 'strings') return null;
        return this.errorf(`cannot assign nil to ${paramTypeName(t)}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, undefined, MISSING), t);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), t);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, undefined, MISSING), t);
    }
    switch (t) {
      case 'bool':
        return n.kind === 'bool' ? n.value : this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'int':
        return n.kind === 'number' && n.isInt
          ? Number(n.value)
          : this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        return n.kind === 'string'
          ? n.text
          : this.errorf(`expected string; found ${nodeString(n)}`);
      case 'strings':
        return this.errorf(`can't handle ${nodeString(n)} for arg of type []string`);
      default:
        // interface{} and reflect.Value: the constant itself.
        return n.kind === 'bool' ? n.value : n.kind === 'number' ? this.idealConstant(n) : n.text;
    }
  }

  /** Go's validateType: checks (and for nil, converts) a value passed to a parameter. */
  private validateType(value: unknown, t: ParamType | undefined): unknown {
    if (t === undefined || t === 'value') return value;
    if (value === undefined) {
      if (t === 'any') return null;
      if (t === 'strings') return null;
      return this.errorf(`invalid value; expected ${paramTypeName(t)}`);
    }
    const ok =
      t === 'any' ||
      (t === 'string' && typeof value === 'string') ||
      (t === 'bool' && typeof value === 'boolean') ||
      (t === 'int' && kindOf(value) === 'int') ||
      (t === 'strings' &&
        (value === null || (Array.isArray(value) && value.every((e) => typeof e === 'string'))));
    if (!ok)
      this.errorf(`wrong type for value; expected ${paramTypeName(t)}; got ${typeName(value)}`);
    return t === 'int' ? Number(value) : value;
  }
}
