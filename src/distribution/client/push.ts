/**
 * `push`: an image's layers, config and manifest to a registry.
 *
 * Local layers are stored uncompressed; they are pushed gzip-compressed. The compressed blob is
 * kept in the content store (in the image's `registryBlobs`) and the mapping remembered
 * (state.ts), so a second push neither recompresses nor re-uploads. Layers that came compressed
 * (pulled) are pushed as they are, and an image whose layers all are keeps its manifest bytes,
 * hence its digest. Each blob: HEAD (the registry has it: `Layer already exists`), else a
 * cross-repository mount from a repository of the same registry it is known to be in
 * (`Mounted from …`), else an upload — monolithic, or in PATCH chunks when the blob is large or
 * the registry asks for chunks (`OCI-Chunk-Min-Length`). A failed upload is retried afresh.
 */
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflateRawSync, gzip, type ZlibOptions } from 'node:zlib';
import { Readable } from 'node:stream';
import { sha256Digest, type Digest } from '../../core/digest.js';
import { invalidArgument, isBerthError, notFound } from '../../core/errors.js';
import * as mt from '../../core/media-types.js';
import type { Descriptor, ImageManifest } from '../../core/oci.js';
import { parseOciDocument } from '../../core/oci-schema.js';
import {
  familiarName,
  referenceString,
  repositoryName,
  type Reference,
} from '../../core/reference.js';
import { tap } from '../../archive/compression.js';
import type { ContentStore } from '../../content/store.js';
import { withContentLease } from '../../image/stores.js';
import type { RegistryClient } from './http.js';
import { limiter, shortId } from './progress.js';
import { openClient, type ClientDeps } from './session.js';

export interface PushResult {
  digest: Digest;
  size: number;
  tag: string;
}

const gzipType = (mediaType: string) =>
  mediaType.startsWith('application/vnd.docker.')
    ? mt.dockerLayerGzip
    : mediaType === mt.ociLayerNondistributable
      ? mt.ociLayerNondistributableGzip
      : mt.ociLayerGzip;

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);

/** Input is compressed in blocks of this size, each at the level its content deserves. */
const GZIP_BLOCK = 1 << 20;

/** Whether a block is not worth deflating (random or already compressed data): a sample test. */
function incompressible(block: Buffer): boolean {
  const sample = block.subarray(0, 64 << 10);
  return (
    sample.length >= 4096 && deflateRawSync(sample, { level: 1 }).length > 0.95 * sample.length
  );
}

async function* blocks(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    length += chunk.length;
    while (length >= size) {
      const all = Buffer.concat(pending, length);
      yield all.subarray(0, size);
      pending = [all.subarray(size)];
      length -= size;
    }
  }
  if (length > 0) yield Buffer.concat(pending, length);
}

/**
 * `source` gzip-compressed the way pgzip does it: 1 MiB blocks, each its own gzip member
 * (RFC 1952 allows concatenated members; Go's, containerd's and Node's readers read them as one
 * stream, as they do eStargz layers), compressed on the thread pool a few at a time. A block
 * that does not compress (random or already compressed data) is stored (level 0) instead of
 * deflated in vain. Deflate's window is 32 KiB, so splitting costs almost nothing in size; the
 * output depends on the input only.
 */
export async function* parallelGzip(
  source: AsyncIterable<Buffer>,
  level = 6,
): AsyncGenerator<Buffer> {
  const inflight: Promise<Buffer>[] = [];
  let any = false;
  for await (const block of blocks(source, GZIP_BLOCK)) {
    any = true;
    const p = gzipAsync(block, { level: incompressible(block) ? 0 : level });
    p.catch(() => undefined); // awaited in order below
    inflight.push(p);
    if (inflight.length >= 3) yield await inflight.shift()!;
  }
  while (inflight.length > 0) yield await inflight.shift()!;
  if (!any) yield await gzipAsync(Buffer.alloc(0), { level });
}

/** Gzip a stored layer into the store; its descriptor. */
async function compressLayer(content: ContentStore, layer: Descriptor): Promise<Descriptor> {
  const blob = await content.ingest(parallelGzip(content.stream(layer.digest)));
  return { mediaType: gzipType(layer.mediaType), digest: blob.digest, size: blob.size };
}

async function blobExists(client: RegistryClient, repo: string, digest: Digest): Promise<boolean> {
  const res = await client.send({ method: 'HEAD', url: `/v2/${repo}/blobs/${digest}` });
  if (res.status !== 200 && res.status !== 404) throw await client.fail(res, 'HEAD');
  await res.body.dump();
  return res.status === 200;
}

/** Try a cross-repository mount; true when the registry mounted the blob. */
async function mountBlob(
  client: RegistryClient,
  repo: string,
  digest: Digest,
  from: string,
): Promise<boolean> {
  client.addScope(`repository:${from}:pull`);
  const q = new URLSearchParams({ mount: digest, from });
  const res = await client.send({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?${q}` });
  if (res.status !== 201 && res.status !== 202) throw await client.fail(res, 'POST');
  await res.body.dump();
  if (res.status === 201) return true;
  if (res.status === 202 && res.headers['location']) {
    // the registry started an upload instead: cancel it, the upload path starts its own
    const cancel = await client
      .send({ method: 'DELETE', url: new URL(res.headers['location'], res.url).href, retry: false })
      .catch(() => undefined);
    await cancel?.body.dump();
  }
  return false;
}

function withDigest(location: URL, digest: Digest): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.href;
}

/** Upload a stored blob (one attempt). */
async function uploadOnce(
  client: RegistryClient,
  content: ContentStore,
  repo: string,
  blob: Descriptor,
  chunkSize: number,
  onProgress: (current: number) => void,
): Promise<void> {
  const start = await client.send({ method: 'POST', url: `/v2/${repo}/blobs/uploads/` });
  if (start.status !== 202 || !start.headers['location']) throw await client.fail(start, 'POST');
  await start.body.dump();
  let location = new URL(start.headers['location'], start.url);
  const minChunk = Number(start.headers['oci-chunk-min-length'] ?? 0) || 0;
  const file = content.blobPath(blob.digest);
  const streamOf = (from: number, to: number) => {
    let sent = from;
    const rs = createReadStream(file, { start: from, end: to - 1, highWaterMark: 1 << 20 });
    // pulled by the transport as it sends (a 'data' listener would start the flow too early)
    return Readable.from(
      tap(rs, (c) => {
        sent += c.length;
        onProgress(sent);
      }),
    );
  };
  if (blob.size > chunkSize || minChunk > 0) {
    const step = Math.max(chunkSize, minChunk);
    for (let offset = 0; offset < blob.size; offset += step) {
      const end = Math.min(blob.size, offset + step);
      const res = await client.send({
        method: 'PATCH',
        url: location.href,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(end - offset),
          'content-range': `${offset}-${end - 1}`,
        },
        body: () => streamOf(offset, end),
        retry: false,
      });
      if (res.status !== 202) throw await client.fail(res, 'PATCH');
      await res.body.dump();
      if (res.headers['location']) location = new URL(res.headers['location'], res.url);
    }
    const done = await client.send({
      method: 'PUT',
      url: withDigest(location, blob.digest),
      headers: { 'content-length': '0' },
      retry: false,
    });
    if (done.status !== 201) throw await client.fail(done, 'PUT');
    await done.body.dump();
    return;
  }
  const res = await client.send({
    method: 'PUT',
    url: withDigest(location, blob.digest),
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
    body: () => streamOf(0, blob.size),
    retry: false,
  });
  if (res.status !== 201) throw await client.fail(res, 'PUT');
  await res.body.dump();
}

async function upload(
  d: ClientDeps,
  client: RegistryClient,
  repo: string,
  blob: Descriptor,
  onProgress: (current: number) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await uploadOnce(client, d.stores.content, repo, blob, d.chunkSize, onProgress);
    } catch (e) {
      const retryable = isBerthError(e, 'Unavailable');
      if (!retryable || attempt >= 3) throw e;
      await sleep(300 * attempt);
    }
  }
}

export async function pushImage(d: ClientDeps, ref: Reference): Promise<PushResult> {
  const s = d.stores;
  const tag = ref.tag ?? 'latest';
  const name = referenceString({ ...ref, tag, digest: undefined });
  const db = await s.images.read();
  const id = db.tags[name];
  const record = id ? db.images[id] : undefined;
  if (!record) throw notFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  const say = (text: string) => d.progress({ kind: 'status', text });
  const layerLine = (id: string, status: string, current?: number, total?: number) =>
    d.progress({ kind: 'layer', id, status, current, total });
  say(`The push refers to repository [${repositoryName(ref)}]`);
  const localBytes = await s.content.read(record.manifest);
  const local = parseOciDocument<ImageManifest>('manifest', localBytes);
  const client = await openClient(d, ref, 'pull,push');
  const state = await d.state.read();
  const here = repositoryName(ref);
  const mountFrom = (digest: Digest) =>
    [...(state.sources[digest] ?? [])]
      .reverse()
      .find((r) => r !== here && r.startsWith(`${ref.domain}/`))
      ?.slice(ref.domain.length + 1);
  try {
    return await withContentLease(s, async () => {
      const keep: Digest[] = [];
      let changed = false;
      // top layer first, as docker lists them
      const order = local.layers.map((_, i) => local.layers.length - 1 - i);
      for (const i of order) layerLine(shortId(local.layers[i]!.digest), 'Preparing');
      order
        .filter((i) => i >= d.parallel)
        .forEach((i) => layerLine(shortId(local.layers[i]!.digest), 'Waiting'));
      const limit = limiter(d.parallel);
      const pushed = await Promise.all(
        local.layers.map((l) =>
          limit(async (): Promise<Descriptor> => {
            const id = shortId(l.digest);
            let desc: Descriptor = l;
            if (mt.layerCompression(l.mediaType) === 'none') {
              changed = true;
              const known = await d.state.compressedOf(l.digest);
              desc = known ?? (await compressLayer(s.content, l));
              if (!known) await d.state.setCompressed(l.digest, desc);
              keep.push(desc.digest);
            }
            if (await blobExists(client, ref.path, desc.digest)) {
              layerLine(id, 'Layer already exists');
              return desc;
            }
            if (!(await s.content.has(desc.digest))) {
              // the compressed copy is gone (its image was removed): make it again
              const again = await compressLayer(s.content, l);
              if (again.digest !== desc.digest) {
                desc = again;
                await d.state.setCompressed(l.digest, desc);
                keep.push(desc.digest);
              }
            }
            const from = mountFrom(desc.digest);
            if (from && (await mountBlob(client, ref.path, desc.digest, from))) {
              layerLine(id, `Mounted from ${from}`);
              return desc;
            }
            let last = 0;
            await upload(d, client, ref.path, desc, (current) => {
              const now = Date.now();
              if (now - last < 100 && current < desc.size) return;
              last = now;
              layerLine(id, 'Pushing', current, desc.size);
            });
            layerLine(id, 'Pushed');
            return desc;
          }),
        ),
      );
      if (!(await blobExists(client, ref.path, local.config.digest)))
        await upload(d, client, ref.path, { ...local.config }, () => undefined);
      const bytes = changed
        ? Buffer.from(JSON.stringify({ ...local, layers: pushed }))
        : localBytes;
      const mediaType = local.mediaType ?? record.manifestMediaType;
      const res = await client.send({
        method: 'PUT',
        url: `/v2/${ref.path}/manifests/${tag}`,
        headers: { 'content-type': mediaType },
        body: () => bytes,
      });
      if (res.status !== 201 && res.status !== 200) throw await client.fail(res, 'PUT');
      await res.body.dump();
      const digest = sha256Digest(bytes);
      const announced = res.headers['docker-content-digest'];
      if (announced && announced.startsWith('sha256:') && announced !== digest)
        throw invalidArgument(
          `the registry stored the manifest as ${announced}, but it hashes to ${digest}`,
        );
      if (changed) await s.content.put(bytes, { digest });
      const repoDigest = `${here}@${digest}`;
      await s.images.update((db2) => {
        const rec = db2.images[record.id];
        if (!rec) return;
        if (!rec.repoDigests.includes(repoDigest)) rec.repoDigests.push(repoDigest);
        const blobs = new Set([...(rec.registryBlobs ?? []), ...keep]);
        if (changed) blobs.add(digest);
        blobs.delete(rec.manifest);
        rec.registryBlobs = [...blobs].sort();
      });
      await d.state.addSources(here, [local.config.digest, ...pushed.map((p) => p.digest)]);
      say(`${tag}: digest: ${digest} size: ${bytes.length}`);
      return { digest, size: bytes.length, tag };
    });
  } finally {
    await client.close();
  }
}
