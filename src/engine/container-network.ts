/**
 * `network connect` and `network disconnect`: a container's networks change in its record
 * (they are joined at every start) and, while it runs, in its namespace at once.
 */
import { conflict, invalidArgument } from '../core/errors.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import { writeNetworkFiles } from './container-etc.js';
import type { ContainerService } from './containers.js';
import type { NetworkAttachment } from './networks.js';

const running = (status: string) => ['running', 'paused'].includes(status);

function checkMode(r: ContainerRecord): void {
  const mode = r.hostConfig.networkMode;
  if (mode === 'host')
    throw invalidArgument(
      'container cannot be disconnected from host network or connected to host network',
    );
  if (mode === 'none')
    throw invalidArgument(
      'container cannot be connected to multiple networks with one of the networks in private (none) mode',
    );
}

export async function connectContainer(
  s: ContainerService,
  idOrName: string,
  a: NetworkAttachment,
): Promise<void> {
  const { record } = await s.view(idOrName);
  await s.exclusive(record.id, async () => {
    const { record: r, state } = await s.view(record.id);
    checkMode(r);
    await s.networks.checkAttachments([a]);
    const n = await s.networks.inspect(a.network);
    if (n.predefined && a.aliases.length > 0)
      throw invalidArgument(
        'network-scoped alias is supported only for containers in user defined networks',
      );
    const joins = r.networks ?? [];
    const same = async (ref: string) => (await s.networks.inspect(ref)).id === n.id;
    for (const j of joins)
      if (await same(j.network).catch(() => false))
        throw conflict(`endpoint with name ${r.name} already exists in network ${n.name}`);
    if (running(state.status)) {
      await s.networks.connect({ id: r.id, name: r.name, hostname: r.config.Hostname }, a);
      await writeNetworkFiles(s.containers.dir(r.id), r, await s.networks.endpointsOf(r.id));
    }
    await s.containers.update(r.id, (x) => {
      x.networks = [...joins, { ...a, network: n.name }];
    });
  });
}

export async function disconnectContainer(
  s: ContainerService,
  idOrName: string,
  networkRef: string,
): Promise<void> {
  const { record } = await s.view(idOrName);
  await s.exclusive(record.id, async () => {
    const { record: r, state } = await s.view(record.id);
    checkMode(r);
    const n = await s.networks.inspect(networkRef);
    const joins = r.networks ?? [];
    const kept: typeof joins = [];
    for (const j of joins) {
      const id = await s.networks.inspect(j.network).then(
        (x) => x.id,
        () => '',
      );
      if (id !== n.id) kept.push(j);
    }
    if (kept.length === joins.length)
      throw invalidArgument(`container ${r.id} is not connected to network ${n.name}`);
    if (running(state.status)) {
      await s.networks.disconnect(r.id, n.id);
      await writeNetworkFiles(s.containers.dir(r.id), r, await s.networks.endpointsOf(r.id));
    }
    await s.containers.update(r.id, (x) => {
      x.networks = kept; // on none left: its own namespace with only lo
    });
  });
}
