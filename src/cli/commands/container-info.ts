/** `berth top`, `berth stats`, `berth rename`, `berth container prune`. */
import { containerStats, containerTop } from '../../engine/container-info.js';
import type { Command } from '../command.js';
import { bytesSize, humanSize } from '../format/human.js';
import { columns, renderRows, shortId } from '../output.js';
import { confirmPrune, pruneFlags, reportPruned } from '../prune.js';

export const containerTopCommand: Command = {
  path: ['container', 'top'],
  aliases: [['top']],
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  args: { min: 1 },
  stopAtFirstArg: true,
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    const [name, ...psArgs] = ctx.args as [string, ...string[]];
    const { titles, processes } = await containerTop(engine.containers, name, psArgs);
    ctx.stdout.write(columns([titles, ...processes]));
  },
};

const statsHeaders = {
  Container: 'CONTAINER ID',
  ID: 'CONTAINER ID',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

export const containerStatsCommand: Command = {
  path: ['container', 'stats'],
  aliases: [['stats']],
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Show all containers (default shows just running)',
    },
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    {
      name: 'no-stream',
      type: 'bool',
      description: 'Disable streaming stats and only pull the first result',
    },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const names =
      ctx.args.length > 0
        ? ctx.args
        : (await engine.containers.list())
            .filter((v) => ctx.flags.bool('all') || v.state.status === 'running')
            .map((v) => v.record.id);
    const table =
      'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
    for (let round = 0; round < (ctx.flags.bool('no-stream') ? 1 : 10_000); round++) {
      const rows = (await Promise.all(names.map((n) => containerStats(engine.containers, n)))).map(
        (s) => ({
          Container: ctx.flags.bool('no-trunc') ? s.id : shortId(s.id),
          ID: ctx.flags.bool('no-trunc') ? s.id : shortId(s.id),
          Name: s.name,
          CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
          MemUsage: `${bytesSize(s.memoryUsage)} / ${bytesSize(s.memoryLimit)}`,
          MemPerc: `${((s.memoryUsage / s.memoryLimit) * 100).toFixed(2)}%`,
          NetIO: '0B / 0B',
          BlockIO: `${humanSize(s.blockRead)} / ${humanSize(s.blockWrite)}`,
          PIDs: String(s.pids),
        }),
      );
      if (!ctx.flags.bool('no-stream')) ctx.stdout.write('\x1b[2J\x1b[H');
      ctx.stdout.write(renderRows(rows, ctx.flags.string('format'), table, statsHeaders));
    }
  },
};

export const containerRename: Command = {
  path: ['container', 'rename'],
  aliases: [['rename']],
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  args: { min: 2, max: 2 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.containers.rename(ctx.args[0]!, ctx.args[1]!);
  },
};

export const containerPrune: Command = {
  path: ['container', 'prune'],
  usage: '[OPTIONS]',
  summary: 'Remove all stopped containers',
  args: { max: 0 },
  flags: pruneFlags,
  async run(ctx) {
    if (!(await confirmPrune(ctx, 'all stopped containers'))) return;
    const engine = await ctx.engine();
    const r = await engine.containers.prune(ctx.flags.list('filter'));
    reportPruned(ctx, 'Deleted Containers:', r.removed, r.reclaimed);
  },
};
