/**
 * Docker's JSON shapes (PascalCase) for what berth stores, shared by `inspect` and the API so
 * the two can never disagree.
 */
import { portBindingsJson } from '../core/port-spec.js';
import type { ContainerConfig } from '../core/oci.js';
import type { ContainerView } from './containers.js';
import type { ImageDetails } from './engine.js';

/** Docker's container.Config with every field present, as `docker image inspect` prints it. */
export function dockerContainerConfig(c: ContainerConfig | undefined) {
  return {
    Hostname: '',
    Domainname: '',
    User: c?.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c?.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c?.Env ?? null,
    Cmd: c?.Cmd ?? null,
    ...(c?.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c?.ArgsEscaped ? { ArgsEscaped: c.ArgsEscaped } : {}),
    Image: '',
    Volumes: c?.Volumes ?? null,
    WorkingDir: c?.WorkingDir ?? '',
    Entrypoint: c?.Entrypoint ?? null,
    OnBuild: c?.OnBuild ?? null,
    Labels: c?.Labels ?? null,
    ...(c?.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c?.Shell ? { Shell: c.Shell } : {}),
  };
}

/** `docker image inspect`'s document for one image. */
export function dockerImageInspect(d: ImageDetails) {
  const { record, config } = d;
  const lastComment = [...(config.history ?? [])].reverse().find((h) => h.comment)?.comment ?? '';
  return {
    Id: record.id,
    RepoTags: d.repoTags,
    RepoDigests: d.repoDigests,
    Parent: '',
    Comment: lastComment,
    Created: config.created ?? record.created,
    DockerVersion: '',
    Author: config.author ?? '',
    Config: dockerContainerConfig(config.config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: record.size,
    GraphDriver: {
      Data: { LowerDir: d.layerDirs.join(':') },
      Name: 'overlay',
    },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: record.added },
    Descriptor: { mediaType: record.manifestMediaType, digest: record.manifest },
  };
}

/** `docker container inspect`'s document. */
export function dockerContainerInspect(
  v: ContainerView,
  paths: { dir: string; logPath: string; networkSettings: unknown },
) {
  const { record: r, state: s } = v;
  const status = s.status;
  return {
    Id: r.id,
    Created: r.created,
    Path: [...(r.config.Entrypoint ?? []), ...(r.config.Cmd ?? [])][0] ?? '',
    Args: [...(r.config.Entrypoint ?? []), ...(r.config.Cmd ?? [])].slice(1),
    State: {
      Status: status,
      Running: status === 'running' || status === 'paused',
      Paused: status === 'paused',
      Restarting: status === 'restarting',
      OOMKilled: s.oomKilled,
      Dead: status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(s.health
        ? {
            Health: {
              Status: s.health.status,
              FailingStreak: s.health.failingStreak,
              Log: s.health.log.map((l) => ({
                Start: l.start,
                End: l.end,
                ExitCode: l.exitCode,
                Output: l.output,
              })),
            },
          }
        : {}),
    },
    Image: r.imageId,
    ResolvConfPath: `${paths.dir}/resolv.conf`,
    HostnamePath: `${paths.dir}/hostname`,
    HostsPath: `${paths.dir}/hosts`,
    LogPath: paths.logPath,
    Name: `/${r.name}`,
    RestartCount: s.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    HostConfig: {
      Binds: r.hostConfig.binds.length ? r.hostConfig.binds : null,
      LogConfig: {
        Type: 'json-file',
        Config: {
          'max-size': String(r.hostConfig.logConfig.maxSize),
          'max-file': String(r.hostConfig.logConfig.maxFile),
        },
      },
      NetworkMode: r.hostConfig.networkMode,
      PortBindings: portBindingsJson(r.hostConfig.portBindings ?? []),
      PublishAllPorts: r.hostConfig.publishAllPorts ?? false,
      RestartPolicy: {
        Name: r.hostConfig.restartPolicy.name,
        MaximumRetryCount: r.hostConfig.restartPolicy.maximumRetryCount,
      },
      AutoRemove: r.hostConfig.autoRemove,
      CapAdd: r.hostConfig.capAdd.length ? r.hostConfig.capAdd : null,
      CapDrop: r.hostConfig.capDrop.length ? r.hostConfig.capDrop : null,
      Dns: r.hostConfig.dns,
      DnsSearch: r.hostConfig.dnsSearch,
      ExtraHosts: r.hostConfig.extraHosts.length ? r.hostConfig.extraHosts : null,
      Privileged: r.hostConfig.privileged,
      ReadonlyRootfs: r.hostConfig.readonlyRootfs,
      SecurityOpt: r.hostConfig.securityOpt.length ? r.hostConfig.securityOpt : null,
      Tmpfs: Object.keys(r.hostConfig.tmpfs).length ? r.hostConfig.tmpfs : undefined,
      Init: r.hostConfig.init || null,
      CpuShares: r.hostConfig.cpuShares,
      Memory: r.hostConfig.memory,
      MemorySwap: r.hostConfig.memorySwap,
      NanoCpus: r.hostConfig.nanoCpus,
      CpuPeriod: r.hostConfig.nanoCpus ? 100000 : 0,
      CpuQuota: r.hostConfig.nanoCpus ? Math.round(r.hostConfig.nanoCpus / 1e4) : 0,
      PidsLimit: r.hostConfig.pidsLimit || null,
      Ulimits: r.hostConfig.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    },
    GraphDriver: {
      Name: 'overlay',
      Data: {
        MergedDir: `${paths.dir}/rootfs`,
        UpperDir: `${paths.dir}/upper`,
        WorkDir: `${paths.dir}/work`,
      },
    },
    Mounts: r.mounts.map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.source, Driver: m.driver ?? 'local' } : {}),
      Source: m.type === 'tmpfs' ? '' : m.source,
      Destination: m.destination,
      Mode: m.type === 'bind' ? (m.readOnly ? 'ro' : '') : m.readOnly ? 'ro' : 'z',
      RW: !m.readOnly,
      Propagation: m.type === 'bind' ? 'rprivate' : '',
    })),
    Config: {
      ...dockerContainerConfig(r.config),
      Hostname: r.config.Hostname,
      Tty: r.config.Tty,
      OpenStdin: r.config.OpenStdin,
      StdinOnce: r.config.StdinOnce,
      AttachStdin: r.config.AttachStdin,
      AttachStdout: r.config.AttachStdout,
      AttachStderr: r.config.AttachStderr,
      Image: r.config.Image,
    },
    NetworkSettings: paths.networkSettings,
  };
}
