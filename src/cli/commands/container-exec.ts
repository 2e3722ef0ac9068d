/** `berth exec`. */
import { ExecError, execInContainer } from '../../engine/container-exec.js';
import { parseEnv } from '../../core/run-options.js';
import type { Command } from '../command.js';
import { ExitError } from '../exit-error.js';

export const containerExec: Command = {
  path: ['container', 'exec'],
  aliases: [['exec']],
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  args: { min: 2 },
  stopAtFirstArg: true,
  flags: [
    {
      name: 'detach',
      short: 'd',
      type: 'bool',
      description: 'Detached mode: run command in the background',
    },
    { name: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
    {
      name: 'interactive',
      short: 'i',
      type: 'bool',
      description: 'Keep STDIN open even if not attached',
    },
    { name: 'privileged', type: 'bool', description: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
    {
      name: 'user',
      short: 'u',
      type: 'string',
      description: 'Username or UID (format: "<name|uid>[:<group|gid>]")',
    },
    {
      name: 'workdir',
      short: 'w',
      type: 'string',
      description: 'Working directory inside the container',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const [name, ...cmd] = ctx.args as [string, ...string[]];
    const detach = ctx.flags.bool('detach');
    const tty = ctx.flags.bool('tty');
    const interactive = ctx.flags.bool('interactive');
    if (tty && interactive && !(ctx.stdin as NodeJS.ReadStream).isTTY)
      throw new ExitError('the input device is not a TTY', 1);
    try {
      return await execInContainer(
        engine.containers,
        name,
        {
          cmd,
          env: parseEnv(ctx.flags.list('env'), (k) => process.env[k]),
          workdir: ctx.flags.string('workdir'),
          user: ctx.flags.string('user'),
          tty,
          detach,
        },
        detach ? 'ignore' : [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      );
    } catch (e) {
      // runc has already said why on stderr (it shares ours); only the exit code is left to give
      if (e instanceof ExecError) throw new ExitError('', e.exitCode);
      throw e;
    }
  },
};
