/**
 * `pull`: a manifest (through an index, for the platform asked for), its config and layers
 * into the content store, the layers unpacked, the image recorded with its tag and repo digest.
 * Layers download in parallel and are unpacked in order as they arrive. A layer blob already in
 * the store is not fetched; an image already complete here transfers no blob at all. On a
 * failure, what only this pull added is removed again (interrupted downloads stay, to resume).
 */
import { chainIds, type Digest } from '../../core/digest.js';
import { BerthError, invalidArgument, notFound } from '../../core/errors.js';
import type { ImageConfig, Platform } from '../../core/oci.js';
import { formatPlatform, normalizePlatform, selectManifest } from '../../core/oci.js';
import { parseOciDocument } from '../../core/oci-schema.js';
import {
  familiarName,
  familiarString,
  referenceString,
  repositoryName,
  type Reference,
} from '../../core/reference.js';
import { discardUnreferenced } from '../../image/gc.js';
import { withContentLease } from '../../image/stores.js';
import { unpackLayer, unpackLayers } from '../../image/unpack.js';
import { storeImage } from '../../image/write.js';
import { BlobTail, fetchBlob } from './fetch-blob.js';
import { RegistryError, type RegistryClient } from './http.js';
import { fetchManifest, type FetchedManifest } from './manifests.js';
import { limiter, shortId } from './progress.js';
import { openClient, type ClientDeps } from './session.js';

export interface PullResult {
  id: Digest;
  /** The manifest (or index) digest the reference resolved to. */
  digest: Digest;
  /** `docker.io/library/busybox:latest` */
  name: string;
  /** True when nothing changed (the tag already pointed at this image). */
  upToDate: boolean;
}

/** A registry error of a pull in docker's words (distribution/pull_v2.go, translatePullError). */
export function translatePullError(e: unknown, ref: Reference): unknown {
  if (!(e instanceof RegistryError) || e.message.endsWith('no basic auth credentials')) return e;
  const code = e.codes[0];
  if (code === 'MANIFEST_UNKNOWN')
    return notFound(`manifest for ${familiarString(ref)} not found: ${e.detail}`);
  if (code === 'NAME_UNKNOWN')
    return notFound(`repository ${familiarName(ref)} not found: ${e.detail}`);
  if (code === 'DENIED' || (e.status === 401 && code === 'UNAUTHORIZED' && e.detail))
    return new BerthError(
      'FailedPrecondition',
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${e.detail}`,
    );
  if (e.status === 404 && e.codes.length === 0)
    return notFound(`manifest for ${familiarString(ref)} not found: manifest unknown`);
  return e;
}

async function resolveManifest(
  client: RegistryClient,
  ref: Reference,
  platform: Platform,
): Promise<{ top: FetchedManifest; manifest: FetchedManifest }> {
  const top = await fetchManifest(client, ref.path, ref.digest ?? ref.tag ?? 'latest');
  if (top.classified.kind === 'manifest') return { top, manifest: top };
  const chosen = selectManifest(top.classified.doc, platform);
  if (!chosen)
    throw notFound(
      `no matching manifest for ${formatPlatform(normalizePlatform(platform))} in the manifest list entries`,
    );
  const manifest = await fetchManifest(client, ref.path, chosen.digest);
  if (manifest.classified.kind !== 'manifest')
    throw invalidArgument(`manifest ${chosen.digest} of the index is not an image manifest`);
  return { top, manifest };
}

export async function pullImage(
  d: ClientDeps,
  ref: Reference,
  opts: { platform: Platform },
): Promise<PullResult> {
  const s = d.stores;
  const say = (text: string) => d.progress({ kind: 'status', text });
  const layer = (id: string, status: string, current?: number, total?: number) =>
    d.progress({ kind: 'layer', id, status, current, total });
  const client = await openClient(d, ref, 'pull');
  const name = referenceString(ref);
  try {
    const { top, manifest } = await resolveManifest(client, ref, opts.platform).catch(
      (e: unknown) => {
        throw translatePullError(e, ref);
      },
    );
    say(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
    const doc = manifest.classified.doc as Extract<
      typeof manifest.classified,
      { kind: 'manifest' }
    >['doc'];
    return await withContentLease(s, async () => {
      const added: Digest[] = [];
      const unpacked: Digest[] = [];
      let downloads: Promise<void>[] = [];
      try {
        const cfg = await fetchBlob(client, s.content, ref.path, doc.config);
        if (cfg.created) added.push(doc.config.digest);
        const configBytes = await s.content.read(doc.config.digest);
        const config = parseOciDocument<ImageConfig>('config', configBytes);
        const chain = chainIds(config.rootfs.diff_ids);
        const db = await s.images.read();
        const present = db.images[doc.config.digest];
        const complete =
          present !== undefined &&
          (await Promise.all(present.chainIds.map((c) => s.snapshots.info(c)))).every(Boolean);
        const fetching = new Set<Digest>();
        const tails = new Map<Digest, BlobTail>();
        downloads = complete
          ? []
          : await startDownloads(d, client, ref, doc.layers, added, fetching, tails);
        for (let i = 0; i < doc.layers.length; i++) {
          const id = shortId(doc.layers[i]!.digest);
          if (complete) continue;
          if (await s.snapshots.info(chain[i]!)) {
            await downloads[i];
            // unpacked already (another image has the same layer); the blob is kept with it
            if (fetching.has(doc.layers[i]!.digest)) layer(id, 'Pull complete');
            continue;
          }
          layer(id, 'Extracting');
          // unpacked as it downloads (the layers below are in): read from the download's file
          const digest = doc.layers[i]!.digest;
          const tail = tails.get(digest);
          tails.delete(digest); // a layer listed twice is unpacked once; the second finds it
          const streamed = tail
            ? unpackLayer(
                s,
                tail.read(() => s.content.stream(digest)),
                {
                  chainId: chain[i]!,
                  parent: i > 0 ? chain[i - 1] : undefined,
                  diffId: config.rootfs.diff_ids[i]!,
                  blob: digest,
                },
              ).then(
                (info) => ({ info }),
                (error: unknown) => ({ error }),
              )
            : undefined;
          try {
            await downloads[i];
          } catch (e) {
            // the snapshot may be whole (its diff ID matched) while the blob failed its digest:
            // it goes with the rest of what this pull added
            const r = await streamed;
            if (r && 'info' in r) unpacked.push(r.info.chainId);
            throw e;
          }
          const result = await streamed;
          if (result && 'info' in result) unpacked.push(result.info.chainId);
          else
            // no tail, or the download started over: from the stored blob
            await unpackLayers(
              s,
              doc.layers.slice(0, i + 1).map((l) => l.digest),
              config.rootfs.diff_ids.slice(0, i + 1),
              unpacked,
            );
          layer(id, 'Pull complete');
        }
        for (const m of new Set([top, manifest]))
          if ((await s.content.put(m.bytes, { digest: m.digest })).created) added.push(m.digest);
        const repoDigest = `${repositoryName(ref)}@${top.digest}`;
        const before = ref.tag ? db.tags[name] : undefined;
        const hadDigest = present?.repoDigests.includes(repoDigest) ?? false;
        const stored = await storeImage(s, {
          config,
          configBytes,
          layers: doc.layers,
          manifest: { digest: manifest.digest, mediaType: manifest.mediaType },
          tags: ref.tag && !ref.digest ? [ref] : [],
          repoDigests: [repoDigest],
        });
        await s.images.update((db2) => {
          const rec = db2.images[stored.record.id];
          if (!rec) return;
          const keep = new Set([...(rec.registryBlobs ?? []), top.digest, manifest.digest]);
          keep.delete(rec.manifest);
          rec.registryBlobs = [...keep].sort();
        });
        await d.state.addSources(repositoryName(ref), [
          doc.config.digest,
          ...doc.layers.map((l) => l.digest),
        ]);
        const upToDate =
          complete && (ref.tag && !ref.digest ? before === stored.record.id : hadDigest);
        say(`Digest: ${top.digest}`);
        say(
          upToDate
            ? `Status: Image is up to date for ${familiarString(ref)}`
            : `Status: Downloaded newer image for ${familiarString(ref)}`,
        );
        return { id: stored.record.id, digest: top.digest, name, upToDate };
      } catch (e) {
        await Promise.allSettled(downloads);
        await discardUnreferenced(s, { snapshots: unpacked, blobs: added });
        throw e;
      }
    });
  } finally {
    await client.close();
  }
}

/** Start every layer's download (at most `parallel` at once); one promise per layer. */
async function startDownloads(
  d: ClientDeps,
  client: RegistryClient,
  ref: Reference,
  layers: { digest: Digest; size: number }[],
  added: Digest[],
  /** Filled with the digests this pull downloads. */
  fetching: Set<Digest>,
  /** Filled with a tail per download, to unpack from while it runs. */
  tails: Map<Digest, BlobTail>,
): Promise<Promise<void>[]> {
  const layer = (id: string, status: string, current?: number, total?: number) =>
    d.progress({ kind: 'layer', id, status, current, total });
  const limit = limiter(d.parallel);
  const byDigest = new Map<Digest, Promise<void>>();
  let queued = 0;
  const download = async (l: { digest: Digest; size: number }, tail: BlobTail) => {
    const id = shortId(l.digest);
    let last = 0;
    const progress = (current: number, total: number) => {
      const now = Date.now();
      if (now - last < 100 && current < total) return;
      last = now;
      layer(id, 'Downloading', current, total);
    };
    const r = await fetchBlob(client, d.stores.content, ref.path, l, progress, { tail });
    if (r.created) added.push(l.digest);
    layer(id, 'Verifying Checksum');
    layer(id, 'Download complete');
  };
  for (const l of layers) {
    if (byDigest.has(l.digest)) continue;
    if (await d.stores.content.has(l.digest)) {
      layer(shortId(l.digest), 'Already exists');
      byDigest.set(l.digest, Promise.resolve());
      continue;
    }
    layer(shortId(l.digest), 'Pulling fs layer');
    fetching.add(l.digest);
    if (queued++ >= d.parallel) layer(shortId(l.digest), 'Waiting');
    const tail = new BlobTail();
    tails.set(l.digest, tail);
    const p = limit(() => download(l, tail));
    p.catch(() => undefined); // awaited in order by the caller
    byDigest.set(l.digest, p);
  }
  return layers.map((l) => byDigest.get(l.digest)!);
}
