/**
 * The executor of Go's text/template (text/template/exec.go): walks the tree over JavaScript
 * data, writing text and printed values, and runs if/with/range/template. Expressions are
 * evaluated by Evaluator (eval.ts).
 */
import { formatValue } from '../gofmt/print.js';
import { isTrue, kindOf, mapEntries, typeName } from '../gofmt/values.js';
import { TemplateError } from './errors.js';
import { Evaluator, LoopSignal, type Variable } from './eval.js';
import type { FuncMap } from './funcs.js';
import { nodeString, type BranchNode, type Node, type TemplateNode } from './nodes.js';
import type { ParsedTemplate } from './parser.js';

const BREAK = new LoopSignal('break');
const CONTINUE = new LoopSignal('continue');

/** Go allows 100000 nested {{template}} calls; a JS stack holds fewer. */
const MAX_DEPTH = 1000;

/** The result of running a template: the output so far, and the error that stopped it. */
export interface ExecResult {
  output: string;
  error?: TemplateError;
}

class State extends Evaluator {
  out = '';

  constructor(
    tmpl: ParsedTemplate,
    funcs: FuncMap,
    name: string,
    vars: Variable[],
    private readonly depth: number,
  ) {
    super(tmpl, funcs, name, vars);
  }

  /** Runs `body`, then drops the variables it declared. */
  private scoped(body: () => void): void {
    const mark = this.vars.length;
    try {
      body();
    } finally {
      this.vars.length = mark;
    }
  }

  // --- statements ---------------------------------------------------------------------------

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    this.scoped(() => {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.walk(node.kind === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    });
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    this.at(node);
    this.scoped(() => {
      const val = this.evalPipeline(dot, node.pipe);
      const decl = node.pipe.decl;
      const mark = this.vars.length;
      const iteration = (index: unknown, elem: unknown): boolean => {
        if (node.pipe.isAssign) {
          if (decl.length > 1) this.setVar(decl[0]!.ident[0]!, index);
          if (decl.length > 0) this.setVar(decl[decl.length - 1]!.ident[0]!, elem);
        } else {
          if (decl.length > 0) this.setTopVar(1, elem);
          if (decl.length > 1) this.setTopVar(2, index);
        }
        try {
          this.walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let ran = false;
      switch (kindOf(val)) {
        case 'slice':
          ran = (val as unknown[]).length > 0;
          (val as unknown[]).every((elem, i) => iteration(i, elem ?? null));
          break;
        case 'map': {
          const entries = mapEntries(val as object);
          ran = entries.length > 0;
          entries.every(([k, elem]) => iteration(k, elem));
          break;
        }
        case 'int': {
          // Go 1.22: {{range 5}} counts 0..4.
          if (decl.length > 1)
            this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
          const n = Number(val);
          ran = n > 0;
          for (let i = 0; i < n && iteration(undefined, i); i++);
          break;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && node.elseList) this.walk(dot, node.elseList);
    });
  }

  private walkTemplate(dot: unknown, node: TemplateNode): void {
    this.at(node);
    const list = this.tmpl.defs.get(node.name);
    if (!list) this.errorf(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const sub = new State(
      this.tmpl,
      this.funcs,
      node.name,
      [{ name: '$', value: newDot }],
      this.depth + 1,
    );
    try {
      sub.walk(newDot, list);
    } finally {
      this.out += sub.out;
    }
  }

  private printValue(node: Node, v: unknown): void {
    this.at(node);
    if (typeof v === 'function')
      this.errorf(`can't print ${nodeString(node)} of type ${typeName(v)}`);
    this.out += v === undefined ? '<no value>' : formatValue(v);
  }
}

/** Runs a parsed template over `data` with the given functions. */
export function execute(tmpl: ParsedTemplate, funcs: FuncMap, data: unknown): ExecResult {
  const root = data === null ? undefined : data;
  const state = new State(tmpl, funcs, '', [{ name: '$', value: root }], 0);
  try {
    state.walk(root, tmpl.root);
    return { output: state.out };
  } catch (e) {
    if (e instanceof TemplateError) return { output: state.out, error: e };
    throw e;
  }
}
