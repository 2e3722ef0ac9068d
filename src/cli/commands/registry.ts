/** `berth registry serve|gc`: the OCI distribution registry server and its garbage collector. */
import path from 'node:path';
import { UsageError } from '../flags.js';
import type { Command, Context } from '../command.js';

/** The registry's storage: --root, else `registry/` under the berth state root. */
const registryRoot = (ctx: Context) =>
  ctx.flags.string('root') ?? path.join(process.env.BERTH_ROOT || '/var/lib/berth', 'registry');

const rootFlag = {
  name: 'root',
  type: 'string' as const,
  description: 'Storage directory of the registry (default $BERTH_ROOT/registry)',
};

/** `30m`, `1h`, `90s`, `0` → milliseconds. */
function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) throw new UsageError(`invalid duration "${s}" (e.g. 30s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

export const registryServe: Command = {
  path: ['registry', 'serve'],
  usage: '[OPTIONS]',
  summary: 'Run an OCI distribution registry server',
  args: { max: 0 },
  flags: [
    {
      name: 'addr',
      type: 'string',
      description: 'Address to listen on (port 0 picks a free port)',
      default: '127.0.0.1:5000',
    },
    rootFlag,
    {
      name: 'htpasswd',
      type: 'string',
      description: 'Require basic auth from this htpasswd file (bcrypt)',
    },
    { name: 'tls-cert', type: 'string', description: 'TLS certificate file (serve HTTPS)' },
    { name: 'tls-key', type: 'string', description: 'TLS key file' },
    { name: 'read-only', type: 'bool', description: 'Refuse every write (405 UNSUPPORTED)' },
  ],
  async run(ctx) {
    const { startRegistryServer } = await import('../../engine/registry-server.js');
    const registry = await startRegistryServer({
      root: registryRoot(ctx),
      addr: ctx.flags.string('addr') ?? '127.0.0.1:5000',
      htpasswd: ctx.flags.string('htpasswd'),
      tlsCert: ctx.flags.string('tls-cert'),
      tlsKey: ctx.flags.string('tls-key'),
      readOnly: ctx.flags.bool('read-only'),
      log: ctx.stderr,
    });
    ctx.out(`Listening on ${registry.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await registry.close();
    ctx.err('registry: stopped');
  },
};

export const registryGc: Command = {
  path: ['registry', 'gc'],
  aliases: [['registry', 'garbage-collect']],
  usage: '[OPTIONS]',
  summary: 'Remove blobs that no manifest references',
  args: { max: 0 },
  flags: [
    rootFlag,
    { name: 'dry-run', short: 'd', type: 'bool', description: 'Only print what would be removed' },
    {
      name: 'grace',
      type: 'string',
      description: 'Keep blobs created or linked within this long (pushes in progress)',
      default: '1h',
    },
  ],
  async run(ctx) {
    const { collectRegistryGarbage } = await import('../../engine/registry-server.js');
    const dryRun = ctx.flags.bool('dry-run');
    const r = await collectRegistryGarbage({
      root: registryRoot(ctx),
      dryRun,
      graceMs: parseDuration(ctx.flags.string('grace') ?? '1h'),
      onRemove: (what) => ctx.out(`${dryRun ? 'would remove' : 'removed'} ${what}`),
    });
    ctx.out(
      `${r.manifests} manifests, ${r.blobsKept} blobs kept, ${r.blobsRemoved} blobs ${dryRun ? 'to remove' : 'removed'} (${r.bytesFreed} bytes), ${r.linksRemoved} repository links, ${r.uploadsRemoved} stale uploads`,
    );
  },
};
