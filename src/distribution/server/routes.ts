/**
 * Route matching for the distribution API (OCI distribution-spec v1.1, "Endpoints"). Pure: a
 * method and the raw request target in, a route out — or a RegistryError.
 *
 * The path is never normalised (no `new URL`, which would resolve `..`): repository names,
 * tags, digests and upload ids never need percent-encoding, so any `%` in the path, an empty
 * component, `.` or `..` is NAME_INVALID rather than something to decode into a traversal.
 *
 *     /v2/                                  base
 *     /v2/_catalog                          catalog
 *     /v2/<name>/tags/list                  tags
 *     /v2/<name>/manifests/<reference>      manifest
 *     /v2/<name>/blobs/uploads/             upload start
 *     /v2/<name>/blobs/uploads/<id>         upload
 *     /v2/<name>/blobs/<digest>             blob
 *     /v2/<name>/referrers/<digest>         referrers
 */
import { isValidTag, repositoryPathProblem } from '../../core/reference.js';
import { registryError } from './errors.js';

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'uploadStart'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'referrers'; name: string; digest: string };

/** Why `name` is not a valid repository name, or undefined when it is. */
export const nameProblem = repositoryPathProblem;

/** Throws NAME_INVALID unless `name` follows the distribution grammar. */
export function checkName(name: string): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw registryError('NAME_INVALID', problem, { name });
  return name;
}

/** True when `reference` is a tag (not a digest). */
export const isTagReference = (reference: string) => !reference.includes(':');

/** Upload ids are the UUIDs the server hands out, nothing else. */
export const uploadIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const patterns: Array<[RegExp, (m: RegExpMatchArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [
    /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! }),
  ],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploadStart', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
];

/**
 * The route of a raw request target (`/v2/a/b/manifests/latest?x=y`), with its query. Throws
 * NAME_INVALID for a path that tries to escape (percent-encoding, `..`, empty components) and
 * for an invalid repository name; undefined for a path that is not part of the API.
 */
export function matchRoute(target: string): { route: Route; query: URLSearchParams } | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  if (!path.startsWith('/v2/') && path !== '/v2') return undefined;
  if (path.includes('%') || /(?:^|\/)\.\.?(?:\/|$)/.test(path) || /\/\/./.test(path)) {
    throw registryError('NAME_INVALID', 'invalid characters in path', { path });
  }
  for (const [pattern, make] of patterns) {
    const m = path.match(pattern);
    if (!m) continue;
    const route = make(m);
    if ('name' in route) checkName(route.name);
    if (route.kind === 'manifest' && isTagReference(route.reference)) {
      if (!isValidTag(route.reference)) {
        throw registryError('MANIFEST_INVALID', `invalid tag "${route.reference}"`, {
          tag: route.reference,
        });
      }
    }
    return { route, query };
  }
  return undefined;
}
