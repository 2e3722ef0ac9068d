/**
 * The engine: one object whose methods are berth's operations. The CLI and (later) the API
 * server translate to and from these calls and nothing else.
 */
import { sourceDateEpoch } from './source-date-epoch.js';
import { Builder, type BuildOptions, type BuildResult } from './build/builder.js';
import { BuildCache } from './build/cache.js';
import { contextFilter } from './build/context.js';
import { directoryContext, withStreamContext, type DockerfileSource } from './build/sources.js';
import { connectContainer, disconnectContainer } from './container-network.js';
import { NetworkService } from './networks.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, type Writable } from 'node:stream';
import type { Digest } from '../core/digest.js';
import { invalidArgument, notFound } from '../core/errors.js';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  type HistoryEntry,
  type ImageConfig,
  type Platform,
} from '../core/oci.js';
import { parseOciDocument } from '../core/oci-schema.js';
import { parseReference, referenceString, toFamiliar } from '../core/reference.js';
import { loadArchive, type LoadedImage } from '../image/archive-load.js';
import { saveArchive, type SaveFormat, type SaveItem } from '../image/archive-save.js';
import { createBuiltinImage } from '../image/builtin.js';
import { checkStores, type CheckReport } from '../image/check.js';
import { collectGarbage, imageRoots } from '../image/gc.js';
import { importRootfs } from '../image/import.js';
import { removeFromDb, removeImages, type ImageUsers, type RemoveResult } from '../image/remove.js';
import { resolveImage, tagsOf, type ImageDb, type ImageRecord } from '../image/store.js';
import { openStores, withContentLease, withGcLock, type Stores } from '../image/stores.js';
import type { StoredImage } from '../image/write.js';
import { ContainerStore } from '../runtime/container-store.js';
import { VolumeStore } from '../volume/store.js';
import { VolumeService } from './volumes.js';
import { imageMatches, saveItemsFor } from './image-queries.js';
import { createContainer } from './container-create.js';
import { checkContainers } from './container-check.js';
import type { CreateRequest } from './container-request.js';
import { ContainerService } from './containers.js';
import type { ContainerRecord } from '../runtime/container-record.js';
import { parseBoolFilter, parseFilters, referenceMatches } from './image-filters.js';
import {
  Distribution,
  type ProgressSink,
  type PullResult,
  type PushResult,
} from './distribution.js';

export interface EngineOptions {
  /** State root (default /var/lib/berth). */
  root: string;
  /** Runtime state root, on tmpfs (default /run/berth). */
  runroot?: string;
  /** How to run berth itself (argv prefix), for the monitor's exit command. */
  selfCommand?: string[];
}

export interface ImageSummary {
  id: Digest;
  /** Familiar `name:tag` strings. */
  repoTags: string[];
  /** Familiar `name@sha256:…` strings. */
  repoDigests: string[];
  created: string;
  size: number;
  labels: Record<string, string>;
}

export interface ImageDetails {
  record: ImageRecord;
  config: ImageConfig;
  repoTags: string[];
  repoDigests: string[];
  /** Snapshot directories, top-most first. */
  layerDirs: string[];
}

export interface HistoryItem {
  /** The image ID on the top row, undefined (`<missing>`) below, as Docker shows it. */
  id?: Digest;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

export interface PruneResult {
  untagged: string[];
  deleted: Digest[];
  reclaimed: number;
}

export interface UsageRow {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/** What `build` takes besides its context and Dockerfile. */
export type BuildRequest = Omit<
  BuildOptions,
  'network' | 'contextDir' | 'dockerfile' | 'decide'
> & {
  network?: string;
};

export interface DiskUsage {
  images: UsageRow;
  containers: UsageRow;
  volumes: UsageRow;
  buildCache: UsageRow;
}

export type ByteSource = AsyncIterable<Uint8Array>;

function summarize(db: ImageDb, img: ImageRecord): ImageSummary {
  return {
    id: img.id,
    repoTags: tagsOf(db, img.id).map(toFamiliar),
    repoDigests: img.repoDigests.map(toFamiliar),
    created: img.created,
    size: img.size,
    labels: img.labels ?? {},
  };
}

export class Engine {
  readonly stores: Stores;
  readonly platform: Platform;
  readonly containers: ContainerService;
  readonly volumes: VolumeService;
  readonly networks: NetworkService;
  readonly runroot: string;
  /** Registries: pull, push, login, logout, manifest inspect. */
  readonly distribution: Distribution;
  private readonly volumeStore: VolumeStore;

  constructor(readonly opts: EngineOptions) {
    this.stores = openStores(opts.root);
    this.platform = hostPlatform(process.arch, process.platform);
    this.runroot = opts.runroot ?? '/run/berth';
    const containerStore = new ContainerStore(path.join(opts.root, 'containers'));
    this.volumeStore = new VolumeStore(path.join(opts.root, 'volumes'));
    this.volumes = new VolumeService(this.volumeStore, containerStore);
    this.networks = new NetworkService(opts.root, this.runroot);
    this.distribution = new Distribution(this.stores, this.platform);
    this.containers = new ContainerService(
      this.stores,
      containerStore,
      this.volumeStore,
      this.runroot,
      opts.selfCommand ?? [process.execPath, process.argv[1]!],
      opts.root,
      this.networks,
    );
  }

  /**
   * `system reset`: every container (killed), network (bridges, firewall, DNS), volume and
   * image, then the state directories themselves.
   */
  async reset(): Promise<void> {
    // everything is attempted; the first failure is reported once all the rest is done
    const failures: unknown[] = [];
    for (const { record } of await this.containers.list())
      await this.containers
        .remove(record.id, { force: true, volumes: true })
        .catch((e: unknown) => failures.push(e));
    await this.networks.reset().catch((e: unknown) => failures.push(e));
    if (failures.length > 0) throw failures[0] as Error;
    await fs.rm(this.opts.root, { recursive: true, force: true });
    await fs.rm(this.runroot, { recursive: true, force: true });
  }

  /**
   * `build`: the image ID; step lines and RUN output go to `out`. The context is a directory or
   * a stream (see build/sources.ts).
   */
  async build(
    context: { dir: string } | { stream: AsyncIterable<Buffer> },
    dockerfile: DockerfileSource,
    opts: BuildRequest,
    out: Writable,
  ): Promise<BuildResult> {
    // stages that start FROM the same missing image wait for one pull of it
    const pulls = new Map<string, Promise<boolean>>();
    const pullImage = (ref: string, out: Writable) => {
      let p = pulls.get(ref);
      if (!p) {
        p = this.distribution.ensureImage(ref, (e) => {
          if (e.kind === 'status') out.write(`${e.text}\n`);
          else if (e.current === undefined) out.write(`${e.id}: ${e.status}\n`);
        });
        pulls.set(ref, p);
      }
      return p;
    };
    const run = async (contextDir: string, file: BuildOptions['dockerfile']) =>
      new Builder(
        {
          stores: this.stores,
          containers: this.containers,
          createContainer: (req) => this.createContainer(req),
          cacheFile: path.join(this.opts.root, 'metadata', 'build-cache.json'),
          pullImage,
        },
        {
          ...opts,
          contextDir,
          dockerfile: file,
          network: opts.network ?? 'default',
          decide: await contextFilter(contextDir),
        },
        out,
      ).build();
    if ('dir' in context) return run(context.dir, await directoryContext(context.dir, dockerfile));
    return withStreamContext(context.stream, dockerfile, run);
  }

  /** `builder prune`: the build cache's images (those no tag or container holds). */
  async pruneBuildCache(): Promise<PruneResult> {
    await new BuildCache(path.join(this.opts.root, 'metadata', 'build-cache.json')).clear();
    return this.pruneWhere(
      (db, img) => img.intermediate === true && tagsOf(db, img.id).length === 0,
    );
  }

  /** `network connect`: now if it runs, and at every start. */
  async connectNetwork(
    container: string,
    network: string,
    opts: { aliases: string[]; ipv4Address?: string },
  ): Promise<void> {
    await connectContainer(this.containers, container, { network, ...opts });
  }

  async disconnectNetwork(container: string, network: string): Promise<void> {
    await disconnectContainer(this.containers, container, network);
  }

  /**
   * `create`: a container from an image, ready to start. With `pullProgress`, an image that is
   * not here is pulled first (`Unable to find image … locally`), as docker run/create do
   * (`pull: 'always'` pulls even when it is here, `'never'` never does).
   */
  async createContainer(
    req: CreateRequest,
    opts: {
      pullProgress?: ProgressSink;
      pull?: 'always' | 'missing' | 'never';
      platform?: string;
    } = {},
  ): Promise<ContainerRecord> {
    if (opts.pullProgress && opts.pull !== 'never')
      await this.distribution.ensureImage(req.image, opts.pullProgress, {
        platform: opts.platform,
        always: opts.pull === 'always',
      });
    return createContainer(
      {
        stores: this.stores,
        containers: this.containers.containers,
        volumes: this.volumeStore,
        networks: this.networks,
      },
      req,
    );
  }

  /** Check a `--platform` value against the host: berth runs images of its own platform only. */
  checkPlatform(value: string): Platform {
    const want = normalizePlatform(parsePlatform(value, this.platform));
    const host = normalizePlatform(this.platform);
    if (!platformMatches(host, want)) {
      throw invalidArgument(
        `platform ${formatPlatform(want)} is not supported on this host (${formatPlatform(host)})`,
      );
    }
    return want;
  }

  /** Open a file argument, or stdin for `-`, with Docker's error for a missing file. */
  async openInput(file: string, stdin: NodeJS.ReadableStream): Promise<ByteSource> {
    if (file === '-') return stdin as unknown as ByteSource;
    try {
      const fh = await fs.open(file, 'r');
      const st = await fh.stat();
      if (st.isDirectory()) {
        await fh.close();
        throw invalidArgument(`${file} is a directory`);
      }
      return fh.createReadStream({ highWaterMark: 1 << 20 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw notFound(`open ${file}: no such file or directory`);
      throw e;
    }
  }

  // ---- images -------------------------------------------------------------------------

  /** `pull`: see distribution.ts. */
  async pull(
    name: string,
    opts: { platform?: string; allTags?: boolean },
    progress: ProgressSink,
  ): Promise<PullResult[]> {
    return this.distribution.pull(name, opts, progress);
  }

  /** `push`: see distribution.ts. */
  async push(
    name: string,
    opts: { allTags?: boolean },
    progress: ProgressSink,
  ): Promise<PushResult[]> {
    return this.distribution.push(name, opts, progress);
  }

  async importImage(
    source: ByteSource,
    opts: { reference?: string; changes?: string[]; message?: string; sourceName: string },
  ): Promise<StoredImage> {
    const tag = opts.reference ? parseReference(opts.reference) : undefined;
    if (tag?.digest)
      throw invalidArgument(`cannot import to a reference with a digest: ${opts.reference}`);
    return withContentLease(this.stores, () =>
      importRootfs(this.stores, source, {
        changes: opts.changes,
        message: opts.message,
        source: opts.sourceName,
        platform: this.platform,
        tag,
        sourceDateEpoch: sourceDateEpoch(),
      }),
    );
  }

  async createBuiltinImage(name: string, opts: { busybox?: string } = {}): Promise<StoredImage> {
    return withContentLease(this.stores, () =>
      createBuiltinImage(this.stores, name, {
        platform: this.platform,
        busybox: opts.busybox,
        sourceDateEpoch: sourceDateEpoch(),
      }),
    );
  }

  async listImages(
    opts: { all?: boolean; filters?: string[]; reference?: string } = {},
  ): Promise<ImageSummary[]> {
    const filters = parseFilters(opts.filters ?? []);
    if (opts.reference)
      filters.set('reference', [...(filters.get('reference') ?? []), opts.reference]);
    const db = await this.stores.images.read();
    const patterns = filters.get('reference');
    return Object.values(db.images)
      .filter((img) => (opts.all || !img.intermediate) && imageMatches(db, img, filters))
      .sort((a, b) =>
        a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? -1 : 1,
      )
      .map((img) => {
        const summary = summarize(db, img);
        // as Docker: a reference filter also narrows the names listed for a matching image
        if (patterns)
          summary.repoTags = summary.repoTags.filter((t) =>
            patterns.some((p) => referenceMatches(p, t)),
          );
        return summary;
      });
  }

  async tagImage(source: string, target: string): Promise<void> {
    const ref = parseReference(target);
    if (ref.digest) throw invalidArgument(`refusing to create a tag with a digest reference`);
    await this.stores.images.update((db) => {
      const { record } = resolveImage(db, source);
      db.tags[referenceString(ref)] = record.id;
    });
  }

  async removeImages(
    names: string[],
    opts: { force?: boolean },
    report: (name: string, result: RemoveResult | Error) => void,
  ): Promise<void> {
    await removeImages(this.stores, names, { ...opts, users: await this.imageUsers() }, report);
  }

  /** Docker's SizeRw (the container's own layer) and SizeRootFs (that plus its image). */
  async containerSize(id: string): Promise<{ rw: number; rootFs: number }> {
    const { record } = await this.containers.view(id);
    const rw = await this.containers.size(record.id);
    const image = (await this.stores.images.read()).images[record.imageId];
    return { rw, rootFs: rw + (image?.size ?? 0) };
  }

  /** Which containers use which images (they keep them from being deleted). */
  private async imageUsers(): Promise<ImageUsers> {
    const users: ImageUsers = new Map();
    for (const v of await this.containers.list()) {
      const running = ['running', 'paused', 'restarting'].includes(v.state.status);
      users.set(v.record.imageId, [
        ...(users.get(v.record.imageId) ?? []),
        { id: v.record.id, running },
      ]);
    }
    return users;
  }

  async inspectImage(name: string): Promise<ImageDetails> {
    const db = await this.stores.images.read();
    const { record } = resolveImage(db, name);
    const config = parseOciDocument<ImageConfig>(
      'config',
      await this.stores.content.read(record.id),
    );
    const dirs = await this.stores.snapshots.lowerDirs(record.chainIds[record.chainIds.length - 1]);
    return {
      record,
      config,
      repoTags: tagsOf(db, record.id).map(toFamiliar),
      repoDigests: record.repoDigests.map(toFamiliar),
      layerDirs: dirs,
    };
  }

  async imageHistory(name: string): Promise<HistoryItem[]> {
    const { record, config, repoTags } = await this.inspectImage(name);
    const sizes = await Promise.all(
      record.chainIds.map(async (c) => (await this.stores.snapshots.info(c))?.size ?? 0),
    );
    const history: HistoryEntry[] =
      config.history ??
      config.rootfs.diff_ids.map(() => ({ created: config.created, created_by: '', comment: '' }));
    let layer = 0;
    const rows = history.map((h) => ({
      created: h.created,
      createdBy: h.created_by ?? '',
      size: h.empty_layer ? 0 : (sizes[layer++] ?? 0),
      comment: h.comment ?? '',
      tags: [] as string[],
    }));
    rows.reverse();
    return rows.map((r, i) => (i === 0 ? { ...r, id: record.id, tags: repoTags } : r));
  }

  /** What `save NAME...` writes (see saveItemsFor). */
  async saveItems(names: string[]): Promise<SaveItem[]> {
    return saveItemsFor(await this.stores.images.read(), names);
  }

  /**
   * Write an archive of images to `output`: a file path (written to a temporary name and
   * renamed, so a failed save leaves nothing) or a stream.
   */
  async saveImages(names: string[], format: SaveFormat, output: string | Writable): Promise<void> {
    const items = await this.saveItems(names);
    const stream = Readable.from(saveArchive(this.stores, items, format));
    if (typeof output !== 'string') {
      await pipeline(stream, output, { end: false });
      return;
    }
    const tmp = path.join(
      path.dirname(output),
      `.${path.basename(output)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      const fh = await fs.open(tmp, 'wx', 0o644);
      await pipeline(stream, fh.createWriteStream());
      await fs.rename(tmp, output);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw invalidArgument(
          `failed to save image: invalid output path: ${path.dirname(output)}: no such directory`,
        );
      }
      throw e;
    }
  }

  async loadImages(source: ByteSource): Promise<LoadedImage[]> {
    return withContentLease(this.stores, () => loadArchive(this.stores, source, this.platform));
  }

  /** `image prune`: dangling images, or with `all` every image no container uses. */
  async pruneImages(opts: { all?: boolean; filters?: string[] }): Promise<PruneResult> {
    const filters = parseFilters(opts.filters ?? [], ['label', 'until', 'dangling']);
    const dangling = parseBoolFilter('dangling', filters.get('dangling')) ?? !opts.all;
    filters.delete('dangling');
    return this.pruneWhere(
      (db, img) =>
        (!dangling || (tagsOf(db, img.id).length === 0 && !img.intermediate)) &&
        imageMatches(db, img, filters),
    );
  }

  /** Remove the images `select` picks that no container uses, then collect their content. */
  private async pruneWhere(
    select: (db: ImageDb, img: ImageRecord) => boolean,
  ): Promise<PruneResult> {
    const result: PruneResult = { untagged: [], deleted: [], reclaimed: 0 };
    const users = await this.imageUsers();
    const removed = await this.stores.images.update((db) =>
      Object.values(db.images)
        .filter((img) => !users.has(img.id) && select(db, img))
        .map((img) => removeFromDb(db, img.id, true)),
    );
    for (const r of removed) {
      result.untagged.push(...r.untagged);
      result.deleted.push(...r.deleted);
    }
    if (removed.length > 0) {
      const freed = await withGcLock(this.stores, async () =>
        collectGarbage(this.stores, await imageRoots(this.stores, await this.stores.images.read())),
      );
      result.deleted.push(...freed.snapshots.map((s) => s.chainId));
      result.reclaimed = freed.reclaimed;
    }
    return result;
  }

  /** Disk used by images: unique snapshots plus the blobs they came from. */
  async diskUsage(): Promise<DiskUsage> {
    const db = await this.stores.images.read();
    const users = await this.imageUsers();
    const imageSize = async (ids: string[]) => {
      const roots = await imageRoots(this.stores, {
        ...db,
        images: Object.fromEntries(ids.map((id) => [id, db.images[id]!])),
      });
      let size = 0;
      for (const c of roots.snapshots) size += (await this.stores.snapshots.info(c))?.size ?? 0;
      for (const b of roots.blobs) size += (await this.stores.content.info(b))?.size ?? 0;
      return size;
    };
    const all = Object.keys(db.images);
    const ids = all.filter((id) => !db.images[id]!.intermediate);
    const size = await imageSize(ids);
    const unused = await imageSize(ids.filter((id) => !users.has(id)));
    // the build cache: what only build intermediates hold (what `builder prune` frees)
    const cacheOnly = (await imageSize(all)) - size;
    const containers = await this.containers.list();
    const running = (s: string) => ['running', 'paused', 'restarting'].includes(s);
    const cSizes = await Promise.all(containers.map((c) => this.containers.size(c.record.id)));
    const vols = await this.volumes.list();
    const vSizes = await Promise.all(vols.map((v) => this.volumeStore.size(v.volume.name)));
    return {
      images: { total: ids.length, active: users.size, size, reclaimable: unused },
      containers: {
        total: containers.length,
        active: containers.filter((c) => running(c.state.status)).length,
        size: cSizes.reduce((a, b) => a + b, 0),
        reclaimable: containers.reduce(
          (a, c, i) => a + (running(c.state.status) ? 0 : cSizes[i]!),
          0,
        ),
      },
      volumes: {
        total: vols.length,
        active: vols.filter((v) => v.usedBy.length > 0).length,
        size: vSizes.reduce((a, b) => a + b, 0),
        reclaimable: vols.reduce((a, v, i) => a + (v.usedBy.length > 0 ? 0 : vSizes[i]!), 0),
      },
      buildCache: {
        total: all.length - ids.length,
        active: 0,
        size: cacheOnly,
        reclaimable: cacheOnly,
      },
    };
  }

  /** `system check`: containers first (they hold snapshots), then the stores. */
  async check(opts: { repair: boolean }): Promise<CheckReport> {
    const containers = await checkContainers(this.containers, opts);
    const stores = await checkStores(this.stores, opts);
    return { findings: [...containers.findings, ...stores.findings] };
  }
}
