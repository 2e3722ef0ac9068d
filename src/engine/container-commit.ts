/**
 * `commit`: a new image from a container's changes (moby daemon/commit.go). The container's
 * upper directory becomes one new layer on top of its image's layers (an unchanged container
 * adds no layer, only a history entry, as Docker does); the config is the container's, with
 * `--change` instructions applied; the history gains the container's command, `-m` and `-a`.
 * The layer is written deterministically (sorted, numeric owners, whole-second mtimes) and
 * published as a snapshot on the image's chain, so the new image runs without unpacking.
 */
import type { ByteStream } from '../archive/chunk-reader.js';
import fs from 'node:fs';
import path from 'node:path';
import { applyLayer } from '../archive/extract.js';
import { adoptUpperDir } from '../archive/overlay-format.js';
import { writeLayer } from '../archive/layer-writer.js';
import type { HeaderInput } from '../archive/tar-header.js';
import { readTar } from '../archive/tar-reader.js';
import { writeTar, type WriteEntry } from '../archive/tar-writer.js';
import { applyChanges } from '../core/config-change.js';
import { chainIds, type Digest } from '../core/digest.js';
import { conflict, invalidArgument, noSuchImage } from '../core/errors.js';
import { toOciMediaType } from '../core/media-types.js';
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from '../core/oci.js';
import { parseOciDocument } from '../core/oci-schema.js';
import { parseReference, type Reference } from '../core/reference.js';
import { commitDirAsLayer, type DirLayer } from '../image/layer-from-dir.js';
import { withContentLease } from '../image/stores.js';
import { storeImage, type StoredImage } from '../image/write.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import { commitConfig } from './commit-config.js';
import { createdTime, sourceDateEpoch } from './source-date-epoch.js';
import { scanContainer } from './container-diff.js';
import type { FileDeps } from './container-fs.js';

export interface CommitOptions {
  /** `REPOSITORY[:TAG]` for the new image. */
  reference?: string;
  /** `-a`. */
  author?: string;
  /** `-m`. */
  message?: string;
  /** `-c`: Dockerfile instructions applied to the config. */
  changes?: string[];
  /** Pause a running container while its changes are read (default true, as Docker). */
  pause?: boolean;
}

/** The image a container was made from: its config and its layer descriptors. */
async function parentImage(d: FileDeps, record: ContainerRecord) {
  const db = await d.stores.images.read();
  const image = db.images[record.imageId];
  if (!image) throw noSuchImage(record.image);
  const config = parseOciDocument<ImageConfig>('config', await d.stores.content.read(image.id));
  const manifest = parseOciDocument<ImageManifest>(
    'manifest',
    await d.stores.content.read(image.manifest),
  );
  const layers: Descriptor[] = manifest.layers.map((l) => ({
    ...l,
    mediaType: toOciMediaType(l.mediaType),
  }));
  return { config, layers };
}

/** The entries of a layer tarball, less those under the given paths. */
async function* without(tar: ByteStream, dropped: Set<string>): AsyncGenerator<WriteEntry> {
  const isDropped = (p: string): boolean =>
    p !== '/' && (dropped.has(p) || isDropped(p.slice(0, p.lastIndexOf('/')) || '/'));
  for await (const { header, body } of readTar(tar)) {
    if (!isDropped(`/${header.name.replace(/\/$/, '')}`))
      yield { header: header as HeaderInput, body };
  }
}

/**
 * A new snapshot on top of the container's image, filled by `fill` (which returns its size),
 * published with its layer blob; discarded if anything fails.
 */
async function publishLayer(
  d: FileDeps,
  record: ContainerRecord,
  parentDiffIds: Digest[],
  fill: (dir: string) => Promise<number>,
): Promise<DirLayer> {
  const pending = await d.stores.snapshots.prepare();
  let size: number;
  try {
    size = await fill(pending.dir);
  } catch (e) {
    await pending.discard();
    throw e;
  }
  return commitDirAsLayer(d.stores, pending, {
    parent: record.chainId,
    size,
    sourceDateEpoch: sourceDateEpoch(),
    chainId: (diffId) => chainIds([...parentDiffIds, diffId]).at(-1)!,
  });
}

/**
 * The changes of a container that has exited and is about to be removed (a build's RUN), as a
 * new snapshot and layer blob: its upper directory, less what the runtime made, becomes the
 * snapshot itself (renamed, not copied), so its files are not written a second time.
 */
async function adoptChanges(
  d: FileDeps,
  record: ContainerRecord,
  parentDiffIds: Digest[],
): Promise<DirLayer | undefined> {
  const scan = await scanContainer(d, record.id);
  for (const p of scan.runtimeOnly()) fs.rmSync(path.join(scan.upper, p), { recursive: true });
  if (fs.readdirSync(scan.upper).length === 0) return undefined; // nothing changed: no layer
  return publishLayer(d, record, parentDiffIds, (dir) => {
    const size = adoptUpperDir(scan.upper);
    fs.renameSync(scan.upper, dir); // onto the empty directory prepare made
    return Promise.resolve(size);
  });
}

/** The container's changes as a new snapshot and layer blob; undefined when there are none. */
async function changesLayer(
  d: FileDeps,
  record: ContainerRecord,
  parentDiffIds: Digest[],
): Promise<DirLayer | undefined> {
  const scan = await scanContainer(d, record.id);
  const dropped = scan.runtimeOnly();
  const lowers = await d.stores.snapshots.lowerDirs(record.chainId);
  const entries = without(writeLayer(scan.upper), dropped);
  const first = await entries.next();
  if (first.done) return undefined; // nothing changed: no layer, as Docker
  return publishLayer(d, record, parentDiffIds, async (dir) => {
    const tar = writeTar(
      (async function* () {
        yield first.value;
        yield* entries;
      })(),
    );
    return (await applyLayer(dir, tar, lowers)).size;
  });
}

async function commit(
  d: FileDeps,
  record: ContainerRecord,
  opts: CommitOptions,
  tag: Reference | undefined,
): Promise<StoredImage> {
  const parent = await parentImage(d, record);
  const config = commitConfig(record, parent.config.config?.Env ?? [], opts.changes ?? []);
  const layer = await changesLayer(d, record, parent.config.rootfs.diff_ids);
  const created = createdTime();
  const history: HistoryEntry[] =
    parent.config.history ??
    parent.config.rootfs.diff_ids.map(() => ({ created: parent.config.created }));
  const entry: HistoryEntry = {
    created,
    created_by: (record.config.Cmd ?? []).join(' '),
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.message ? { comment: opts.message } : {}),
    ...(layer ? {} : { empty_layer: true }),
  };
  const p = parent.config;
  const image: ImageConfig = {
    created,
    ...(opts.author ? { author: opts.author } : {}),
    architecture: p.architecture,
    os: p.os,
    ...(p['os.version'] ? { 'os.version': p['os.version'] } : {}),
    ...(p['os.features'] ? { 'os.features': p['os.features'] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: [...p.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
    history: [...history, entry],
  };
  return storeImage(d.stores, {
    config: image,
    layers: [...parent.layers, ...(layer ? [layer.descriptor] : [])],
    tags: tag ? [tag] : [],
  });
}

/** `commit CONTAINER [REPOSITORY[:TAG]]`: the new image (print `record.id`). */
export async function commitContainer(
  d: FileDeps,
  idOrName: string,
  opts: CommitOptions = {},
): Promise<StoredImage> {
  const tag = opts.reference ? parseReference(opts.reference) : undefined;
  if (tag?.digest) throw invalidArgument('refusing to create a tag with a digest reference');
  applyChanges({}, opts.changes ?? []); // a bad change fails before any work
  const { record, state } = await d.containers.view(idOrName);
  if (state.status === 'dead')
    throw conflict(`You cannot commit container ${record.id} which is Dead`);
  const pause = (opts.pause ?? true) && state.status === 'running';
  if (pause) await d.containers.pause(record.id);
  try {
    return await withContentLease(d.stores, () => commit(d, record, opts, tag));
  } finally {
    if (pause) await d.containers.unpause(record.id);
  }
}

/**
 * A build step's image from the container that ran it: the container's changes as one layer
 * (none when nothing changed) on its image, with the config and history entry the builder
 * gives. Stored as a build intermediate. The container must have exited and been cleaned up
 * (its root file system unmounted): its upper directory is taken, so it can only be removed.
 */
export async function imageFromRunContainer(
  d: FileDeps,
  record: ContainerRecord,
  step: { config: ImageConfig; createdBy: string },
): Promise<StoredImage> {
  return withContentLease(d.stores, async () => {
    const parent = await parentImage(d, record);
    const layer = await adoptChanges(d, record, parent.config.rootfs.diff_ids);
    const image: ImageConfig = {
      ...step.config,
      rootfs: {
        type: 'layers',
        diff_ids: [...parent.config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])],
      },
      history: [
        ...(step.config.history ?? []),
        {
          created: step.config.created,
          created_by: step.createdBy,
          comment: 'buildkit.dockerfile.v0',
          ...(layer ? {} : { empty_layer: true }),
        },
      ],
    };
    return storeImage(d.stores, {
      config: image,
      layers: [...parent.layers, ...(layer ? [layer.descriptor] : [])],
      intermediate: true,
    });
  });
}
