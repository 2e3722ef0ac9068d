/** `berth images` / `berth image ls`. */
import type { ImageSummary } from '../../engine/engine.js';
import type { Command } from '../command.js';
import { humanSize } from '../format/human.js';
import { displayId, goTime, renderRows, since } from '../output.js';

const headers = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

interface Row {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

/** One row per name, `<none>` rows for untagged images, as Docker lists them. */
function rowsOf(img: ImageSummary, noTrunc: boolean): Row[] {
  const base = {
    Containers: 'N/A',
    CreatedAt: goTime(img.created),
    CreatedSince: since(img.created),
    ID: displayId(img.id, noTrunc),
    SharedSize: 'N/A',
    Size: humanSize(img.size),
    UniqueSize: 'N/A',
    VirtualSize: humanSize(img.size),
  };
  const digestOf = (repo: string) =>
    img.repoDigests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1] ?? '<none>';
  const rows: Row[] = img.repoTags.map((t) => {
    const i = t.lastIndexOf(':');
    const repo = t.slice(0, i);
    return { ...base, Repository: repo, Tag: t.slice(i + 1), Digest: digestOf(repo) };
  });
  for (const d of img.repoDigests) {
    const [repo, digest] = d.split('@') as [string, string];
    if (!rows.some((r) => r.Repository === repo))
      rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: digest });
  }
  if (rows.length === 0)
    rows.push({ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' });
  return rows;
}

export const imageList: Command = {
  path: ['image', 'ls'],
  aliases: [['image', 'list'], ['images']],
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  args: { max: 1 },
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Show all images (default hides intermediate images)',
    },
    { name: 'digests', type: 'bool', description: 'Show digests' },
    {
      name: 'filter',
      short: 'f',
      type: 'list',
      valueName: 'filter',
      description: 'Filter output based on conditions provided',
    },
    {
      name: 'format',
      type: 'string',
      description:
        "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
  ],
  async run(ctx) {
    const images = await (
      await ctx.engine()
    ).listImages({
      all: ctx.flags.bool('all'),
      filters: ctx.flags.list('filter'),
      reference: ctx.args[0],
    });
    const noTrunc = ctx.flags.bool('no-trunc');
    const rows = images.flatMap((img) => rowsOf(img, noTrunc));
    if (ctx.flags.bool('quiet')) {
      for (const r of rows) ctx.out(r.ID);
      return;
    }
    const table = ctx.flags.bool('digests')
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.stdout.write(renderRows(rows, ctx.flags.string('format'), table, headers));
  },
};
