/** What every registry operation needs: the stores, configuration, credentials and progress. */
import type { Reference } from '../../core/reference.js';
import type { Stores } from '../../image/stores.js';
import { CredentialStore } from './credentials.js';
import { credentialKey, resolveEndpoint, type EndpointConfig } from './endpoint.js';
import { RegistryClient } from './http.js';
import type { ProgressSink } from './progress.js';
import type { DistributionState } from './state.js';

export interface ClientDeps {
  stores: Stores;
  state: DistributionState;
  endpoints: EndpointConfig;
  credentials: CredentialStore;
  progress: ProgressSink;
  /** Transfer idle timeout, ms. */
  timeoutMs: number;
  /** Layers transferred at once. */
  parallel: number;
  /** Blobs larger than this are uploaded in chunks (PATCH) of this size. */
  chunkSize: number;
}

/** A client for `ref`'s repository with the given actions (`pull`, `pull,push`). */
export async function openClient(
  d: ClientDeps,
  ref: Reference,
  actions: string,
): Promise<RegistryClient> {
  const endpoint = await resolveEndpoint(ref.domain, d.endpoints);
  const creds = await d.credentials.get(credentialKey(ref.domain));
  return new RegistryClient(endpoint, creds, [`repository:${ref.path}:${actions}`], {
    timeoutMs: d.timeoutMs,
  });
}
