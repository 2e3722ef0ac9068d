/**
 * The engine's registry operations: pull, push, login, logout, manifest inspect, and pulling a
 * missing image for `run`/`create`/`build`. The work is done by distribution/client; this
 * composes it with the engine's stores and configuration (environment, state root).
 */
import path from 'node:path';
import type { Digest } from '../core/digest.js';
import { invalidArgument, notFound } from '../core/errors.js';
import * as mt from '../core/media-types.js';
import { parsePlatform, type Platform } from '../core/oci.js';
import {
  familiarString,
  parseReference,
  referenceString,
  repositoryName,
  type Reference,
} from '../core/reference.js';
import { findImage } from '../image/store.js';
import type { Stores } from '../image/stores.js';
import { CredentialStore } from '../distribution/client/credentials.js';
import {
  credentialKey,
  dockerHubDomain,
  loadEndpointConfig,
  resolveEndpoint,
} from '../distribution/client/endpoint.js';
import { RegistryClient, RegistryError } from '../distribution/client/http.js';
import { fetchManifest } from '../distribution/client/manifests.js';
import type { ProgressSink } from '../distribution/client/progress.js';
import { pullImage, type PullResult } from '../distribution/client/pull.js';
import { pushImage, type PushResult } from '../distribution/client/push.js';
import type { ClientDeps } from '../distribution/client/session.js';
import { DistributionState } from '../distribution/client/state.js';

export type { ProgressEvent, ProgressSink } from '../distribution/client/progress.js';
export type { PullResult } from '../distribution/client/pull.js';
export type { PushResult } from '../distribution/client/push.js';

const envNumber = (env: NodeJS.ProcessEnv, name: string, fallback: number) => {
  const n = Number(env[name]);
  return env[name] && Number.isFinite(n) && n > 0 ? n : fallback;
};

/** `SERVER` of login/logout (`host:port`, `https://host/v1/`…) as a registry domain. */
export function serverDomain(server: string | undefined): string {
  if (!server) return dockerHubDomain;
  const s = server
    .trim()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  if (s === '') throw invalidArgument(`invalid registry address: ${server}`);
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(s) ? dockerHubDomain : s;
}

export class Distribution {
  private readonly state: DistributionState;

  constructor(
    private readonly stores: Stores,
    private readonly platform: Platform,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.state = new DistributionState(path.join(stores.root, 'metadata'));
  }

  private async deps(progress: ProgressSink): Promise<ClientDeps> {
    return {
      stores: this.stores,
      state: this.state,
      endpoints: await loadEndpointConfig(this.stores.root, this.env),
      credentials: new CredentialStore(this.env),
      progress,
      timeoutMs: envNumber(this.env, 'BERTH_REGISTRY_TIMEOUT', 60) * 1000,
      parallel: 3,
      chunkSize: envNumber(this.env, 'BERTH_PUSH_CHUNK_SIZE', 64 << 20),
    };
  }

  /** `pull NAME[:TAG|@DIGEST]`, or with `allTags` every tag of the repository. */
  async pull(
    name: string,
    opts: { platform?: string; allTags?: boolean },
    progress: ProgressSink,
  ): Promise<PullResult[]> {
    const ref = parseReference(name, { defaultTag: !opts.allTags });
    if (opts.allTags && (ref.tag || ref.digest))
      throw invalidArgument("tag can't be used with --all-tags/-a");
    const platform = opts.platform ? parsePlatform(opts.platform, this.platform) : this.platform;
    const d = await this.deps(progress);
    if (!opts.allTags) {
      if (!/[:@]/.test(name.slice(name.lastIndexOf('/') + 1)))
        progress({ kind: 'status', text: 'Using default tag: latest' });
      return [await pullImage(d, ref, { platform })];
    }
    const out: PullResult[] = [];
    for (const tag of await this.listTags(d, ref))
      out.push(await pullImage(d, { ...ref, tag }, { platform }));
    return out;
  }

  private async listTags(d: ClientDeps, ref: Reference): Promise<string[]> {
    const endpoint = await resolveEndpoint(ref.domain, d.endpoints);
    const creds = await d.credentials.get(credentialKey(ref.domain));
    const client = new RegistryClient(endpoint, creds, [`repository:${ref.path}:pull`], {
      timeoutMs: d.timeoutMs,
    });
    const tags: string[] = [];
    try {
      let url: string | undefined = `/v2/${ref.path}/tags/list`;
      for (let page = 0; url && page < 1000; page++) {
        const res = await client.send({ method: 'GET', url });
        if (res.status !== 200) {
          const e = await client.fail(res, 'GET');
          if (e.codes[0] === 'NAME_UNKNOWN' || res.status === 404)
            throw notFound(
              `repository ${familiarString({ ...ref, tag: undefined })} not found: ${e.detail}`,
            );
          throw e;
        }
        const doc = (await res.body.json()) as { tags?: string[] | null };
        tags.push(...(doc.tags ?? []));
        const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers['link'] ?? '');
        url = link ? new URL(link[1]!, res.url).href : undefined;
      }
    } finally {
      await client.close();
    }
    return tags.sort();
  }

  /** `push NAME[:TAG]`, or with `allTags` every local tag of the repository. */
  async push(
    name: string,
    opts: { allTags?: boolean },
    progress: ProgressSink,
  ): Promise<PushResult[]> {
    const ref = parseReference(name, { defaultTag: !opts.allTags });
    if (ref.digest) throw invalidArgument('cannot push a digest reference');
    const d = await this.deps(progress);
    if (!opts.allTags || ref.tag) return [await pushImage(d, ref)];
    const prefix = `${repositoryName(ref)}:`;
    const db = await this.stores.images.read();
    const tags = Object.keys(db.tags)
      .filter((t) => t.startsWith(prefix))
      .map((t) => t.slice(prefix.length))
      .sort();
    if (tags.length === 0)
      throw notFound(`An image does not exist locally with the tag: ${familiarString(ref)}`);
    const out: PushResult[] = [];
    for (const tag of tags) out.push(await pushImage(d, { ...ref, tag }));
    return out;
  }

  /**
   * `login`: check the credentials against the registry (GET /v2/ with them, through its
   * challenge), then keep them. Returns the file they were written to in clear, if any.
   */
  async login(
    server: string | undefined,
    username: string,
    password: string,
  ): Promise<{ plainFile?: string; domain: string }> {
    const domain = serverDomain(server);
    const d = await this.deps(() => undefined);
    const endpoint = await resolveEndpoint(domain, d.endpoints);
    const client = new RegistryClient(endpoint, { username, password }, [], {
      timeoutMs: d.timeoutMs,
    });
    try {
      const res = await client.send({ method: 'GET', url: '/v2/' });
      if (res.status === 200 || res.status === 401) await res.body.dump();
      if (res.status === 401)
        throw new RegistryError(
          'FailedPrecondition',
          `login attempt to ${endpoint.base}/v2/ failed with status: 401 Unauthorized`,
          401,
          ['UNAUTHORIZED'],
          'unauthorized',
        );
      if (res.status !== 200) throw await client.fail(res, 'GET');
    } finally {
      await client.close();
    }
    const key = credentialKey(domain);
    const plainFile = await d.credentials.plainFile(key);
    await d.credentials.store(key, { username, password });
    return { plainFile, domain: key };
  }

  /** `logout`: false when there were no credentials for the server. */
  async logout(server: string | undefined): Promise<{ removed: boolean; key: string }> {
    const key = credentialKey(serverDomain(server));
    const removed = await new CredentialStore(this.env).erase(key);
    return { removed, key };
  }

  /** Saved credentials' user name for a server (for `login` without `-u`). */
  async savedUsername(server: string | undefined): Promise<string | undefined> {
    const key = credentialKey(serverDomain(server));
    return (await new CredentialStore(this.env).get(key).catch(() => undefined))?.username;
  }

  /**
   * `manifest inspect`: the manifest or index as the registry has it, indented as docker does
   * (a tab); `verbose` adds descriptors and platforms; `insecure` allows plain HTTP.
   */
  async inspectManifest(name: string, verbose: boolean, insecure = false): Promise<string> {
    const ref = parseReference(name);
    const d = await this.deps(() => undefined);
    if (insecure) d.endpoints.insecureRegistries.push(ref.domain);
    const endpoint = await resolveEndpoint(ref.domain, d.endpoints);
    const creds = await d.credentials.get(credentialKey(ref.domain));
    const client = new RegistryClient(endpoint, creds, [`repository:${ref.path}:pull`], {
      timeoutMs: d.timeoutMs,
    });
    try {
      const top = await fetchManifest(client, ref.path, ref.digest ?? ref.tag ?? 'latest').catch(
        (e: unknown) => {
          if (
            e instanceof RegistryError &&
            ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'].includes(e.codes[0] ?? '')
          )
            throw notFound(`no such manifest: ${referenceString(ref)}`);
          throw e;
        },
      );
      if (!verbose) return JSON.stringify(JSON.parse(top.bytes.toString()), null, '\t');
      const entry = (
        r: Reference,
        m: { digest: Digest; bytes: Buffer; mediaType: string },
        platform?: Platform,
      ) => {
        const doc = JSON.parse(m.bytes.toString()) as Record<string, unknown>;
        const key = m.mediaType === mt.dockerManifest ? 'SchemaV2Manifest' : 'OCIManifest';
        return {
          Ref: referenceString({ ...r, digest: m.digest, tag: r.tag }),
          Descriptor: {
            mediaType: m.mediaType,
            digest: m.digest,
            size: m.bytes.length,
            ...(platform ? { platform } : {}),
          },
          Raw: m.bytes.toString('base64'),
          [key]: doc,
        };
      };
      if (top.classified.kind === 'manifest') return JSON.stringify(entry(ref, top), null, '\t');
      const out = [];
      for (const desc of top.classified.doc.manifests) {
        if (!mt.isManifestType(desc.mediaType)) continue;
        const m = await fetchManifest(client, ref.path, desc.digest);
        out.push(entry(ref, m, desc.platform));
      }
      return JSON.stringify(out, null, '\t');
    } finally {
      await client.close();
    }
  }

  /**
   * Make sure `name` is here for run/create/build: when it is not (and is a name, not an ID),
   * say so as docker does and pull it. False when it was already here.
   */
  async ensureImage(
    name: string,
    progress: ProgressSink,
    opts: { platform?: string; always?: boolean } = {},
  ): Promise<boolean> {
    const db = await this.stores.images.read();
    const found = findImage(db, name);
    if (found && !(opts.always && found.byName)) return false;
    let ref: Reference;
    try {
      ref = parseReference(name);
    } catch {
      return false; // not a name: the caller reports it
    }
    if (/^[0-9a-f]{12,64}$/.test(name)) return false; // an image ID that is not here
    if (!found)
      progress({ kind: 'status', text: `Unable to find image '${familiarString(ref)}' locally` });
    await this.pull(familiarString(ref), { platform: opts.platform }, progress);
    return true;
  }
}
