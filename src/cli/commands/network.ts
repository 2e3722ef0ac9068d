/** `berth network create|ls|inspect|rm|prune|connect|disconnect`. */
import { dockerNetwork } from '../../engine/network-view.js';
import type { Command } from '../command.js';
import { keyValues } from '../flags.js';
import { each, inspectEach } from '../each.js';
import { renderRows } from '../output.js';
import { confirmPrune, pruneFlags } from '../prune.js';

export const networkCreate: Command = {
  path: ['network', 'create'],
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a network',
  args: { min: 1, max: 1 },
  flags: [
    {
      name: 'driver',
      short: 'd',
      type: 'string',
      description: 'Driver to manage the Network',
      default: 'bridge',
    },
    { name: 'gateway', type: 'string', description: 'IPv4 Gateway for the master subnet' },
    { name: 'internal', type: 'bool', description: 'Restrict external access to the network' },
    {
      name: 'ip-range',
      type: 'string',
      description: 'Allocate container ip from a sub-range',
    },
    { name: 'label', type: 'list', description: 'Set metadata on a network' },
    {
      name: 'opt',
      short: 'o',
      type: 'list',
      valueName: 'map',
      description: 'Set driver specific options',
    },
    {
      name: 'subnet',
      type: 'string',
      description: 'Subnet in CIDR format that represents a network segment',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const n = await engine.networks.create({
      name: ctx.args[0]!,
      driver: ctx.flags.string('driver'),
      subnet: ctx.flags.string('subnet'),
      gateway: ctx.flags.string('gateway'),
      ipRange: ctx.flags.string('ip-range'),
      internal: ctx.flags.bool('internal'),
      labels: keyValues(ctx.flags.list('label')),
      options: keyValues(ctx.flags.list('opt')),
    });
    ctx.out(n.id);
  },
};

export const networkList: Command = {
  path: ['network', 'ls'],
  aliases: [['network', 'list']],
  usage: '[OPTIONS]',
  summary: 'List networks',
  args: { max: 0 },
  flags: [
    { name: 'format', type: 'string', description: 'Format output using a custom template' },
    { name: 'no-trunc', type: 'bool', description: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', type: 'bool', description: 'Only display network IDs' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    const nets = await engine.networks.list();
    const id = (s: string) => (ctx.flags.bool('no-trunc') ? s : s.slice(0, 12));
    if (ctx.flags.bool('quiet')) {
      for (const n of nets) ctx.out(id(n.id));
      return;
    }
    const rows = nets.map((n) => ({
      ID: id(n.id),
      Name: n.name,
      Driver: n.driver,
      Scope: 'local',
      IPv6: 'false',
      Internal: String(n.internal),
      Labels: Object.entries(n.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      CreatedAt: n.created,
    }));
    const headers = {
      ID: 'NETWORK ID',
      Name: 'NAME',
      Driver: 'DRIVER',
      Scope: 'SCOPE',
      IPv6: 'IPV6',
      Internal: 'INTERNAL',
      Labels: 'LABELS',
      CreatedAt: 'CREATED AT',
    };
    ctx.stdout.write(
      renderRows(
        rows,
        ctx.flags.string('format'),
        'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        headers,
      ),
    );
  },
};

export const networkInspect: Command = {
  path: ['network', 'inspect'],
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  args: { min: 1 },
  flags: [
    {
      name: 'format',
      short: 'f',
      type: 'string',
      description: 'Format output using a custom template',
    },
  ],
  run: (ctx) =>
    inspectEach(
      ctx,
      async (engine, name) => dockerNetwork(await engine.networks.inspect(name)),
      'Error response from daemon: ',
    ),
};

export const networkRemove: Command = {
  path: ['network', 'rm'],
  aliases: [['network', 'remove']],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: { min: 1 },
  flags: [],
  run: (ctx) =>
    each(ctx, async (engine, name) => {
      await engine.networks.remove(name);
      return name;
    }),
};

export const networkPrune: Command = {
  path: ['network', 'prune'],
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  args: { max: 0 },
  flags: pruneFlags,
  async run(ctx) {
    if (!(await confirmPrune(ctx, 'all custom networks not used by at least one container')))
      return;
    const engine = await ctx.engine();
    const gone = await engine.networks.prune();
    if (gone.length > 0) {
      ctx.out('Deleted Networks:');
      for (const n of gone) ctx.out(n.name);
    }
  },
};

export const networkConnect: Command = {
  path: ['network', 'connect'],
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  args: { min: 2, max: 2 },
  flags: [
    { name: 'alias', type: 'list', description: 'Add network-scoped alias for the container' },
    { name: 'ip', type: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.connectNetwork(ctx.args[1]!, ctx.args[0]!, {
      aliases: ctx.flags.list('alias'),
      ipv4Address: ctx.flags.string('ip'),
    });
  },
};

export const networkDisconnect: Command = {
  path: ['network', 'disconnect'],
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  args: { min: 2, max: 2 },
  flags: [
    {
      name: 'force',
      short: 'f',
      type: 'bool',
      description: 'Force the container to disconnect from a network',
    },
  ],
  async run(ctx) {
    const engine = await ctx.engine();
    await engine.disconnectNetwork(ctx.args[1]!, ctx.args[0]!);
  },
};

export const containerPort: Command = {
  path: ['container', 'port'],
  aliases: [['port']],
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  args: { min: 1, max: 2 },
  flags: [],
  async run(ctx) {
    const engine = await ctx.engine();
    const { record } = await engine.containers.view(ctx.args[0]!);
    const ports = (await engine.networks.endpointsOf(record.id))[0]?.endpoint.ports ?? [];
    const want = ctx.args[1];
    if (want === undefined) {
      for (const p of ports)
        ctx.out(`${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}`);
      return 0;
    }
    const [port, proto = 'tcp'] = want.split('/');
    const hits = ports.filter((p) => String(p.containerPort) === port && p.protocol === proto);
    if (hits.length === 0) {
      ctx.err(`Error: No public port '${port}/${proto}' published for ${ctx.args[0]}`);
      return 1;
    }
    for (const p of hits) ctx.out(`${p.hostIp}:${p.hostPort}`);
    return 0;
  },
};
