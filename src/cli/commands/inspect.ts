/** `berth inspect`, `berth container inspect`, `berth image inspect`: Docker's documents. */
import { invalidArgument, isBerthError } from '../../core/errors.js';
import { dockerContainerInspect, dockerImageInspect } from '../../engine/docker-view.js';
import { dockerNetworkSettings } from '../../engine/network-view.js';
import type { Command, Context } from '../command.js';
import { printDocuments } from '../output.js';

/** Inspect documents for names that may be containers or images (`--type` narrows it). */
async function inspectDocs(ctx: Context, type: 'container' | 'image' | undefined): Promise<number> {
  const engine = await ctx.engine();
  const docs: unknown[] = [];
  let failed = false;
  for (const name of ctx.args) {
    try {
      if (type !== 'image') {
        try {
          const v = await engine.containers.view(name);
          docs.push({
            ...dockerContainerInspect(v, {
              dir: engine.containers.containers.dir(v.record.id),
              logPath: engine.containers.logPath(v.record.id),
              networkSettings: dockerNetworkSettings(
                v.record,
                await engine.networks.endpointsOf(v.record.id),
                engine.networks.netnsPath(v.record.id),
              ),
            }),
            // -s: Docker's SizeRw and SizeRootFs
            ...(ctx.flags.bool('size')
              ? await engine
                  .containerSize(v.record.id)
                  .then((s) => ({ SizeRw: s.rw, SizeRootFs: s.rootFs }))
              : {}),
          });
          continue;
        } catch (e) {
          if (type === 'container' || !isBerthError(e, 'NotFound')) throw e;
        }
      }
      docs.push(dockerImageInspect(await engine.inspectImage(name)));
    } catch (e) {
      if (!isBerthError(e, 'NotFound')) throw e;
      ctx.err(`Error: ${type ? (e as Error).message : `No such object: ${name}`}`);
      failed = true;
    }
  }
  printDocuments(ctx.out, docs, ctx.flags.string('format'));
  return failed ? 1 : 0;
}

const inspectFlags = [
  {
    name: 'format',
    short: 'f',
    type: 'string' as const,
    description: 'Format output using a custom template',
  },
  { name: 'size', short: 's', type: 'bool' as const, description: 'Display total file sizes' },
];

export const containerInspect: Command = {
  path: ['container', 'inspect'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  args: { min: 1 },
  flags: inspectFlags,
  run: (ctx) => inspectDocs(ctx, 'container'),
};

export const inspectAny: Command = {
  path: ['inspect'],
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on berth objects',
  args: { min: 1 },
  flags: [
    ...inspectFlags,
    { name: 'type', type: 'string', description: 'Only inspect objects of the given type' },
  ],
  run(ctx) {
    const type = ctx.flags.string('type');
    if (type !== undefined && type !== 'container' && type !== 'image') {
      throw invalidArgument(`"${type}" is not a valid value for --type`);
    }
    return inspectDocs(ctx, type);
  },
};

export const imageInspect: Command = {
  path: ['image', 'inspect'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  args: { min: 1 },
  flags: inspectFlags.filter((f) => f.name === 'format'),
  run: (ctx) => inspectDocs(ctx, 'image'),
};
