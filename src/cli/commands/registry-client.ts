/** `berth pull`, `push`, `login`, `logout`, `manifest inspect`: translation to the engine. */
import readline from 'node:readline';
import { invalidArgument } from '../../core/errors.js';
import type { Command, Context } from '../command.js';
import { UsageError } from '../flags.js';
import { progressPrinter } from '../pull-progress.js';

const quietSink = () => undefined;

/** Docker's per-layer progress on stdout (redrawn on a terminal), or nothing with `-q`. */
const transferProgress = (ctx: Context) =>
  ctx.flags.bool('quiet') ? quietSink : progressPrinter(ctx.stdout, Boolean(ctx.stdout.isTTY));

export const imagePull: Command = {
  path: ['image', 'pull'],
  aliases: [['pull']],
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'all-tags',
      short: 'a',
      type: 'bool',
      description: 'Download all tagged images in the repository',
    },
    {
      name: 'platform',
      type: 'string',
      description: 'Set platform if server is multi-platform capable',
    },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const pulled = await engine.pull(
      ctx.args[0]!,
      { platform: ctx.flags.string('platform'), allTags: ctx.flags.bool('all-tags') },
      transferProgress(ctx),
    );
    for (const p of pulled) ctx.out(p.name);
  },
};

export const imagePush: Command = {
  path: ['image', 'push'],
  aliases: [['push']],
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'all-tags',
      short: 'a',
      type: 'bool',
      description: 'Push all tags of an image to the repository',
    },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress verbose output' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const quiet = ctx.flags.bool('quiet');
    const pushed = await engine.push(
      ctx.args[0]!,
      { allTags: ctx.flags.bool('all-tags') },
      transferProgress(ctx),
    );
    if (quiet) for (const p of pushed) ctx.out(`${ctx.args[0]!.replace(/:[^:/]*$/, '')}:${p.tag}`);
  },
};

async function readLine(ctx: Context, prompt: string): Promise<string> {
  if (prompt) ctx.stdout.write(prompt);
  const rl = readline.createInterface({ input: ctx.stdin, terminal: false });
  try {
    return await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
  } finally {
    rl.close();
  }
}

/** Read a line from the terminal without echoing it (as docker's password prompt). */
async function readHidden(ctx: Context, prompt: string): Promise<string> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            return resolve(line);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(invalidArgument('interrupted'));
          }
          if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
          else line += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    ctx.stdout.write('\n');
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

export const loginCommand: Command = {
  path: ['login'],
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry',
  args: { max: 1 },
  flags: [
    { name: 'password', short: 'p', type: 'string', description: 'Password' },
    { name: 'password-stdin', type: 'bool', description: 'Take the password from stdin' },
    { name: 'username', short: 'u', type: 'string', description: 'Username' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const server = ctx.args[0];
    let username = ctx.flags.string('username');
    let password = ctx.flags.string('password');
    if (ctx.flags.bool('password-stdin')) {
      if (password) throw new UsageError('--password and --password-stdin are mutually exclusive');
      if (!username) throw new UsageError('Must provide --username with --password-stdin');
      password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
    } else if (password) {
      ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    }
    // as docker: prompting needs a terminal (piped input is for --password-stdin)
    if (!password && !ctx.stdin.isTTY)
      throw invalidArgument('Cannot perform an interactive login from a non TTY device');
    if (!username) {
      const saved = await engine.distribution.savedUsername(server);
      username =
        (await readLine(ctx, saved ? `Username (${saved}): ` : 'Username: ')).trim() || saved;
    }
    if (!username) throw invalidArgument('Non-null Username Required');
    password ||= await readHidden(ctx, 'Password: ');
    if (!password) throw invalidArgument('Password Required');
    const { plainFile } = await engine.distribution.login(server, username, password);
    if (plainFile) {
      ctx.err(`WARNING! Your password will be stored unencrypted in ${plainFile}.`);
      ctx.err('Configure a credential helper to remove this warning. See');
      ctx.err('https://docs.docker.com/engine/reference/commandline/login/#credential-stores');
      ctx.err('');
    }
    ctx.out('Login Succeeded');
  },
};

export const logoutCommand: Command = {
  path: ['logout'],
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  args: { max: 1 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    const { removed, key } = await engine.distribution.logout(ctx.args[0]);
    if (!removed) {
      ctx.out(`Not logged in to ${key}`);
      return;
    }
    ctx.out(`Removing login credentials for ${key}`);
  },
};

export const manifestInspect: Command = {
  path: ['manifest', 'inspect'],
  usage: '[OPTIONS] [MANIFEST_LIST] MANIFEST',
  summary: 'Display an image manifest, or manifest list',
  args: { min: 1, max: 2 },
  flags: [
    {
      name: 'insecure',
      type: 'bool',
      description: 'Allow communication with an insecure registry',
    },
    {
      name: 'verbose',
      short: 'v',
      type: 'bool',
      description: 'Output additional info including layers and platform',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const name = ctx.args[ctx.args.length - 1]!;
    ctx.out(
      await engine.distribution.inspectManifest(
        name,
        ctx.flags.bool('verbose'),
        ctx.flags.bool('insecure'),
      ),
    );
  },
};
