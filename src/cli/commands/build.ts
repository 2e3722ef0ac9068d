/** `berth build` and `berth builder prune`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../../core/errors.js';
import type { Command } from '../command.js';
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
    const context = ctx.args[0]!;
    const contextDir = path.resolve(context);
    const buildArgs: Record<string, string | undefined> = {};
    for (const a of ctx.flags.list('build-arg')) {
      const i = a.indexOf('=');
      // `--build-arg K` takes K from the environment, as Docker does
      if (i < 0) buildArgs[a] = process.env[a];
      else buildArgs[a.slice(0, i)] = a.slice(i + 1);
    }
    const labels: Record<string, string> = {};
    for (const l of ctx.flags.list('label')) {
      const i = l.indexOf('=');
      labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
    }
    const secrets: Record<string, string> = {};
    for (const spec of ctx.flags.list('secret')) {
      const o: Record<string, string | undefined> = Object.fromEntries(
        spec.split(',').map((p) => p.split(/=(.*)/s) as [string, string]),
      );
      const id = o['id'];
      const src = o['src'] ?? o['source'];
      if (!id || !src) throw invalidArgument(`invalid secret: ${spec}: give id=…,src=…`);
      secrets[id] = path.resolve(src);
    }
    const quiet = ctx.flags.bool('quiet');
    const sink = quiet ? { write: () => true } : ctx.stdout;
    const file = ctx.flags.string('file');
    const common = {
      tags: ctx.flags.list('tag'),
      buildArgs,
      target: ctx.flags.string('target'),
      noCache: ctx.flags.bool('no-cache'),
      labels,
      network: ctx.flags.string('network'),
      addHosts: ctx.flags.list('add-host'),
      secrets,
      explainCache: ctx.flags.bool('explain-cache'),
    };
    const out = sink as NodeJS.WritableStream as import('node:stream').Writable;
    let id: string;
    if (context === '-') {
      // the context (a tar) or the Dockerfile itself on stdin
      if (file === '-')
        throw invalidArgument('the Dockerfile and the context cannot both come from stdin');
      id = await engine.buildFromStream(
        ctx.stdin as AsyncIterable<Buffer>,
        { ...common, dockerfilePath: file },
        out,
      );
    } else {
      if (!(await fs.stat(contextDir).catch(() => undefined))?.isDirectory())
        throw invalidArgument(`unable to prepare context: path "${context}" not found`);
      let dockerfile: { text: string; name: string };
      if (file === '-') dockerfile = { text: await readStdin(ctx.stdin), name: 'Dockerfile' };
      else {
        const p = file ? path.resolve(file) : path.join(contextDir, 'Dockerfile');
        const text = await fs.readFile(p, 'utf8').catch(() => {
          throw invalidArgument(`failed to read dockerfile: open ${p}: no such file or directory`);
        });
        dockerfile = { text, name: path.basename(p) };
      }
      id = await engine.build({ ...common, contextDir, dockerfile }, out);
    }
    const iid = ctx.flags.string('iidfile');
    if (iid) await fs.writeFile(iid, id);
    if (quiet) {
      ctx.out(id);
      return;
    }
    ctx.out(`writing image ${id} done`);
    for (const t of ctx.flags.list('tag')) ctx.out(`naming to ${t} done`);
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
