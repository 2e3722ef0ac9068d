/** `berth volume create|ls|inspect|rm|prune`. */
import type { Command } from '../command.js';
import { keyValues } from '../flags.js';
import { confirmPrune, pruneFlags, reportPruned } from '../prune.js';
import { inspectEach } from '../each.js';
import { renderRows } from '../output.js';

/** Docker's VolumeInspect document. */
const volumeJson = (v: {
  name: string;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string;
  mountpoint: string;
}) => ({
  CreatedAt: v.createdAt.replace(/\.\d+Z$/, 'Z'),
  Driver: v.driver,
  Labels: Object.keys(v.labels).length ? v.labels : null,
  Mountpoint: v.mountpoint,
  Name: v.name,
  Options: Object.keys(v.options).length ? v.options : null,
  Scope: 'local',
});

export const volumeCreate: Command = {
  path: ['volume', 'create'],
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume',
  args: { max: 1 },
  flags: [
    {
      name: 'driver',
      short: 'd',
      type: 'string',
      description: 'Specify volume driver name',
      default: 'local',
    },
    { name: 'label', type: 'list', description: 'Set metadata for a volume' },
    { name: 'name', type: 'string', description: 'Specify volume name', hidden: true },
    {
      name: 'opt',
      short: 'o',
      type: 'list',
      valueName: 'map',
      description: 'Set driver specific options',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { volume } = await engine.volumes.create(ctx.args[0] ?? ctx.flags.string('name'), {
      driver: ctx.flags.string('driver'),
      labels: keyValues(ctx.flags.list('label')),
      options: keyValues(ctx.flags.list('opt')),
    });
    ctx.out(volume.name);
  },
};

export const volumeList: Command = {
  path: ['volume', 'ls'],
  aliases: [['volume', 'list']],
  usage: '[OPTIONS]',
  summary: 'List volumes',
  args: { max: 0 },
  flags: [
    {
      name: 'filter',
      short: 'f',
      type: 'list',
      valueName: 'filter',
      description: "Provide filter values (e.g. 'dangling=true')",
    },
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display volume names' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const vols = await engine.volumes.list(ctx.flags.list('filter'));
    if (ctx.flags.bool('quiet')) {
      for (const v of vols) ctx.out(v.volume.name);
      return;
    }
    const rows = vols.map(({ volume: v }) => ({
      Driver: v.driver,
      Name: v.name,
      Mountpoint: v.mountpoint,
      Scope: 'local',
      Labels: Object.entries(v.labels)
        .map(([k, val]) => `${k}=${val}`)
        .join(','),
      Size: 'N/A',
      Links: 'N/A',
    }));
    const headers = {
      Driver: 'DRIVER',
      Name: 'VOLUME NAME',
      Mountpoint: 'MOUNTPOINT',
      Scope: 'SCOPE',
      Labels: 'LABELS',
      Size: 'SIZE',
      Links: 'LINKS',
    };
    ctx.stdout.write(
      renderRows(rows, ctx.flags.string('format'), 'table {{.Driver}}\t{{.Name}}', headers),
    );
  },
};

export const volumeInspect: Command = {
  path: ['volume', 'inspect'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  args: { min: 1 },
  flags: [
    {
      name: 'format',
      short: 'f',
      type: 'string',
      description: 'Format output using a custom template',
    },
  ],
  run: (ctx) =>
    inspectEach(
      ctx,
      async (engine, name) => volumeJson(await engine.volumes.inspect(name)),
      'Error: ',
    ),
};

export const volumeRemove: Command = {
  path: ['volume', 'rm'],
  aliases: [['volume', 'remove']],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  args: { min: 1 },
  flags: [
    {
      name: 'force',
      short: 'f',
      type: 'bool',
      description: 'Force the removal of one or more volumes',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    let failed = false;
    for (const name of ctx.args) {
      try {
        await engine.volumes.remove(name, ctx.flags.bool('force'));
        ctx.out(name);
      } catch (e) {
        ctx.err(`Error: ${(e as Error).message}`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

export const volumePrune: Command = {
  path: ['volume', 'prune'],
  usage: '[OPTIONS]',
  summary: 'Remove unused local volumes',
  args: { max: 0 },
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Remove all unused volumes, not just anonymous ones',
    },
    ...pruneFlags,
  ],
  async run(ctx) {
    const all = ctx.flags.bool('all');
    const what = all
      ? 'all local volumes not used by at least one container'
      : 'anonymous local volumes not used by at least one container';
    if (!(await confirmPrune(ctx, what))) return;
    const engine = await ctx.engine();
    const r = await engine.volumes.prune({ all, filters: ctx.flags.list('filter') });
    reportPruned(ctx, 'Deleted Volumes:', r.removed, r.reclaimed);
  },
};
