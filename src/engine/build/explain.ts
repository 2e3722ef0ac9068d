/**
 * `build --explain-cache`: every build remembers the inputs of each step (by stage and position,
 * per context and Dockerfile); at the first step that misses the cache, the inputs are compared
 * with last time's and the difference is said in words: the instruction, a build argument, the
 * files it copies, or the image below it.
 */
import { readJsonFile, writeFileAtomic } from '../../sys/atomic-file.js';

export interface StepInputs {
  parent: string;
  original: string;
  flags: string[];
  heredocs: string[];
  extra: unknown;
}

interface Recorded extends StepInputs {
  files?: Record<string, string>;
}

type Store = Record<string, Record<string, Recorded>>;

export class Explainer {
  private previous?: Promise<Record<string, Recorded>>;
  private readonly current: Record<string, Recorded> = {};
  private explained = false;

  constructor(
    private readonly file: string,
    private readonly build: string,
  ) {}

  /** Last time's inputs, read on first use: a build that misses nothing never reads them. */
  private load(): Promise<Record<string, Recorded>> {
    this.previous ??= readJsonFile<Store>(this.file).then((all) => all?.[this.build] ?? {});
    return this.previous;
  }

  /** The inputs of a step that missed (a hit's inputs were recorded when its result was made). */
  record(position: string, inputs: StepInputs, files?: Record<string, string>): void {
    this.current[position] = { ...inputs, ...(files ? { files } : {}) };
  }

  /** Keep this build's misses (a no-change rebuild writes nothing). */
  async save(): Promise<void> {
    if (Object.keys(this.current).length === 0) return;
    const all = (await readJsonFile<Store>(this.file)) ?? {};
    all[this.build] = { ...all[this.build], ...this.current };
    await writeFileAtomic(this.file, JSON.stringify(all));
  }

  /** Why the step at `position` missed (once per build: later misses follow from it). */
  async explainOnce(position: string, say: (line: string) => void): Promise<void> {
    if (this.explained) return;
    this.explained = true;
    const previous = await this.load();
    for (const line of explain(previous[position], this.current[position])) say(line);
  }
}

export function explain(before: Recorded | undefined, now: Recorded | undefined): string[] {
  if (!now) return [];
  if (!before) return ['cache miss: no earlier build of this step was recorded'];
  const out: string[] = [];
  if (before.original !== now.original)
    out.push(`cache miss: the instruction changed (was: ${before.original.trim()})`);
  if (before.parent !== now.parent)
    out.push('cache miss: the image it builds on changed (the base image, or an earlier step)');
  const fromOf = (r: Recorded) => (r.extra as { from?: string } | undefined)?.from;
  if (fromOf(before) !== fromOf(now))
    out.push('cache miss: the stage or image it copies from changed');
  const a = JSON.stringify(before.extra);
  const b = JSON.stringify(now.extra);
  if (before.files || now.files) {
    const was = before.files ?? {};
    const is = now.files ?? {};
    const changed = Object.keys(is).filter((f) => f in was && was[f] !== is[f]);
    const added = Object.keys(is).filter((f) => !(f in was));
    const removed = Object.keys(was).filter((f) => !(f in is));
    const list = (xs: string[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? ', …' : '');
    if (changed.length) out.push(`cache miss: files changed: ${list(changed)}`);
    if (added.length) out.push(`cache miss: files added: ${list(added)}`);
    if (removed.length) out.push(`cache miss: files removed: ${list(removed)}`);
  } else if (a !== b && fromOf(before) === fromOf(now))
    out.push(`cache miss: its build arguments or mounts changed (was: ${a}, now: ${b})`);
  if (
    JSON.stringify(before.flags) !== JSON.stringify(now.flags) &&
    before.original === now.original
  )
    out.push('cache miss: its flags changed');
  if (out.length === 0)
    out.push('cache miss: same inputs as last time: the cached result was pruned');
  return out;
}
