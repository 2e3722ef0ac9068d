/** `berth tag`, `berth rmi`, `berth image prune`, `berth image builtin`. */
import type { Command } from '../command.js';
import { confirmPrune, pruneFlags, reportPruned } from '../prune.js';

export const imageTag: Command = {
  path: ['image', 'tag'],
  aliases: [['tag']],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  args: { min: 2, max: 2 },
  flags: [],
  async run(ctx) {
    await (await ctx.engine()).tagImage(ctx.args[0]!, ctx.args[1]!);
  },
};

export const imageRemove: Command = {
  path: ['image', 'rm'],
  aliases: [['image', 'remove'], ['rmi']],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
  ],
  async run(ctx) {
    let failed = false;
    const engine = await ctx.engine();
    await engine.removeImages(ctx.args, { force: ctx.flags.bool('force') }, (_name, result) => {
      if (result instanceof Error) {
        // as Docker: with --force a name that does not exist is not an error
        if (ctx.flags.bool('force') && (result as { kind?: string }).kind === 'NotFound') return;
        ctx.err(`Error: ${result.message}`);
        failed = true;
        return;
      }
      for (const u of result.untagged) ctx.out(`Untagged: ${u}`);
      for (const d of result.deleted) ctx.out(`Deleted: ${d}`);
    });
    return failed ? 1 : 0;
  },
};

export const imagePrune: Command = {
  path: ['image', 'prune'],
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  args: { max: 0 },
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Remove all unused images, not just dangling ones',
    },
    ...pruneFlags,
  ],
  async run(ctx) {
    const all = ctx.flags.bool('all');
    const what = all
      ? 'all images without at least one container associated to them'
      : 'all dangling images';
    if (!(await confirmPrune(ctx, what))) return;
    const r = await (await ctx.engine()).pruneImages({ all, filters: ctx.flags.list('filter') });
    const lines = [
      ...r.untagged.map((u) => `untagged: ${u}`),
      ...r.deleted.map((d) => `deleted: ${d}`),
    ];
    reportPruned(ctx, 'Deleted Images:', lines, r.reclaimed);
  },
};

export const imageBuiltin: Command = {
  path: ['image', 'builtin'],
  usage: '[OPTIONS] NAME',
  summary: 'Create a built-in base image that needs no registry (busybox)',
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'from',
      type: 'string',
      valueName: 'path',
      description: 'The static busybox binary to use',
      default: '/bin/busybox',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { record } = await engine.createBuiltinImage(ctx.args[0]!, {
      busybox: ctx.flags.string('from'),
    });
    ctx.out(record.id);
  },
};
