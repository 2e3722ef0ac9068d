/** What the three prune commands share: Docker's question, flags and report. */
import type { Context } from './command.js';
import type { FlagSpec } from './flags.js';
import { humanSize } from './format/human.js';
import { confirm } from './prompt.js';

export const pruneFlags: FlagSpec[] = [
  {
    name: 'filter',
    type: 'list',
    valueName: 'filter',
    description: 'Provide filter values (e.g. "until=<timestamp>")',
  },
  { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
];

/** Docker's warning, unless `--force`; true to go ahead. */
export function confirmPrune(ctx: Context, what: string): Promise<boolean> {
  if (ctx.flags.bool('force')) return Promise.resolve(true);
  return confirm(
    ctx,
    `WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `,
  );
}

/** `Deleted Containers:` and its lines (when any), then the reclaimed space. */
export function reportPruned(
  ctx: Context,
  heading: string,
  lines: string[],
  reclaimed: number,
): void {
  if (lines.length > 0) {
    ctx.out(heading);
    for (const l of lines) ctx.out(l);
    ctx.out('');
  }
  ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}`);
}
