/**
 * Docker's JSON shapes (PascalCase) for what berth stores, shared by `inspect` and the API so
 * the two can never disagree.
 */
import type { ContainerConfig } from '../core/oci.js';
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
