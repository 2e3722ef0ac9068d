/**
 * The distribution API's operations, one function per route and method, over the storage and
 * upload modules. Every failure is a RegistryError, which server.ts turns into a response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { sha256Digest } from '../../core/digest.js';
import { ociIndex } from '../../core/media-types.js';
import { registryError } from './errors.js';
import { parseContentRange, parseRange, uploadRange } from './http-ranges.js';
import { maxManifestBytes, referrerDescriptor, summarizeManifest } from './manifest.js';
import { paginate, parseN } from './pagination.js';
import { checkName, isTagReference, type Route } from './routes.js';
import { checkDigest, type RegistryStorage } from './storage.js';
import type { Uploads } from './uploads.js';

export interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
}

const json = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
};

const empty = (res: ServerResponse, status: number, headers: Record<string, string | number>) => {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
};

/** Reads a small body whole (manifests), refusing more than `limit` bytes. */
async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw registryError('SIZE_INVALID', `manifest larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The Content-Range of a chunk (PATCH, or the last chunk of a PUT), if any; 416 if malformed. */
function chunkRange(req: IncomingMessage): { start: number; end: number } | undefined {
  const header = req.headers['content-range'];
  if (header === undefined) return undefined;
  const range = parseContentRange(header);
  if (!range) {
    throw registryError('BLOB_UPLOAD_INVALID', `invalid Content-Range "${header}"`, undefined, 416);
  }
  return range;
}

const uploadLocation = (name: string, id: string) => `/v2/${name}/blobs/uploads/${id}`;

export class Handlers {
  constructor(
    private readonly storage: RegistryStorage,
    private readonly uploads: Uploads,
    /** Nothing is written: a HEAD renews no grace period (and takes no gc lock). */
    private readonly readOnly = false,
  ) {}

  private async requireRepository(name: string): Promise<void> {
    if (!(await this.storage.repositoryExists(name))) {
      throw registryError('NAME_UNKNOWN', undefined, { name });
    }
  }

  // --- manifests -------------------------------------------------------------------------

  async getManifest({ res }: Request, route: Extract<Route, { kind: 'manifest' }>, head: boolean) {
    const { name, reference } = route;
    if (!isTagReference(reference)) checkDigest(reference);
    const d = await this.storage.resolveManifest(name, reference);
    const unknown = () => registryError('MANIFEST_UNKNOWN', undefined, { name, reference });
    if (!d) throw unknown();
    let bytes: Buffer;
    try {
      bytes = await this.storage.blobs.read(d.digest);
    } catch {
      throw unknown();
    }
    res.writeHead(200, {
      'Content-Type': d.mediaType,
      'Content-Length': bytes.length,
      'Docker-Content-Digest': d.digest,
      Etag: `"${d.digest}"`,
    });
    res.end(head ? undefined : bytes);
  }

  async putManifest({ req, res }: Request, route: Extract<Route, { kind: 'manifest' }>) {
    const { name, reference } = route;
    const byDigest = !isTagReference(reference);
    if (byDigest) checkDigest(reference);
    const bytes = await readSmallBody(req, maxManifestBytes);
    const summary = summarizeManifest(bytes, req.headers['content-type']);
    const digest = sha256Digest(bytes);
    if (byDigest && digest !== reference) {
      throw registryError('DIGEST_INVALID', 'manifest digest does not match the reference', {
        expected: reference,
        actual: digest,
      });
    }
    await this.storage.withWriteLease(async () => {
      for (const blob of summary.blobs) {
        if ((await this.storage.linkedBlobSize(name, blob)) === undefined) {
          throw registryError('MANIFEST_BLOB_UNKNOWN', undefined, { digest: blob });
        }
      }
      for (const child of summary.manifests) {
        if (!(await this.storage.resolveManifest(name, child))) {
          throw registryError('MANIFEST_BLOB_UNKNOWN', `manifest ${child} unknown`, {
            digest: child,
          });
        }
      }
      await this.storage.ensureRepository(name);
      await this.storage.putManifest(name, bytes, summary, byDigest ? undefined : reference);
    });
    const headers: Record<string, string | number> = {
      Location: `/v2/${name}/manifests/${digest}`,
      'Docker-Content-Digest': digest,
    };
    if (summary.subject !== undefined) headers['OCI-Subject'] = summary.subject;
    empty(res, 201, headers);
  }

  async deleteManifest({ res }: Request, route: Extract<Route, { kind: 'manifest' }>) {
    const { name, reference } = route;
    await this.requireRepository(name);
    const found = await this.storage.withWriteLease(() =>
      isTagReference(reference)
        ? this.storage.deleteTag(name, reference)
        : this.storage.deleteManifest(name, checkDigest(reference)),
    );
    if (!found) throw registryError('MANIFEST_UNKNOWN', undefined, { name, reference });
    empty(res, 202, {});
  }

  // --- blobs -----------------------------------------------------------------------------

  async getBlob({ req, res }: Request, route: Extract<Route, { kind: 'blob' }>, head: boolean) {
    const { name } = route;
    const digest = checkDigest(route.digest);
    // A HEAD is how a pusher decides a layer need not be sent: it renews the blob's grace
    // period, under the gc lock, so gc cannot take it between this answer and the manifest.
    const size =
      head && !this.readOnly
        ? await this.storage.withWriteLease(() => this.storage.touchLinkedBlob(name, digest))
        : await this.storage.linkedBlobSize(name, digest);
    if (size === undefined) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    const common = {
      'Docker-Content-Digest': digest,
      'Accept-Ranges': 'bytes',
      Etag: `"${digest}"`,
      'Cache-Control': 'max-age=31536000',
    };
    const range = head ? { kind: 'full' as const } : parseRange(req.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    const headers: Record<string, string | number> = {
      ...common,
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
    };
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
    if (head || size === 0) {
      res.end();
      return;
    }
    const file = createReadStream(this.storage.blobFile(name, digest), {
      start,
      end,
      highWaterMark: 1 << 20,
    });
    await pipeline(file, res);
  }

  async deleteBlob({ res }: Request, route: Extract<Route, { kind: 'blob' }>) {
    const digest = checkDigest(route.digest);
    await this.requireRepository(route.name);
    const found = await this.storage.withWriteLease(() =>
      this.storage.unlinkBlob(route.name, digest),
    );
    if (!found) throw registryError('BLOB_UNKNOWN', undefined, { digest });
    empty(res, 202, { 'Docker-Content-Digest': digest });
  }

  // --- uploads ---------------------------------------------------------------------------

  async startUpload({ req, res, query }: Request, route: Extract<Route, { kind: 'uploadStart' }>) {
    const { name } = route;
    const mount = query.get('mount');
    const from = query.get('from');
    if (mount !== null && from !== null) {
      const digest = checkDigest(mount);
      checkName(from);
      const mounted = await this.storage.withWriteLease(async () => {
        if ((await this.storage.linkedBlobSize(from, digest)) === undefined) return false;
        await this.storage.linkBlob(name, digest);
        return true;
      });
      if (mounted) {
        empty(res, 201, {
          Location: `/v2/${name}/blobs/${digest}`,
          'Docker-Content-Digest': digest,
        });
        return;
      }
      // not mountable: a plain upload session instead, as the spec allows (202)
    }
    const digestParam = mount === null ? query.get('digest') : null;
    if (digestParam !== null) {
      checkDigest(digestParam);
      const id = await this.uploads.start(name);
      // a monolithic upload that fails leaves no session behind (no client knows its id)
      const { digest } = await this.uploads
        .complete(name, id, digestParam, req)
        .catch(async (e: unknown) => {
          await this.uploads.cancel(name, id).catch(() => undefined);
          throw e;
        });
      empty(res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
      return;
    }
    const id = await this.uploads.start(name);
    empty(res, 202, {
      Location: uploadLocation(name, id),
      Range: '0-0',
      'Docker-Upload-UUID': id,
      'OCI-Chunk-Min-Length': 0,
    });
  }

  async uploadStatus({ res }: Request, route: Extract<Route, { kind: 'upload' }>) {
    const size = await this.uploads.size(route.name, route.id);
    empty(res, 204, {
      Location: uploadLocation(route.name, route.id),
      Range: uploadRange(size),
      'Docker-Upload-UUID': route.id,
    });
  }

  async patchUpload({ req, res }: Request, route: Extract<Route, { kind: 'upload' }>) {
    const size = await this.uploads.append(route.name, route.id, req, chunkRange(req));
    empty(res, 202, {
      Location: uploadLocation(route.name, route.id),
      Range: uploadRange(size),
      'Docker-Upload-UUID': route.id,
    });
  }

  async putUpload({ req, res, query }: Request, route: Extract<Route, { kind: 'upload' }>) {
    const { digest } = await this.uploads.complete(
      route.name,
      route.id,
      query.get('digest'),
      req,
      chunkRange(req),
    );
    empty(res, 201, {
      Location: `/v2/${route.name}/blobs/${digest}`,
      'Docker-Content-Digest': digest,
    });
  }

  async cancelUpload({ res }: Request, route: Extract<Route, { kind: 'upload' }>) {
    await this.uploads.cancel(route.name, route.id);
    empty(res, 204, {});
  }

  // --- discovery -------------------------------------------------------------------------

  async tags({ res, query }: Request, route: Extract<Route, { kind: 'tags' }>) {
    const tags = await this.storage.tags(route.name);
    if (tags === undefined) throw registryError('NAME_UNKNOWN', undefined, { name: route.name });
    const page = paginate(tags, {
      n: parseN(query.get('n')),
      last: query.get('last'),
      basePath: `/v2/${route.name}/tags/list`,
    });
    if (page.link) res.setHeader('Link', page.link);
    json(res, 200, { name: route.name, tags: page.items });
  }

  async catalog({ res, query }: Request) {
    const page = paginate(await this.storage.repositories(), {
      n: parseN(query.get('n')),
      last: query.get('last'),
      basePath: '/v2/_catalog',
    });
    if (page.link) res.setHeader('Link', page.link);
    json(res, 200, { repositories: page.items });
  }

  async referrers({ res, query }: Request, route: Extract<Route, { kind: 'referrers' }>) {
    const subject = checkDigest(route.digest);
    const artifactType = query.get('artifactType');
    const found = await this.storage.referrers(route.name, subject);
    const manifests = found
      .map((r) => referrerDescriptor(r.digest, r.size, r.summary))
      .filter((d) => artifactType === null || d.artifactType === artifactType);
    if (artifactType !== null) res.setHeader('OCI-Filters-Applied', 'artifactType');
    json(res, 200, { schemaVersion: 2, mediaType: ociIndex, manifests }, ociIndex);
  }
}
