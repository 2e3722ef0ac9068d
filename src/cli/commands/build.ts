/** `berth build` and `berth builder prune`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../../core/errors.js';
import { parseEnv } from '../../core/run-options.js';
import { Writable } from 'node:stream';
import { formatFindings } from '../../core/dockerfile-checks.js';
import type { Command } from '../command.js';
import { keyValues } from '../flags.js';
import { confirmPrune, pruneFlags, reportPruned } from '../prune.js';

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const buildCommand: Command = {
  path: ['build'],
  aliases: [
    ['image', 'build'],
    ['builder', 'build'],
  ],
  usage: '[OPTIONS] PATH',
  summary: 'Build an image from a Dockerfile',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
    { name: 'build-arg', type: 'list', description: 'Set build-time variables' },
    {
      name: 'file',
      short: 'f',
      type: 'string',
      description: 'Name of the Dockerfile (Default is PATH/Dockerfile)',
    },
    {
      name: 'explain-cache',
      type: 'bool',
      description: 'At the first step that misses the cache, say which input changed',
    },
    { name: 'iidfile', type: 'string', description: 'Write the image ID to the file' },
    { name: 'label', type: 'list', description: 'Set metadata for an image' },
    {
      name: 'network',
      type: 'string',
      description: 'Set the networking mode for the RUN instructions during build',
      default: 'default',
    },
    { name: 'no-cache', type: 'bool', description: 'Do not use cache when building the image' },
    {
      name: 'platform',
      type: 'string',
      description: 'Set platform if server is multi-platform capable',
    },
    {
      name: 'progress',
      type: 'string',
      description: 'Set type of progress output (auto, plain, tty)',
      default: 'auto',
    },
    {
      name: 'quiet',
      short: 'q',
      type: 'bool',
      description: 'Suppress the build output and print image ID on success',
    },
    {
      name: 'secret',
      type: 'list',
      description: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")',
    },
    {
      name: 'tag',
      short: 't',
      type: 'list',
      description: "Name and optionally a tag in the 'name:tag' format",
    },
    { name: 'target', type: 'string', description: 'Set the target build stage to build' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const platform = ctx.flags.string('platform');
    if (platform) engine.checkPlatform(platform);
    // `--build-arg K` takes K's value from this environment, as `-e K` does
    const buildArgs: Record<string, string | undefined> = {};
    for (const a of parseEnv(ctx.flags.list('build-arg'), (k) => process.env[k])) {
      const eq = a.indexOf('=');
      buildArgs[eq < 0 ? a : a.slice(0, eq)] = eq < 0 ? undefined : a.slice(eq + 1);
    }
    const secrets: Record<string, string> = {};
    for (const spec of ctx.flags.list('secret')) {
      const o = keyValues(spec.split(','));
      const src = o['src'] ?? o['source'];
      if (!o['id'] || !src) throw invalidArgument(`invalid secret: ${spec}: give id=…,src=…`);
      secrets[o['id']] = path.resolve(src);
    }
    const file = ctx.flags.string('file');
    const context = ctx.args[0]!;
    const quiet = ctx.flags.bool('quiet');
    const progress = ctx.flags.string('progress') ?? 'auto';
    if (!['auto', 'plain', 'tty'].includes(progress))
      throw invalidArgument(`invalid progress mode "${progress}": use auto, plain or tty`);
    const { id, checks } = await engine.build(
      context === '-'
        ? { stream: ctx.stdin as AsyncIterable<Buffer> }
        : { dir: path.resolve(context) },
      file === '-' ? { text: await readStdin(ctx.stdin) } : { path: file },
      {
        tags: ctx.flags.list('tag'),
        buildArgs,
        target: ctx.flags.string('target'),
        noCache: ctx.flags.bool('no-cache'),
        labels: keyValues(ctx.flags.list('label')),
        network: ctx.flags.string('network'),
        addHosts: ctx.flags.list('add-host'),
        secrets,
        explainCache: ctx.flags.bool('explain-cache'),
        // auto: BuildKit's live view on a terminal, plain lines otherwise
        progress:
          progress === 'tty' || (progress === 'auto' && !quiet && ctx.stdout.isTTY === true)
            ? 'tty'
            : 'plain',
      },
      quiet ? new Writable({ write: (_c, _e, done) => done() }) : ctx.stdout,
    );
    const iid = ctx.flags.string('iidfile');
    if (iid) await fs.writeFile(iid, id);
    if (quiet) {
      ctx.out(id);
      return;
    }
    ctx.out(`writing image ${id} done`);
    for (const t of ctx.flags.list('tag')) ctx.out(`naming to ${t} done`);
    for (const line of formatFindings(checks)) ctx.out(line);
  },
};

export const builderPrune: Command = {
  path: ['builder', 'prune'],
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  args: { max: 0 },
  flags: [
    {
      name: 'all',
      short: 'a',
      type: 'bool',
      description: 'Remove all unused build cache, not just dangling ones',
    },
    ...pruneFlags,
  ],
  async run(ctx) {
    if (!(await confirmPrune(ctx, 'all dangling build cache'))) return;
    const r = await (await ctx.engine()).pruneBuildCache();
    reportPruned(ctx, 'Deleted build cache objects:', r.deleted, r.reclaimed);
  },
};
