/** Commands that take several names: one result or one error line per name, Docker's way. */
import type { Engine } from '../engine/engine.js';
import type { Context } from './command.js';
import { printDocuments } from './output.js';

/**
 * Run `fn` for each name (all at once, as docker/cli: `rm -f` of fifty should not take fifty
 * times one), printing what it returns, or the daemon's error line, in the order given.
 */
export async function each(
  ctx: Context,
  fn: (engine: Engine, name: string) => Promise<string | void>,
): Promise<number> {
  const engine = await ctx.engine();
  const results = await Promise.allSettled(ctx.args.map((name) => fn(engine, name)));
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled') {
      if (r.value !== undefined) ctx.out(r.value);
    } else {
      ctx.err(`Error response from daemon: ${(r.reason as Error).message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** `… inspect NAME…`: the documents found (with --format), an error line for each not found. */
export async function inspectEach(
  ctx: Context,
  find: (engine: Engine, name: string) => Promise<unknown>,
  errorPrefix: string,
): Promise<number> {
  const engine = await ctx.engine();
  const docs: unknown[] = [];
  let failed = false;
  for (const name of ctx.args) {
    try {
      docs.push(await find(engine, name));
    } catch (e) {
      ctx.err(`${errorPrefix}${(e as Error).message}`);
      failed = true;
    }
  }
  printDocuments(ctx.out, docs, ctx.flags.string('format'));
  return failed ? 1 : 0;
}
