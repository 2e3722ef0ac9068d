/** `berth create`, `berth run`, `berth start`. */
import { StartError } from '../../engine/containers.js';
import { spawnSync } from 'node:child_process';
import type { Command, Context } from '../command.js';
import { ExitError as RunExit } from '../exit-error.js';
import { createFlags, createRequest } from './container-flags.js';
import { progressPrinter } from '../pull-progress.js';

function detachKeys(spec: string | undefined): Buffer | undefined {
  if (!spec) return undefined;
  const bytes = spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/i.exec(k.trim());
    if (m) return m[1]!.toLowerCase().charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new RunExit(`Invalid detach keys (${spec}) provided`, 125);
  });
  return Buffer.from(bytes);
}

/**
 * Docker's --sig-proxy: while attached, SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to berth go to the
 * container instead (with a TTY, Ctrl-C reaches it through the terminal anyway).
 */
async function withSignalProxy<T>(
  forward: (signal: string) => Promise<unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
  const handlers = signals.map((s) => {
    const h = () => void forward(s).catch(() => undefined);
    process.on(s, h);
    return [s, h] as const;
  });
  try {
    return await fn();
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

/** `stty` on our terminal (Node's raw mode keeps output post-processing; Docker's does not). */
function stty(arg: string): void {
  spawnSync('stty', [arg], { stdio: ['inherit', 'ignore', 'ignore'] });
}

/** Put the terminal in raw mode while `fn` runs (for -it), as Docker's MakeRaw does. */
async function withRawTerminal<T>(ctx: Context, raw: boolean, fn: () => Promise<T>): Promise<T> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  if (raw) {
    stdin.setRawMode(true);
    stty('-opost');
  }
  try {
    return await fn();
  } finally {
    if (raw) {
      stty('opost');
      stdin.setRawMode(false);
    }
  }
}

function streams(ctx: Context, interactive: boolean, tty: boolean) {
  return {
    stdin: interactive ? (ctx.stdin as NodeJS.ReadStream) : undefined,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    tty,
    detachKeys: detachKeys(ctx.flags.string('detach-keys')),
  };
}

/** `--pull`: when run/create pull the image (docker's values). */
function pullPolicy(ctx: Context): 'always' | 'missing' | 'never' {
  const v = ctx.flags.string('pull') ?? 'missing';
  if (v === 'always' || v === 'missing' || v === 'never') return v;
  throw new RunExit(
    `invalid pull option: '${v}': must be one of "always", "missing" or "never"`,
    125,
  );
}

export const containerCreate: Command = {
  path: ['container', 'create'],
  aliases: [['create']],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  args: { min: 1 },
  stopAtFirstArg: true,
  flags: createFlags.filter(
    (f) => f.name !== 'detach' && f.name !== 'rm' && f.name !== 'detach-keys',
  ),
  async run(ctx) {
    const engine = await ctx.engine();
    const record = await engine.createContainer(createRequest(ctx.flags, ctx.args), {
      pull: pullPolicy(ctx),
      pullProgress: progressPrinter(ctx.stderr, false),
    });
    ctx.out(record.id);
  },
};

export const containerRun: Command = {
  path: ['container', 'run'],
  aliases: [['run']],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  args: { min: 1 },
  stopAtFirstArg: true,
  flags: createFlags,
  async run(ctx) {
    const engine = await ctx.engine();
    const detach = ctx.flags.bool('detach');
    const interactive = ctx.flags.bool('interactive');
    const tty = ctx.flags.bool('tty');
    if (tty && interactive && !(ctx.stdin as NodeJS.ReadStream).isTTY) {
      throw new RunExit('the input device is not a TTY', 1);
    }
    const raw = tty && interactive && Boolean((ctx.stdin as NodeJS.ReadStream).isTTY);
    let id: string | undefined;
    let code: number | undefined;
    try {
      id = (
        await engine.createContainer(createRequest(ctx.flags, ctx.args), {
          pull: pullPolicy(ctx),
          pullProgress: progressPrinter(ctx.stderr, false),
        })
      ).id;
      if (detach) {
        await engine.containers.start(id, { stdin: false });
        ctx.out(id);
        return 0;
      }
      const started = id;
      code = await withSignalProxy(
        (signal) => engine.containers.kill(started, signal),
        () =>
          withRawTerminal(ctx, raw, () =>
            engine.containers.runAttached(started, streams(ctx, interactive, tty), interactive),
          ),
      );
    } catch (e) {
      // a container that never ran is not kept when it was to be removed anyway
      if (id && ctx.flags.bool('rm')) {
        await engine.containers.remove(id, { force: true, volumes: true }).catch(() => undefined);
      }
      throw new RunExit((e as Error).message, e instanceof StartError ? e.exitCode : 125);
    }
    // detached with the detach keys; a --rm container that exited is removed already
    return code ?? 0;
  },
};

export const containerStart: Command = {
  path: ['container', 'start'],
  aliases: [['start']],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  args: { min: 1 },
  flags: [
    {
      name: 'attach',
      short: 'a',
      type: 'bool',
      description: 'Attach STDOUT/STDERR and forward signals',
    },
    {
      name: 'detach-keys',
      type: 'string',
      description: 'Override the key sequence for detaching a container',
    },
    { name: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const attachIo = ctx.flags.bool('attach') || ctx.flags.bool('interactive');
    let failed = false;
    for (const name of ctx.args) {
      try {
        const interactive = ctx.flags.bool('interactive');
        if (attachIo) {
          // attached before it starts, so even a container that exits at once is seen whole
          const { record } = await engine.containers.view(name);
          const raw =
            record.config.Tty && interactive && Boolean((ctx.stdin as NodeJS.ReadStream).isTTY);
          const code = await withRawTerminal(ctx, raw, () =>
            engine.containers.runAttached(
              record.id,
              streams(ctx, interactive, record.config.Tty),
              interactive,
            ),
          );
          return code ?? 0;
        }
        await engine.containers.start(name, { stdin: false });
        ctx.out(name);
      } catch (e) {
        ctx.err(`Error response from daemon: ${(e as Error).message}`);
        failed = true;
      }
    }
    if (failed) ctx.err('Error: failed to start containers: ' + ctx.args.join(', '));
    return failed ? 1 : 0;
  },
};

export const containerAttach: Command = {
  path: ['container', 'attach'],
  aliases: [['attach']],
  usage: '[OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'detach-keys',
      type: 'string',
      description: 'Override the key sequence for detaching a container',
    },
    { name: 'no-stdin', type: 'bool', description: 'Do not attach STDIN' },
    {
      name: 'sig-proxy',
      type: 'bool',
      description: 'Proxy all received signals to the process',
      default: true,
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const { record, state } = await engine.containers.view(ctx.args[0]!);
    if (state.status !== 'running')
      throw new RunExit('You cannot attach to a stopped container, start it first', 1);
    const interactive = record.config.OpenStdin && !ctx.flags.bool('no-stdin');
    const raw = record.config.Tty && interactive && Boolean((ctx.stdin as NodeJS.ReadStream).isTTY);
    const { detached } = await withRawTerminal(ctx, raw, () =>
      engine.containers.attach(record.id, streams(ctx, interactive, record.config.Tty)),
    );
    if (detached) return 0;
    return (await engine.containers.waitExit(record.id))?.exitCode ?? 0;
  },
};
