/** `berth import`, `berth save`, `berth load`. */
import { invalidArgument } from '../../core/errors.js';
import type { Command } from '../command.js';

export const imageImport: Command = {
  path: ['image', 'import'],
  aliases: [['import']],
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball to create a filesystem image',
  args: { min: 1, max: 2 },
  flags: [
    {
      name: 'change',
      short: 'c',
      type: 'list',
      description: 'Apply Dockerfile instruction to the created image',
    },
    {
      name: 'message',
      short: 'm',
      type: 'string',
      description: 'Set commit message for imported image',
    },
    {
      name: 'platform',
      type: 'string',
      description: 'Set platform if server is multi-platform capable',
    },
  ],
  async run(ctx) {
    const [file, reference] = ctx.args as [string, string | undefined];
    if (/^https?:\/\//.test(file))
      throw invalidArgument(
        'importing from a URL is not supported: download the file and import it',
      );
    const engine = await ctx.engine();
    const platform = ctx.flags.string('platform');
    if (platform) engine.checkPlatform(platform);
    const { record } = await engine.importImage(await engine.openInput(file, ctx.stdin), {
      reference,
      changes: ctx.flags.list('change'),
      message: ctx.flags.string('message'),
      sourceName: file,
    });
    ctx.out(record.id);
  },
};

export const imageSave: Command = {
  path: ['image', 'save'],
  aliases: [['save']],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  args: { min: 1 },
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      description: 'Write to a file, instead of STDOUT',
    },
    {
      name: 'format',
      type: 'string',
      default: 'docker',
      description:
        "Archive format: 'docker' (docker load, and an OCI layout too) or 'oci' (an OCI image layout)",
    },
  ],
  async run(ctx) {
    const format = ctx.flags.string('format');
    if (format !== 'docker' && format !== 'oci')
      throw invalidArgument(`invalid --format ${JSON.stringify(format)}: use docker or oci`);
    const output = ctx.flags.string('output');
    if (!output && ctx.stdout.isTTY) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    await (await ctx.engine()).saveImages(ctx.args, format, output ?? ctx.stdout);
  },
};

export const imageLoad: Command = {
  path: ['image', 'load'],
  aliases: [['load']],
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  args: { max: 0 },
  flags: [
    {
      name: 'input',
      short: 'i',
      type: 'string',
      description: 'Read from tar archive file, instead of STDIN',
    },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Suppress the load output' },
  ],
  async run(ctx) {
    const input = ctx.flags.string('input');
    if (!input && ctx.stdin.isTTY) {
      throw invalidArgument('requested load from stdin, but stdin is empty');
    }
    const engine = await ctx.engine();
    const loaded = await engine.loadImages(await engine.openInput(input ?? '-', ctx.stdin));
    for (const img of loaded) {
      for (const r of img.retagged) {
        ctx.out(
          `The image ${r.tag} already exists, renaming the old one with ID ${r.id} to empty string`,
        );
      }
      if (img.tags.length === 0) ctx.out(`Loaded image ID: ${img.record.id}`);
      for (const t of img.tags) ctx.out(`Loaded image: ${t}`);
    }
  },
};
