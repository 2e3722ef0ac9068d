/**
 * berth's command line: global flags, command lookup, help, and the one place where errors
 * become messages and exit codes (125 for usage errors, 1 for failed operations, as Docker).
 */
import { BerthError } from '../core/errors.js';
import type { Engine } from '../engine/engine.js';
import type { Command, Context, Io } from './command.js';
import { Flags, UsageError, flagUsages, parseFlags, type FlagSpec } from './flags.js';
import { ExitError } from './exit-error.js';
import { VERSION } from './version.js';

const globalFlags: FlagSpec[] = [
  {
    name: 'root',
    type: 'string',
    description: 'Root of the berth state (env BERTH_ROOT)',
    default: '/var/lib/berth',
  },
  {
    name: 'runroot',
    type: 'string',
    description: 'Root of berth runtime state (env BERTH_RUNROOT)',
    default: '/run/berth',
  },
  {
    name: 'debug',
    short: 'D',
    type: 'bool',
    description: 'Enable debug mode (stack traces on errors)',
  },
  {
    name: 'log-level',
    short: 'l',
    type: 'string',
    description: 'Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")',
    default: 'info',
  },
  { name: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
  { name: 'help', short: 'h', type: 'bool', description: 'Print usage', hidden: true },
];
const helpFlag: FlagSpec = {
  name: 'help',
  short: 'h',
  type: 'bool',
  description: 'Print usage',
  hidden: true,
};

const spell = (words: string[]) => `berth ${words.join(' ')}`;

function commandHelp(c: Command): string {
  const names = [c.path, ...(c.aliases ?? [])];
  let s = `\nUsage:  ${spell(c.path)} ${c.usage}\n\n${c.summary}\n`;
  if (names.length > 1) s += `\nAliases:\n  ${names.map(spell).join(', ')}\n`;
  if (c.flags.length > 0)
    s += `\nOptions:\n${flagUsages(c.flags).replace(/\n(?! {2}|$)/g, '\n' + ' '.repeat(26))}\n`;
  return s;
}

const groups: Record<string, string> = {
  builder: 'Manage builds',
  container: 'Manage containers',
  image: 'Manage images',
  manifest: 'Manage Docker image manifests and manifest lists',
  network: 'Manage networks',
  registry: 'Run an OCI distribution registry',
  system: 'Manage berth',
  volume: 'Manage volumes',
};

function mainHelp(commands: Command[]): string {
  const top = commands.flatMap((c) =>
    [c.path, ...(c.aliases ?? [])].filter((p) => p.length === 1).map((p) => ({ name: p[0]!, c })),
  );
  const width =
    Math.max(...top.map((t) => t.name.length), ...Object.keys(groups).map((g) => g.length)) + 2;
  return [
    '',
    'Usage:  berth [OPTIONS] COMMAND',
    '',
    'A Docker-compatible container engine',
    '',
    'Management Commands:',
    ...Object.entries(groups).map(([g, d]) => `  ${g.padEnd(width)}${d}`),
    '',
    'Commands:',
    ...top
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => `  ${t.name.padEnd(width)}${t.c.summary}`),
    '',
    'Global Options:',
    flagUsages(globalFlags),
    '',
    "Run 'berth COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

function groupHelp(commands: Command[], group: string): string {
  const subs = commands
    .filter((c) => c.path[0] === group && !c.hidden)
    .sort((a, b) => a.path[1]!.localeCompare(b.path[1]!));
  const width = Math.max(...subs.map((c) => c.path[1]!.length)) + 2;
  return [
    '',
    `Usage:  berth ${group} COMMAND`,
    '',
    groups[group] ?? '',
    '',
    'Commands:',
    ...subs.map((c) => `  ${c.path[1]!.padEnd(width)}${c.summary}`),
    '',
    `Run 'berth ${group} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/** Find the command named by the leading words of `argv`. */
function lookup(
  commands: Command[],
  argv: string[],
): { command: Command; rest: string[] } | undefined {
  for (const c of commands) {
    for (const words of [c.path, ...(c.aliases ?? [])]) {
      if (words.every((w, i) => argv[i] === w))
        return { command: c, rest: argv.slice(words.length) };
    }
  }
  return undefined;
}

/** Split global flags (before the command word) from the rest. */
function splitGlobal(argv: string[]): { global: Flags; rest: string[] } {
  const { flags, args } = parseFlags(argv, globalFlags, false);
  return { global: new Flags(flags, globalFlags), rest: args };
}

export async function main(
  argv: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const out = (s: string) => io.stdout.write(s + '\n');
  const err = (s: string) => io.stderr.write(s + '\n');
  let debug = false;
  let hint = 'berth --help';
  try {
    const { global, rest } = splitGlobal(argv);
    debug = global.bool('debug');
    if (global.bool('version')) {
      out(`berth version ${VERSION}`);
      return 0;
    }
    // the commands (and their formatting code) load only when a command runs
    const { commands } = await import('./commands/index.js');
    if (rest.length === 0 || global.bool('help') || rest[0] === 'help') {
      const target = rest[0] === 'help' ? rest.slice(1) : rest;
      if (target.length === 0) {
        out(mainHelp(commands));
        return 0;
      }
      rest.splice(0, rest.length, ...target, '--help');
    }
    const found = lookup(commands, rest);
    if (!found) {
      const [first = '', second] = rest;
      if (first in groups && (second === undefined || second.startsWith('-'))) {
        out(groupHelp(commands, first));
        return 0;
      }
      const name = first in groups ? `${first} ${second}` : first;
      throw new UsageError(`unknown command: berth ${name}`);
    }
    const { command, rest: cmdArgs } = found;
    hint = `${spell(command.path)} --help`;
    // -h is --help unless the command uses it (run -h is --hostname, as in Docker)
    const specs = [
      ...command.flags,
      command.flags.some((f) => f.short === 'h') ? { ...helpFlag, short: undefined } : helpFlag,
    ];
    const parsed = parseFlags(cmdArgs, specs, !command.stopAtFirstArg);
    const flags = new Flags(parsed.flags, specs);
    if (flags.bool('help')) {
      out(commandHelp(command));
      return 0;
    }
    const { min = 0, max = Infinity } = command.args ?? {};
    if (parsed.args.length < min || parsed.args.length > max) {
      const expect =
        min === max
          ? `exactly ${min} argument${min === 1 ? '' : 's'}`
          : parsed.args.length < min
            ? `at least ${min} argument${min === 1 ? '' : 's'}`
            : max === 0
              ? 'no arguments'
              : `at most ${max} argument${max === 1 ? '' : 's'}`;
      throw new UsageError(`"${spell(command.path)}" requires ${expect}.`);
    }
    // a flag wins over the environment, which wins over the default
    const setting = (flag: string, variable: string) =>
      global.has(flag) ? global.string(flag)! : env[variable] || global.string(flag)!;
    const root = setting('root', 'BERTH_ROOT');
    const runroot = setting('runroot', 'BERTH_RUNROOT');
    let engine: Promise<Engine> | undefined;
    const ctx: Context = {
      ...io,
      engine: () =>
        (engine ??= import('../engine/engine.js').then((m) => new m.Engine({ root, runroot }))),
      flags,
      args: parsed.args,
      out,
      err,
    };
    return (await command.run(ctx)) ?? 0;
  } catch (e) {
    if (e instanceof ExitError) {
      if (e.message) err(`Error: ${e.message}`);
      return e.code;
    }
    if (e instanceof UsageError) {
      err(`berth: ${e.message}\nSee '${hint}'.`);
      return 125;
    }
    if (e instanceof BerthError) {
      err(`Error: ${e.message}`);
      if (debug && e.cause instanceof Error) err(e.cause.stack ?? e.cause.message);
      return 1;
    }
    const msg = (e as Error).message ?? String(e);
    err(`Error: ${msg}`);
    if (debug) err(String((e as Error).stack));
    return 1;
  }
}
