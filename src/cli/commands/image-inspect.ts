/** `berth history`. */
import type { Command } from '../command.js';
import { humanSize } from '../format/human.js';
import { displayId, ellipsis, goTime, renderRows, since } from '../output.js';

const historyHeaders = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

/** Docker's Ellipsis: cut to `n` display characters ending in `…`. */

export const imageHistory: Command = {
  path: ['image', 'history'],
  aliases: [['history']],
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    {
      name: 'human',
      short: 'H',
      type: 'bool',
      default: true,
      description: 'Print sizes and dates in human readable format',
    },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  async run(ctx) {
    const items = await (await ctx.engine()).imageHistory(ctx.args[0]!);
    const noTrunc = ctx.flags.bool('no-trunc');
    const human = ctx.flags.bool('human');
    const rows = items.map((h) => ({
      ID: h.id ? displayId(h.id, noTrunc) : '<missing>',
      CreatedSince: human ? since(h.created) : (h.created ?? ''),
      CreatedAt: human ? goTime(h.created) : (h.created ?? ''),
      CreatedBy: noTrunc ? h.createdBy : ellipsis(h.createdBy.replace(/\t/g, ' '), 45),
      Size: human ? humanSize(h.size) : String(h.size),
      Comment: h.comment,
      Tags: h.tags,
    }));
    if (ctx.flags.bool('quiet')) {
      for (const r of rows) ctx.out(r.ID);
      return;
    }
    const table = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    ctx.stdout.write(renderRows(rows, ctx.flags.string('format'), table, historyHeaders));
  },
};
