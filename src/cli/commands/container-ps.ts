/** `berth ps` / `berth container ls`. */
import { portsColumn } from '../../engine/network-view.js';
import { containerMatches } from '../../engine/container-filters.js';
import type { ContainerView } from '../../engine/containers.js';
import type { Command } from '../command.js';
import { humanDuration, humanSize } from '../format/human.js';
import { displayId, ellipsis, goTime, renderRows, since } from '../output.js';

const headers = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  State: 'STATE',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
};

const ago = (iso: string) => humanDuration(Math.max(0, Date.now() - Date.parse(iso)));

/** Docker's STATUS column. */
export function statusText(v: ContainerView): string {
  const s = v.state;
  switch (s.status) {
    case 'running':
      if (!s.health) return `Up ${ago(s.startedAt)}`;
      return `Up ${ago(s.startedAt)} (${s.health.status === 'starting' ? 'health: starting' : s.health.status})`;
    case 'paused':
      return `Up ${ago(s.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case 'exited':
      return `Exited (${s.exitCode}) ${ago(s.finishedAt)} ago`;
    case 'created':
      return 'Created';
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Dead';
  }
}

export const containerList: Command = {
  path: ['container', 'ls'],
  aliases: [['container', 'list'], ['container', 'ps'], ['ps']],
  usage: '[OPTIONS]',
  summary: 'List containers',
  args: { max: 0 },
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Show all containers (default shows just running)',
    },
    {
      name: 'filter',
      short: 'f',
      type: 'list',
      valueName: 'filter',
      description: 'Filter output based on conditions provided',
    },
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    {
      name: 'last',
      short: 'n',
      type: 'int',
      description: 'Show n last created containers (includes all states)',
      default: -1,
    },
    {
      name: 'latest',
      short: 'l',
      type: 'bool',
      description: 'Show the latest created container (includes all states)',
    },
    { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display container IDs' },
    { name: 'size', short: 's', type: 'bool', description: 'Display total file sizes' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const last = ctx.flags.bool('latest') ? 1 : ctx.flags.int('last')!;
    const all = ctx.flags.bool('all') || last > 0;
    const filters = ctx.flags.list('filter');
    let views = (await engine.containers.list())
      .filter(
        (v) =>
          all ||
          filters.some((f) => f.startsWith('status=')) ||
          v.state.status === 'running' ||
          v.state.status === 'paused' ||
          v.state.status === 'restarting',
      )
      .filter((v) => containerMatches(v, filters))
      .sort((a, b) => (a.record.created < b.record.created ? 1 : -1));
    if (last > 0) views = views.slice(0, last);
    const noTrunc = ctx.flags.bool('no-trunc');
    if (ctx.flags.bool('quiet')) {
      for (const v of views) ctx.out(displayId(v.record.id, noTrunc));
      return;
    }
    const sizes = ctx.flags.bool('size')
      ? await Promise.all(views.map((v) => engine.containerSize(v.record.id)))
      : [];
    const joined = await engine.networks.endpointsByContainer();
    const rows = views.map((v, i) => {
      const cmd = [...(v.record.config.Entrypoint ?? []), ...(v.record.config.Cmd ?? [])].join(' ');
      return {
        ID: displayId(v.record.id, noTrunc),
        Image: v.record.image,
        Command: JSON.stringify(noTrunc ? cmd : ellipsis(cmd, 20)),
        CreatedAt: goTime(v.record.created),
        RunningFor: since(v.record.created),
        Status: statusText(v),
        State: v.state.status,
        Ports: portsColumn(v.record, joined.get(v.record.id) ?? []),
        Names: v.record.name,
        Labels: Object.entries(v.record.config.Labels ?? {})
          .map(([k, val]) => `${k}=${val}`)
          .join(','),
        Mounts: v.record.mounts
          .map((m) => (m.type === 'volume' ? m.source : m.destination))
          .join(','),
        Networks: v.record.hostConfig.networkMode,
        Size: sizes[i] ? `${humanSize(sizes[i].rw)} (virtual ${humanSize(sizes[i].rootFs)})` : '',
      };
    });
    const table = ctx.flags.bool('size')
      ? 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}'
      : 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
    ctx.stdout.write(renderRows(rows, ctx.flags.string('format'), table, headers));
  },
};
