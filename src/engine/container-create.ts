/** Creating a container: record, per-container files, mounts and the OCI bundle. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MergedView } from '../archive/merged-view.js';
import {
  buildRuntimeSpec,
  containerCommand,
  type NetworkNamespace,
} from '../core/container-spec.js';
import { invalidArgument, noSuchImage } from '../core/errors.js';
import { hostsFile, resolvConf } from '../core/etc-files.js';
import { randomContainerName, validateContainerName } from '../core/names.js';
import type { ImageConfig } from '../core/oci.js';
import { parseExpose, portKey, type PortMapping } from '../core/port-spec.js';
import { parseOciDocument } from '../core/oci-schema.js';
import { resolveUser } from '../core/passwd.js';
import { findImage } from '../image/store.js';
import type { Stores } from '../image/stores.js';
import { initialState, type ContainerRecord } from '../runtime/container-record.js';
import { checkNameFree, type ContainerStore } from '../runtime/container-store.js';
import { hostFacts, hostLimits, initBinary } from '../runtime/host.js';
import type { VolumeStore } from '../volume/store.js';
import type { CreateRequest } from './container-request.js';
import { resolveMounts } from './container-mounts.js';
import { mergeHealthcheck } from './commit-config.js';
import type { NetworkService } from './networks.js';

export interface CreateDeps {
  stores: Stores;
  containers: ContainerStore;
  volumes: VolumeStore;
  networks: NetworkService;
}

/**
 * The network namespace for a network mode: none and host as they are; any other mode names a
 * network (the default is `bridge`) joined through a namespace file made when it starts.
 */
function networkNamespace(mode: string, netnsPath: string): NetworkNamespace {
  if (mode === 'none') return { mode: 'none' };
  if (mode === 'host') return { mode: 'host' };
  return { mode: 'path', path: netnsPath };
}

/** `-P`: every exposed port, published on a port the engine picks. */
function publishAll(exposed: Record<string, unknown>): PortMapping[] {
  return Object.keys(exposed).flatMap((key) => {
    const e = parseExpose(key);
    return Array.from({ length: e.portEnd - e.port + 1 }, (_, i) => ({
      hostIp: '',
      hostPort: 0,
      containerPort: e.port + i,
      protocol: e.protocol,
    }));
  });
}

async function readImageFile(lowers: string[], rel: string): Promise<string | undefined> {
  const found = new MergedView(lowers).lookup(rel);
  if (!found || !found.stat.isFile()) return undefined;
  return fs.readFile(found.path, 'utf8');
}

export async function createContainer(d: CreateDeps, req: CreateRequest): Promise<ContainerRecord> {
  const db = await d.stores.images.read();
  const found = findImage(db, req.image);
  if (!found) throw noSuchImage(req.image);
  const image = found.record;
  const imageConfig = parseOciDocument<ImageConfig>(
    'config',
    await d.stores.content.read(image.id),
  );
  const ic = imageConfig.config ?? {};
  const chainId = image.chainIds[image.chainIds.length - 1]!;
  const lowers = await d.stores.snapshots.lowerDirs(chainId);
  const mode = ['', 'default'].includes(req.hostConfig.networkMode)
    ? 'bridge'
    : req.hostConfig.networkMode;
  const joins =
    mode === 'none' || mode === 'host'
      ? []
      : [{ network: mode, aliases: req.networkAliases ?? [], ipv4Address: req.ipv4Address }];
  if (joins.length === 0 && ((req.networkAliases ?? []).length > 0 || req.ipv4Address))
    throw invalidArgument(
      'network-scoped alias is supported only for containers in user defined networks',
    );
  await d.networks.checkAttachments(joins);
  if (joins.length > 0 && mode === 'bridge' && (req.networkAliases ?? []).length > 0)
    throw invalidArgument(
      'network-scoped alias is supported only for containers in user defined networks',
    );
  const exposed: NonNullable<ImageConfig['config']>['ExposedPorts'] & object = {
    ...(ic.ExposedPorts ?? {}),
  };
  for (const spec of req.exposedPorts ?? []) {
    const e = parseExpose(spec);
    for (let p = e.port; p <= e.portEnd; p++) exposed[portKey(p, e.protocol)] = {};
  }
  const requested = req.hostConfig.portBindings ?? [];
  for (const p of requested) exposed[portKey(p.containerPort, p.protocol)] = {};
  const portBindings = [
    ...requested,
    ...(req.hostConfig.publishAllPorts ? publishAll(exposed) : []).filter(
      (p) =>
        !requested.some((r) => r.containerPort === p.containerPort && r.protocol === p.protocol),
    ),
  ];
  if (mode === 'none' || mode === 'host') portBindings.length = 0; // Docker ignores them there
  const command = containerCommand(ic, req.entrypoint, req.cmd);
  const user = req.user ?? ic.User ?? '';
  const ids = user
    ? resolveUser(
        user,
        await readImageFile(lowers, 'etc/passwd'),
        await readImageFile(lowers, 'etc/group'),
      )
    : undefined;

  const id = randomBytes(32).toString('hex');
  const network = networkNamespace(mode, d.networks.netnsPath(id));
  const hostname =
    req.hostname ||
    (network.mode === 'host'
      ? (await fs.readFile('/etc/hostname', 'utf8')).trim()
      : id.slice(0, 12));
  const dir = d.containers.dir(id);
  return d.containers.locked(async () => {
    const existing = await d.containers.list();
    const taken = new Set(existing.map((c) => c.name));
    let name = req.name ? validateContainerName(req.name) : '';
    if (req.name) checkNameFree(name, existing); // before any volume or file is made
    for (let i = 0; !name || (!req.name && taken.has(name)); i++)
      name = randomContainerName(Math.random, i);
    const created: string[] = [];
    try {
      const { mounts, createdVolumes } = await resolveMounts(
        req,
        Object.keys(ic.Volumes ?? {}),
        d.volumes,
      );
      created.push(...createdVolumes);
      await fs.mkdir(dir, { recursive: true, mode: 0o710 });
      const extraHosts = req.hostConfig.extraHosts.map((h) => {
        const i = h.lastIndexOf(':');
        return { names: [h.slice(0, i)], ip: h.slice(i + 1) };
      });
      const etc = {
        hostname: `${hostname}\n`,
        hosts:
          network.mode === 'host'
            ? await fs.readFile('/etc/hosts', 'utf8')
            : hostsFile([], extraHosts),
        'resolv.conf': resolvConf(await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => ''), {
          dns: req.hostConfig.dns,
          dnsSearch: req.hostConfig.dnsSearch,
          dropLoopback: network.mode !== 'host',
        }),
      };
      for (const [file, content] of Object.entries(etc))
        await fs.writeFile(path.join(dir, file), content, { mode: 0o644 });
      const etcMounts = Object.keys(etc).map((file) => ({
        destination: `/etc/${file}`,
        type: 'bind',
        source: path.join(dir, file),
        options: ['rbind', 'rprivate'],
      }));
      const init = req.hostConfig.init ? initBinary() : undefined;
      if (req.hostConfig.init && !init)
        throw invalidArgument('--init needs a static init: apt-get install tini');
      const spec = buildRuntimeSpec({
        image: ic,
        entrypoint: req.entrypoint,
        cmd: req.cmd,
        env: req.env,
        workdir: req.workdir,
        user: ids,
        hostname,
        labels: req.labels,
        tty: req.tty,
        openStdin: req.openStdin,
        readOnly: req.hostConfig.readonlyRootfs,
        privileged: req.hostConfig.privileged,
        capAdd: req.hostConfig.capAdd,
        capDrop: req.hostConfig.capDrop,
        securityOpt: req.hostConfig.securityOpt,
        ulimits: req.hostConfig.ulimits,
        resources: {
          memory: req.hostConfig.memory,
          memorySwap: req.hostConfig.memorySwap,
          nanoCpus: req.hostConfig.nanoCpus,
          cpuShares: req.hostConfig.cpuShares,
          pidsLimit: req.hostConfig.pidsLimit,
        },
        init,
        mounts: [...mounts.map((m) => m.spec), ...etcMounts],
        rootfs: 'rootfs',
        cgroupsPath: `/berth/${id}`,
        network,
        hostLimits: await hostLimits(),
        host: await hostFacts(),
      });
      await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(spec));
      const now = new Date().toISOString();
      const record: ContainerRecord = {
        id,
        name,
        created: now,
        image: req.image,
        imageId: image.id,
        chainId,
        config: {
          ...ic,
          Hostname: hostname,
          Domainname: '',
          User: req.user ?? ic.User ?? '',
          Env: spec.process.env,
          Cmd: command.cmd,
          Entrypoint: command.entrypoint.length > 0 ? command.entrypoint : null,
          WorkingDir:
            spec.process.cwd === '/' && !req.workdir && !ic.WorkingDir ? '' : spec.process.cwd,
          Labels: { ...(ic.Labels ?? {}), ...req.labels },
          Tty: req.tty,
          OpenStdin: req.openStdin,
          StdinOnce: req.stdinOnce,
          AttachStdin: req.openStdin,
          AttachStdout: true,
          AttachStderr: true,
          Image: req.image,
          ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
          ...(req.stopSignal ? { StopSignal: req.stopSignal } : {}),
          ...(req.stopTimeout !== undefined ? { StopTimeout: req.stopTimeout } : {}),
          ...(req.healthcheck
            ? { Healthcheck: mergeHealthcheck(req.healthcheck, ic.Healthcheck) }
            : {}),
        },
        hostConfig: {
          autoRemove: req.hostConfig.autoRemove,
          restartPolicy: req.hostConfig.restartPolicy,
          networkMode: mode,
          memory: req.hostConfig.memory,
          memorySwap: req.hostConfig.memorySwap,
          nanoCpus: req.hostConfig.nanoCpus,
          cpuShares: req.hostConfig.cpuShares,
          pidsLimit: req.hostConfig.pidsLimit,
          ulimits: req.hostConfig.ulimits,
          readonlyRootfs: req.hostConfig.readonlyRootfs,
          privileged: req.hostConfig.privileged,
          capAdd: req.hostConfig.capAdd,
          capDrop: req.hostConfig.capDrop,
          securityOpt: req.hostConfig.securityOpt,
          init: req.hostConfig.init,
          logConfig: { type: 'json-file', ...req.hostConfig.logConfig },
          binds: req.hostConfig.binds,
          tmpfs: Object.fromEntries(
            req.hostConfig.tmpfs.map((t) => [t.target, t.options.join(',')]),
          ),
          dns: req.hostConfig.dns,
          dnsSearch: req.hostConfig.dnsSearch,
          extraHosts: req.hostConfig.extraHosts,
          portBindings,
          publishAllPorts: req.hostConfig.publishAllPorts ?? false,
        },
        mounts: mounts.map((m) => m.point),
        networks: joins,
        state: initialState(),
        startCount: 0,
      };
      await d.containers.add(record, existing);
      return record;
    } catch (e) {
      await fs.rm(dir, { recursive: true, force: true });
      for (const v of created) await d.volumes.remove(v, []).catch(() => undefined);
      throw e;
    }
  });
}
