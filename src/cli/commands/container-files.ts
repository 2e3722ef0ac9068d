/** `berth diff|export|commit|cp`: a container's files. */
import { invalidArgument } from '../../core/errors.js';
import { commitContainer } from '../../engine/container-commit.js';
import { copyFromContainer, copyToContainer } from '../../engine/container-cp.js';
import { containerChanges } from '../../engine/container-diff.js';
import { exportContainer } from '../../engine/container-export.js';
import type { FileDeps } from '../../engine/container-fs.js';
import type { Engine } from '../../engine/engine.js';
import type { Command } from '../command.js';
import { humanSize } from '../format/human.js';

const deps = (e: Engine): FileDeps => ({ containers: e.containers, stores: e.stores });

export const containerDiff: Command = {
  path: ['container', 'diff'],
  aliases: [['diff']],
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  args: { min: 1, max: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    for (const c of await containerChanges(deps(engine), ctx.args[0]!))
      ctx.out(`${c.kind} ${c.path}`);
  },
};

export const containerExport: Command = {
  path: ['container', 'export'],
  aliases: [['export']],
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      description: 'Write to a file, instead of STDOUT',
    },
  ],
  async run(ctx) {
    const output = ctx.flags.string('output');
    if (!output && ctx.stdout.isTTY)
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    await exportContainer(deps(await ctx.engine()), ctx.args[0]!, output || ctx.stdout);
  },
};

export const containerCommit: Command = {
  path: ['container', 'commit'],
  aliases: [['commit']],
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  args: { min: 1, max: 2 },
  flags: [
    {
      name: 'author',
      short: 'a',
      type: 'string',
      description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    {
      name: 'change',
      short: 'c',
      type: 'list',
      description: 'Apply Dockerfile instruction to the created image',
    },
    { name: 'message', short: 'm', type: 'string', description: 'Commit message' },
    { name: 'no-pause', type: 'bool', description: 'Disable pausing container during commit' },
    {
      name: 'pause',
      short: 'p',
      type: 'bool',
      description: 'Pause container during commit',
      default: true,
      hidden: true,
    },
  ],
  async run(ctx) {
    const [container, reference] = ctx.args as [string, string | undefined];
    const { record } = await commitContainer(deps(await ctx.engine()), container, {
      reference: reference || undefined,
      author: ctx.flags.string('author'),
      message: ctx.flags.string('message'),
      changes: ctx.flags.list('change'),
      pause: ctx.flags.bool('pause') && !ctx.flags.bool('no-pause'),
    });
    ctx.out(record.id);
  },
};

/**
 * `CONTAINER:PATH` or a local path (docker/cli splitCpArg): an absolute path, or one starting
 * with `.`, is local even with a `:` in it.
 */
function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

export const containerCopy: Command = {
  path: ['container', 'cp'],
  aliases: [['cp']],
  usage:
    '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  args: { min: 2, max: 2 },
  flags: [
    {
      name: 'archive',
      short: 'a',
      type: 'bool',
      description: 'Archive mode (copy all uid/gid information)',
    },
    {
      name: 'follow-link',
      short: 'L',
      type: 'bool',
      description: 'Always follow symbol link in SRC_PATH',
    },
    {
      name: 'quiet',
      short: 'q',
      type: 'bool',
      description:
        'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ],
  async run(ctx) {
    const [source, destination] = ctx.args as [string, string];
    if (source === '') throw invalidArgument('source can not be empty');
    if (destination === '') throw invalidArgument('destination can not be empty');
    const src = splitCpArg(source);
    const dst = splitCpArg(destination);
    if (src.container !== undefined && dst.container !== undefined)
      throw invalidArgument('copying between containers is not supported');
    if (!src.container && !dst.container)
      throw invalidArgument('must specify at least one container source');
    const d = deps(await ctx.engine());
    const opts = { followLink: ctx.flags.bool('follow-link'), archive: ctx.flags.bool('archive') };
    const result = src.container
      ? await copyFromContainer(
          d,
          src.container,
          src.path,
          dst.path === '-' ? ctx.stdout : dst.path,
          opts,
        )
      : await copyToContainer(
          d,
          dst.container!,
          dst.path,
          src.path === '-' ? (ctx.stdin as AsyncIterable<Uint8Array>) : src.path,
          opts,
        );
    const quiet = ctx.flags.has('quiet') ? ctx.flags.bool('quiet') : !ctx.stdout.isTTY;
    if (!quiet && result.size !== undefined && result.destination !== '-')
      ctx.err(`Successfully copied ${humanSize(result.size)} to ${result.destination}`);
  },
};
