/**
 * A parsed Dockerfile as stages (pure): the ARGs before the first FROM, each stage's base,
 * name and instructions, the target, and which stages the target needs (FROM another stage,
 * `COPY --from`, `RUN --mount=…,from=`), so only those are built and independent ones together.
 */
import { parseError, type Node } from './dockerfile/ast.js';
import { expandWord } from './dockerfile-expand.js';
import { invalidArgument } from './errors.js';

export interface StagePlan {
  /** The FROM argument as written (expanded with the global ARGs when built). */
  from: string;
  /** `AS name`, lower-cased. */
  name?: string;
  nodes: Node[];
  line: number;
}

export interface BuildPlan {
  stages: StagePlan[];
  /** The ARGs declared before the first FROM, with their values. */
  globalArgs: Map<string, string>;
  target: number;
  /** Stage index → the stages it uses; only stages the target needs are present. */
  needs: Map<number, Set<number>>;
}

export function planStages(
  nodes: Node[],
  opts: { buildArgs: Record<string, string | undefined>; target?: string; escape: string },
): BuildPlan {
  const globalArgs = new Map<string, string>();
  const stages: StagePlan[] = [];
  for (const node of nodes) {
    if (node.keyword === 'from') {
      const asIdx = node.args.findIndex((a) => a.toLowerCase() === 'as');
      stages.push({
        from: node.args[0] ?? '',
        name: asIdx > 0 ? node.args[asIdx + 1]?.toLowerCase() : undefined,
        nodes: [],
        line: node.startLine,
      });
    } else if (stages.length === 0) {
      if (node.keyword !== 'arg')
        throw parseError('no build stage in current context', node.startLine);
      for (const a of node.args) {
        const [k, v] = a.split(/=(.*)/s) as [string, string | undefined];
        const value =
          opts.buildArgs[k] ??
          (v !== undefined ? expandWord(v, globalArgs, opts.escape) : undefined);
        if (value !== undefined) globalArgs.set(k, value);
        else globalArgs.delete(k);
      }
    } else stages.at(-1)!.nodes.push(node);
  }
  if (stages.length === 0) throw invalidArgument('file with no instructions');
  let target = stages.length - 1;
  if (opts.target) {
    target = stages.findIndex((s) => s.name === opts.target!.toLowerCase());
    if (target < 0) throw invalidArgument(`target stage "${opts.target}" could not be found`);
  }
  return { stages, globalArgs, target, needs: stageNeeds(stages, target, globalArgs, opts.escape) };
}

/** A stage reference (`name` or index) to a stage before `before`. */
export function stageIndex(stages: StagePlan[], ref: string, before = stages.length) {
  const r = ref.toLowerCase();
  const i = /^\d+$/.test(r) ? Number(r) : stages.findIndex((s) => s.name === r);
  return i >= 0 && i < before ? i : undefined;
}

function stageNeeds(
  stages: StagePlan[],
  target: number,
  globals: Map<string, string>,
  escape: string,
): Map<number, Set<number>> {
  const needs = new Map<number, Set<number>>();
  const visit = (i: number) => {
    if (needs.has(i)) return;
    const deps = new Set<number>();
    needs.set(i, deps);
    const s = stages[i]!;
    const refs = [expandWord(s.from, globals, escape)];
    for (const n of s.nodes)
      for (const f of n.flags) {
        const ref = /^--from=(.*)$/s.exec(f)?.[1] ?? /^--mount=.*\bfrom=([^,]+)/s.exec(f)?.[1];
        if (ref !== undefined) refs.push(ref);
      }
    for (const ref of refs) {
      const dep = stageIndex(stages, ref, i);
      if (dep === undefined) continue;
      deps.add(dep);
      visit(dep);
    }
  };
  visit(target);
  return needs;
}
