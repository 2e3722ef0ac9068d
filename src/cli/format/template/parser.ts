/**
 * The parser of Go's text/template (text/template/parse/parse.go): items to a tree, with Go's
 * checks and error wording (undefined functions and variables, misplaced {{else}}/{{end}},
 * {{break}} outside {{range}}, …). Includes {{define}}, {{template}} and {{block}}, and the
 * Go 1.23 forms {{else with}}.
 */
import { TemplateError } from './errors.js';
import { itemString, lex, type Item, type ItemType } from './lexer.js';
import { parseGoFloat, parseGoInt, unquoteCharConstant, unquoteString } from './literals.js';
import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from './nodes.js';

/** A parsed template: its body and the templates it {{define}}s. */
export interface ParsedTemplate {
  text: string;
  root: ListNode;
  defs: Map<string, ListNode>;
}

/** Pseudo-nodes that end an item list. */
interface EndMarker {
  kind: 'end' | 'else';
  pos: number;
}

const isEndMarker = (n: Node | EndMarker): n is EndMarker => n.kind === 'end' || n.kind === 'else';

const isEmptyTree = (list: ListNode): boolean =>
  list.nodes.every((n) => n.kind === 'comment' || (n.kind === 'text' && n.text.trim() === ''));

class Parser {
  private i = 0;
  private current: Item;
  private vars = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  readonly defs = new Map<string, ListNode>();

  constructor(
    readonly text: string,
    private readonly items: Item[],
    private readonly funcs: ReadonlySet<string>,
  ) {
    this.current = items[0]!;
  }

  // --- token stream -------------------------------------------------------------------------

  private next(): Item {
    this.current = this.items[Math.min(this.i, this.items.length - 1)]!;
    if (this.i < this.items.length) this.i++;
    return this.current;
  }
  private backup(): void {
    this.i--;
  }
  private peek(): Item {
    return this.items[Math.min(this.i, this.items.length - 1)]!;
  }
  private nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.type === 'space');
    return t;
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors -------------------------------------------------------------------------------

  errorf(message: string): never {
    throw new TemplateError(`template: :${this.current.line}: ${message}`);
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at :${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private expect(type: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  // --- templates and lists ------------------------------------------------------------------

  parse(): ListNode {
    const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const mark = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = mark;
      }
      const n = this.textOrAction();
      if (isEndMarker(n)) this.errorf(`unexpected {{${n.kind}}}`);
      else root.nodes.push(n);
    }
    return root;
  }

  /** Parses a list in a fresh variable scope, as Go does for {{define}} and {{block}} bodies. */
  private isolated<T>(body: () => T): T {
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ['$'];
    this.rangeDepth = 0;
    try {
      return body();
    } finally {
      this.vars = saved.vars;
      this.rangeDepth = saved.rangeDepth;
    }
  }

  private addDefinition(name: string, list: ListNode): void {
    const existing = this.defs.get(name);
    if (existing && !isEmptyTree(existing) && !isEmptyTree(list)) {
      this.errorf(`template: multiple definition of template ${JSON.stringify(name)}`);
    }
    if (!existing || isEmptyTree(existing)) this.defs.set(name, list);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.templateName(this.nextNonSpace(), context);
    this.expect('rightDelim', context);
    const [list, end] = this.isolated(() => this.itemList());
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addDefinition(name, list);
  }

  private itemList(): [ListNode, EndMarker] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (isEndMarker(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { kind: 'text', pos: token.pos, text: token.val };
      case 'leftDelim':
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue':
        return this.loopControl(token);
      case 'else':
        return this.elseControl();
      case 'end':
        return { kind: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with':
        return this.branchControl(token.type);
      case 'template':
        return this.templateControl();
    }
    this.backup();
    const pos = this.peek().pos;
    return { kind: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  // --- control structures -------------------------------------------------------------------

  private loopControl(token: Item): Node {
    const kind = token.type as 'break' | 'continue';
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { kind, pos: token.pos };
  }

  private elseControl(): EndMarker {
    // "{{else if …" and "{{else with …" leave the keyword pending for branchControl.
    const peek = this.peekNonSpace();
    if (peek.type === 'if' || peek.type === 'with') return { kind: 'else', pos: peek.pos };
    return { kind: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private branchControl(kind: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, 'rightDelim');
      if (kind === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (kind === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        const chained = this.peek().type;
        if (kind !== 'range' && chained === kind) {
          // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}.
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.branchControl(kind)] };
        } else {
          const [list2, end] = this.itemList();
          if (end.kind !== 'end') this.errorf(`expected end; found {{${end.kind}}}`);
          elseList = list2;
        }
      }
      return { kind, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private templateName(token: Item, context: string): string {
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    return unquoteString(token.val) ?? this.errorf('invalid syntax');
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { kind: 'template', pos: token.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const [list, end] = this.isolated(() => this.itemList());
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addDefinition(name, list);
    return { kind: 'template', pos: token.pos, name, pipe };
  }

  // --- pipelines ----------------------------------------------------------------------------

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = {
      kind: 'pipe',
      pos: this.peekNonSpace().pos,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    this.declarations(pipe, context);
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.type) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  /** `$x :=`, `$x =` and range's `$i, $v :=` at the start of a pipeline. */
  private declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') return;
      const mark = this.i;
      this.next();
      const next = this.peekNonSpace();
      const variable: VariableNode = { kind: 'variable', pos: v.pos, ident: [v.val] };
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(variable);
        this.vars.push(v.val);
        return;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(variable);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === 'variable' || t === 'rightDelim' || t === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = mark; // not a declaration: $x is an operand
      return;
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0]!.kind)) {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { kind: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${JSON.stringify(termString(node))}`);
      // falls through: errorf never returns
      default:
        return { kind: 'chain', pos, node, fields };
    }
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    const pos = token.pos;
    switch (token.type) {
      case 'identifier':
        if (!this.funcs.has(token.val))
          this.errorf(`function ${JSON.stringify(token.val)} not defined`);
        return { kind: 'identifier', pos, name: token.val };
      case 'dot':
        return { kind: 'dot', pos };
      case 'nil':
        return { kind: 'nil', pos };
      case 'variable':
        if (!this.vars.includes(token.val))
          this.errorf(`undefined variable ${JSON.stringify(token.val)}`);
        return { kind: 'variable', pos, ident: [token.val] };
      case 'field':
        return { kind: 'field', pos, ident: [token.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos, value: token.val === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        return this.number(token);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString': {
        const text = unquoteString(token.val) ?? this.errorf('invalid syntax');
        return { kind: 'string', pos, quoted: token.val, text };
      }
    }
    this.backup();
    return undefined;
  }

  /** Go's newNumber: ints (any base), floats, and character constants. */
  private number(token: Item): NumberNode {
    const text = token.val;
    const base = { kind: 'number' as const, pos: token.pos, text };
    if (token.type === 'charConstant') {
      const cp = unquoteCharConstant(text);
      if (cp === 'syntax') this.errorf('invalid syntax');
      if (cp === 'malformed') this.errorf(`malformed character constant: ${text}`);
      return { ...base, value: cp, isInt: true };
    }
    const int = token.type === 'complex' ? undefined : parseGoInt(text);
    if (int !== undefined) {
      const value =
        int >= BigInt(Number.MIN_SAFE_INTEGER) && int <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(int)
          : int;
      return { ...base, value, isInt: true };
    }
    const f = token.type === 'complex' || text.endsWith('i') ? undefined : parseGoFloat(text);
    if (f === undefined) this.errorf(`illegal number syntax: ${JSON.stringify(text)}`);
    if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${JSON.stringify(text)}`);
    return { ...base, value: f, isInt: Number.isInteger(f) && Math.abs(f) < 2 ** 63 };
  }
}

function termString(n: ArgNode): string {
  switch (n.kind) {
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'bool':
      return String(n.value);
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

/** Parses template source; throws TemplateError with Go's message on a syntax error. */
export function parse(text: string, funcs: ReadonlySet<string>): ParsedTemplate {
  const parser = new Parser(text, lex(text), funcs);
  const root = parser.parse();
  return { text, root, defs: parser.defs };
}
