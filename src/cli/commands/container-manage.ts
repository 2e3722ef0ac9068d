/** `berth stop|kill|rm|wait|pause|unpause|logs|container inspect|container cleanup`. */
import { parseTimestamp } from '../../engine/time-filter.js';
import type { Command } from '../command.js';
import { each } from '../each.js';
import type { FlagSpec } from '../flags.js';

/** `stop` and `restart` take the same flags. */
const stopFlags: FlagSpec[] = [
  { name: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
  {
    name: 'time',
    short: 't',
    type: 'int',
    description: 'Seconds to wait before killing the container',
  },
];

export const containerStop: Command = {
  path: ['container', 'stop'],
  aliases: [['stop']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  args: { min: 1 },
  flags: stopFlags,
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.stop(name, ctx.flags.int('time'));
      return name;
    }),
};

export const containerRestart: Command = {
  path: ['container', 'restart'],
  aliases: [['restart']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  args: { min: 1 },
  flags: stopFlags,
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.restart(name, ctx.flags.int('time'));
      return name;
    }),
};

export const containerKill: Command = {
  path: ['container', 'kill'],
  aliases: [['kill']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  args: { min: 1 },
  flags: [
    {
      name: 'signal',
      short: 's',
      type: 'string',
      description: 'Signal to send to the container',
      default: 'KILL',
    },
  ],
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.kill(name, ctx.flags.string('signal'));
      return name;
    }),
};

export const containerRemove: Command = {
  path: ['container', 'rm'],
  aliases: [['container', 'remove'], ['rm']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  args: { min: 1 },
  flags: [
    {
      name: 'force',
      short: 'f',
      type: 'bool',
      description: 'Force the removal of a running container (uses SIGKILL)',
    },
    {
      name: 'link',
      short: 'l',
      type: 'bool',
      description: 'Remove the specified link',
      hidden: true,
    },
    {
      name: 'volumes',
      short: 'v',
      type: 'bool',
      description: 'Remove anonymous volumes associated with the container',
    },
  ],
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.remove(name, {
        force: ctx.flags.bool('force'),
        volumes: ctx.flags.bool('volumes'),
      });
      return name;
    }),
};

export const containerWait: Command = {
  path: ['container', 'wait'],
  aliases: [['wait']],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  args: { min: 1 },
  flags: [],
  run: (ctx) =>
    each(ctx, async (e, name) => {
      const { record } = await e.containers.view(name);
      const state = await e.containers.waitExit(record.id, Infinity, undefined, {
        untilExited: true,
      });
      return String(state?.exitCode ?? 0);
    }),
};

export const containerPause: Command = {
  path: ['container', 'pause'],
  aliases: [['pause']],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Pause all processes within one or more containers',
  args: { min: 1 },
  flags: [],
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.pause(name);
      return name;
    }),
};

export const containerUnpause: Command = {
  path: ['container', 'unpause'],
  aliases: [['unpause']],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Unpause all processes within one or more containers',
  args: { min: 1 },
  flags: [],
  run: (ctx) =>
    each(ctx, async (e, name) => {
      await e.containers.unpause(name);
      return name;
    }),
};

export const containerLogs: Command = {
  path: ['container', 'logs'],
  aliases: [['logs']],
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'details', type: 'bool', description: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', type: 'bool', description: 'Follow log output' },
    {
      name: 'since',
      type: 'string',
      description:
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      name: 'tail',
      short: 'n',
      type: 'string',
      description: 'Number of lines to show from the end of the logs',
      default: 'all',
    },
    { name: 'timestamps', short: 't', type: 'bool', description: 'Show timestamps' },
    {
      name: 'until',
      type: 'string',
      description:
        'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { record } = await engine.containers.view(ctx.args[0]!);
    const tail = ctx.flags.string('tail')!;
    const timestamps = ctx.flags.bool('timestamps');
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    try {
      for await (const entry of engine.containers.logs(record, {
        follow: ctx.flags.bool('follow'),
        tail: tail === 'all' ? undefined : Number(tail),
        since: ctx.flags.has('since') ? parseTimestamp(ctx.flags.string('since')!) : undefined,
        until: ctx.flags.has('until') ? parseTimestamp(ctx.flags.string('until')!) : undefined,
        signal: abort.signal,
      })) {
        const stream = entry.stream === 'stderr' ? ctx.stderr : ctx.stdout;
        stream.write(timestamps ? `${entry.time} ${entry.log}` : entry.log);
      }
    } finally {
      process.off('SIGINT', stop);
    }
  },
};

export const containerCleanup: Command = {
  path: ['container', 'cleanup'],
  usage: 'CONTAINER',
  summary: 'Clean up after a container has exited (run by its monitor)',
  hidden: true,
  args: { min: 1, max: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.containers.cleanup(ctx.args[0]!);
  },
};
