/** Helpers of the registry server tests: a server per test, OCI layouts, raw HTTP. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { berthBin, craftTar, tempDir } from '../helpers.js';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Registry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  root: string;
  /** The request log so far. */
  log(): string;
  /** SIGTERM, then the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash). */
  kill(): Promise<void>;
}

/** Starts `berth registry serve --addr 127.0.0.1:0` on a private root; stopped when the test ends. */
export async function startRegistry(
  t: TestContext,
  args: string[] = [],
  root?: string,
): Promise<Registry> {
  const dir = root ?? path.join(await tempDir(t, 'berth-registry-'), 'root');
  const child = spawn(
    berthBin,
    ['registry', 'serve', '--addr', '127.0.0.1:0', '--root', dir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  t.after(async () => {
    await stop();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`registry did not start: ${err}`)), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited ${code}: ${err}`));
    });
  });
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return { url, host: url.replace(/^https?:\/\//, ''), root: dir, log: () => err, stop, kill };
}

/** A request with the path sent exactly as given (no normalisation of `..`). */
export function rawRequest(
  url: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: rawPath, headers, timeout: 10_000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

export const blobOf = (data: Buffer | string, mediaType: string): Blob => {
  const buf = Buffer.from(data);
  return { mediaType, digest: sha(buf), size: buf.length, data: buf };
};

/** A tiny image: one layer with one file, a config, a manifest. */
export function tinyImage(content: string) {
  const layer = blobOf(
    craftTar([{ name: 'hello.txt', data: content }]),
    'application/vnd.oci.image.layer.v1.tar',
  );
  const config = blobOf(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  return { layer, config, manifest };
}

/** Writes an OCI image layout holding `blobs`, with `manifest` tagged `tag`. */
export async function writeLayout(dir: string, blobs: Blob[], manifest: Blob, tag: string) {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [...blobs, manifest]) {
    await fs.writeFile(path.join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.data);
  }
  await fs.writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await fs.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.size,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}

/** Pushes a blob with the monolithic POST ?digest=. */
export async function pushBlob(url: string, name: string, b: Blob, auth?: string) {
  const res = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${b.digest}`, {
    method: 'POST',
    body: new Uint8Array(b.data),
    headers: {
      'Content-Type': 'application/octet-stream',
      ...(auth ? { Authorization: auth } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`push blob: ${res.status} ${await res.text()}`);
}

export async function pushManifest(url: string, name: string, ref: string, m: Blob) {
  const res = await fetch(`${url}/v2/${name}/manifests/${ref}`, {
    method: 'PUT',
    body: new Uint8Array(m.data),
    headers: { 'Content-Type': m.mediaType },
  });
  if (res.status !== 201) throw new Error(`push manifest: ${res.status} ${await res.text()}`);
  return res;
}

/** Pushes an image (blobs then manifest). */
export async function pushImage(url: string, name: string, ref: string, img = tinyImage(ref)) {
  await pushBlob(url, name, img.layer);
  await pushBlob(url, name, img.config);
  await pushManifest(url, name, ref, img.manifest);
  return img;
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: Array<{ code: string }> };
  return body.errors?.[0]?.code;
}
