/** `berth system df`, `berth system check`. */
import { confirmPrune } from '../prune.js';
import type { Command } from '../command.js';
import { humanSize } from '../format/human.js';
import { renderRows } from '../output.js';

const dfHeaders = {
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Size: 'SIZE',
  Reclaimable: 'RECLAIMABLE',
};

const reclaimable = (bytes: number, total: number) =>
  total > 0 ? `${humanSize(bytes)} (${Math.round((bytes * 100) / total)}%)` : humanSize(bytes);

export const systemDf: Command = {
  path: ['system', 'df'],
  usage: '[OPTIONS]',
  summary: 'Show berth disk usage',
  args: { max: 0 },
  flags: [
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    {
      name: 'verbose',
      short: 'v',
      type: 'bool',
      description: 'Show detailed information on space usage',
    },
  ],
  async run(ctx) {
    const du = await (await ctx.engine()).diskUsage();
    const row = (
      type: string,
      u: { total: number; active: number; size: number; reclaimable: number },
    ) => ({
      Type: type,
      TotalCount: String(u.total),
      Active: String(u.active),
      Size: humanSize(u.size),
      Reclaimable: reclaimable(u.reclaimable, u.size),
    });
    const rows = [
      row('Images', du.images),
      row('Containers', du.containers),
      row('Local Volumes', du.volumes),
      row('Build Cache', du.buildCache),
    ];
    const table = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
    ctx.stdout.write(renderRows(rows, ctx.flags.string('format'), table, dfHeaders));
  },
};

export const systemCheck: Command = {
  path: ['system', 'check'],
  usage: '[OPTIONS]',
  summary: 'Verify every blob, snapshot and image; remove leftovers and orphans',
  args: { max: 0 },
  flags: [{ name: 'no-repair', type: 'bool', description: 'Only report problems, change nothing' }],
  async run(ctx) {
    const { findings } = await (await ctx.engine()).check({ repair: !ctx.flags.bool('no-repair') });
    for (const f of findings) ctx.out(`${f.repaired ? 'repaired' : 'problem'}: ${f.problem}`);
    const left = findings.filter((f) => !f.repaired).length;
    if (findings.length === 0) ctx.out('the store is clean');
    else if (left === 0)
      ctx.out(`${findings.length} problem(s) found and repaired; the store is clean`);
    else ctx.out(`${left} problem(s) remain`);
    return left === 0 ? 0 : 1;
  },
};

export const systemReset: Command = {
  path: ['system', 'reset'],
  usage: '[OPTIONS]',
  summary: 'Remove all containers, networks, volumes and images, and berth’s state',
  args: { max: 0 },
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
  ],
  async run(ctx) {
    const what =
      'all containers, networks (with their bridges and firewall rules), volumes and images, and the state directories';
    if (!(await confirmPrune(ctx, what))) return;
    await (await ctx.engine()).reset();
  },
};
