/**
 * Turning `-v`, `--mount`, `--tmpfs` and the image's VOLUMEs into the container's mounts: what
 * `inspect` shows (MountPoint) and what the runtime spec gets (Mount). Named volumes are created
 * on first use; anonymous ones get random names; a missing bind source is created for `-v` and
 * an error for `--mount` (Docker's rule).
 */
import fs from 'node:fs/promises';
import { bindMountOptions } from '../core/container-spec.js';
import { invalidArgument } from '../core/errors.js';
import {
  cleanPath,
  parseVolumeSpec,
  tmpfsMountOptions,
  tmpfsSpecOptions,
} from '../core/mount-spec.js';
import type { Mount } from '../core/runtime-spec.js';
import type { MountPoint } from '../runtime/container-record.js';
import type { VolumeStore } from '../volume/store.js';
import type { CreateRequest } from './container-request.js';

export interface ResolvedMount {
  point: MountPoint & { copyUp?: boolean };
  spec: Mount;
}

export interface ResolvedMounts {
  mounts: ResolvedMount[];
  /** Volumes made for this container (removed again if creating it fails). */
  createdVolumes: string[];
}

export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export async function resolveMounts(
  req: CreateRequest,
  imageVolumes: string[],
  volumes: VolumeStore,
): Promise<ResolvedMounts> {
  const out: ResolvedMounts = { mounts: [], createdVolumes: [] };
  const taken = new Set<string>();
  const claim = (target: string) => {
    const t = cleanPath(target);
    if (taken.has(t)) throw invalidArgument(`Duplicate mount point: ${t}`);
    taken.add(t);
    return t;
  };
  const volume = async (
    name: string | undefined,
    target: string,
    readOnly: boolean,
    noCopy: boolean,
    labels?: Record<string, string>,
  ) => {
    const anonymous = name === undefined;
    const { volume: v, created } = await volumes.create(name, {
      labels: anonymous ? { [ANONYMOUS_LABEL]: '' } : labels,
    });
    if (created) out.createdVolumes.push(v.name);
    out.mounts.push({
      point: {
        type: 'volume',
        source: v.name,
        destination: target,
        readOnly,
        driver: 'local',
        ...(created && !noCopy ? { copyUp: true } : {}),
      },
      spec: {
        destination: target,
        type: 'bind',
        source: v.mountpoint,
        options: bindMountOptions({ readOnly }),
      },
    });
  };
  const bind = async (
    source: string,
    target: string,
    readOnly: boolean,
    create: boolean,
    propagation?: string,
  ) => {
    const st = await fs.stat(source).catch(() => undefined);
    if (!st) {
      if (!create)
        throw invalidArgument(
          `invalid mount config for type "bind": bind source path does not exist: ${source}`,
        );
      await fs.mkdir(source, { recursive: true, mode: 0o755 });
    }
    out.mounts.push({
      point: { type: 'bind', source, destination: target, readOnly },
      spec: {
        destination: target,
        type: 'bind',
        source,
        options: bindMountOptions({ readOnly, propagation: propagation ?? 'rprivate' }),
      },
    });
  };

  for (const raw of req.hostConfig.binds) {
    const v = parseVolumeSpec(raw);
    const target = claim(v.target);
    if (v.type === 'bind') await bind(v.source!, target, v.readOnly, true, v.propagation);
    else await volume(v.source, target, v.readOnly, v.noCopy ?? false);
  }
  for (const m of req.hostConfig.mounts) {
    const target = claim(m.target);
    if (m.type === 'bind')
      await bind(m.source!, target, m.readOnly, m.createSource ?? false, m.propagation);
    else if (m.type === 'volume')
      await volume(m.source, target, m.readOnly, m.noCopy ?? false, m.volumeLabels);
    else {
      const options = tmpfsSpecOptions(m);
      out.mounts.push({
        point: { type: 'tmpfs', source: '', destination: target, readOnly: m.readOnly, options },
        spec: {
          destination: target,
          type: 'tmpfs',
          source: 'tmpfs',
          options: tmpfsMountOptions(options),
        },
      });
    }
  }
  for (const t of req.hostConfig.tmpfs) {
    const target = claim(t.target);
    out.mounts.push({
      point: {
        type: 'tmpfs',
        source: '',
        destination: target,
        readOnly: false,
        options: t.options,
      },
      spec: {
        destination: target,
        type: 'tmpfs',
        source: 'tmpfs',
        options: tmpfsMountOptions(t.options),
      },
    });
  }
  for (const target of imageVolumes) {
    if (taken.has(cleanPath(target))) continue;
    claim(target);
    await volume(undefined, cleanPath(target), false, false);
  }
  return out;
}
