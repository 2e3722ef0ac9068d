/**
 * The parse tree of a Go text/template, mirroring text/template/parse's node types. `pos` is the
 * offset of the node in the template source (a JS string index); `String()` of each node, which
 * Go quotes in execution errors, is `nodeString`.
 */

export interface TextNode {
  kind: 'text';
  pos: number;
  text: string;
}
export interface CommentNode {
  kind: 'comment';
  pos: number;
}
export interface ListNode {
  kind: 'list';
  pos: number;
  nodes: Node[];
}
export interface ActionNode {
  kind: 'action';
  pos: number;
  pipe: PipeNode;
}
/** `if`, `range` and `with` share one shape, as in Go's BranchNode. */
export interface BranchNode {
  kind: 'if' | 'range' | 'with';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}
export interface BreakNode {
  kind: 'break' | 'continue';
  pos: number;
}
export interface TemplateNode {
  kind: 'template';
  pos: number;
  name: string;
  pipe?: PipeNode;
}
export interface PipeNode {
  kind: 'pipe';
  pos: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  kind: 'command';
  pos: number;
  args: ArgNode[];
}
export interface FieldNode {
  kind: 'field';
  pos: number;
  ident: string[];
}
export interface VariableNode {
  kind: 'variable';
  pos: number;
  ident: string[];
}
export interface ChainNode {
  kind: 'chain';
  pos: number;
  node: ArgNode;
  fields: string[];
}
export interface IdentifierNode {
  kind: 'identifier';
  pos: number;
  name: string;
}
export interface DotNode {
  kind: 'dot';
  pos: number;
}
export interface NilNode {
  kind: 'nil';
  pos: number;
}
export interface BoolNode {
  kind: 'bool';
  pos: number;
  value: boolean;
}
export interface NumberNode {
  kind: 'number';
  pos: number;
  text: string;
  /** The value a template constant evaluates to (int where Go would make it an int). */
  value: number | bigint;
  isInt: boolean;
}
export interface StringNode {
  kind: 'string';
  pos: number;
  quoted: string;
  text: string;
}

/** What may appear as an operand of a command. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | TextNode
  | CommentNode
  | ListNode
  | ActionNode
  | BranchNode
  | BreakNode
  | TemplateNode
  | CommandNode
  | ArgNode;

function argString(n: ArgNode): string {
  return n.kind === 'pipe' ? `(${nodeString(n)})` : nodeString(n);
}

/** Go's Node.String(): the node as template source. */
export function nodeString(n: Node): string {
  switch (n.kind) {
    case 'text':
      return n.text;
    case 'comment':
      return '{{/* */}}';
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const elsePart = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.kind} ${nodeString(n.pipe)}}}${nodeString(n.list)}${elsePart}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.kind}}}`;
    case 'template':
      return `{{template ${JSON.stringify(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
    case 'pipe': {
      const decl = n.decl.length
        ? `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} `
        : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map(argString).join(' ');
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain':
      return argString(n.node) + n.fields.map((f) => '.' + f).join('');
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
  }
}
