/**
 * Image references with Docker's grammar and normalisation (github.com/distribution/reference,
 * `ParseNormalizedNamed`):
 *
 *     reference        := name [ ":" tag ] [ "@" digest ]
 *     name             := [domain "/"] path
 *     domain           := host [":" port-number]
 *     host             := domain-name | "[" IPv6address "]"
 *     domain-name      := domain-component ["." domain-component]*
 *     domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *     port-number      := /[0-9]+/
 *     path             := path-component ["/" path-component]*
 *     path-component   := /[a-z0-9]+/ [separator /[a-z0-9]+/]*
 *     separator        := /[_.]|__|[-]+/
 *     tag              := /[\w][\w.-]{0,127}/
 *
 * The first path element is a domain when it is `localhost`, contains `.` or `:`, or has an
 * uppercase letter; otherwise the name lives on Docker Hub (`docker.io`), where one-element
 * names get the `library/` namespace. `index.docker.io` is normalised to `docker.io`.
 *
 * One deliberate difference: Docker accepts a domain-looking first element that is not a valid
 * host but is a valid path component (`my_registry.com/app`) as a name with an empty domain,
 * which it then cannot pull from; berth rejects it as an invalid domain.
 */
import { isKnownAlgorithm, parseDigest, type Digest } from './digest.js';
import { BerthError, invalidArgument } from './errors.js';

/** A normalised image reference: `docker.io` + `library/busybox` + tag and/or digest. */
export interface Reference {
  /** Registry host with optional port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`, `team/app`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

const defaultDomain = 'docker.io';
const legacyDefaultDomain = 'index.docker.io';
const officialRepoPrefix = 'library/';
const defaultTag = 'latest';
/** Maximum length of the repository path (distribution/reference RepositoryNameTotalLengthMax). */
const maxPathLength = 255;

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const pathComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^\w[\w.-]{0,127}$/;
const hexIdentifierPattern = /^[a-f0-9]{64}$/;

const formatError = (problem: string) => invalidArgument(`invalid reference format: ${problem}`);

/** True when `tag` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

/**
 * Parses a reference the way `docker pull` does (ParseNormalizedNamed): `busybox` becomes
 * `docker.io/library/busybox`. With `defaultTag` (the default) a reference with neither tag nor
 * digest gets the tag `latest`. Throws InvalidArgument with Docker's `invalid reference format`
 * wording followed by the problem.
 */
export function parseReference(s: string, opts: { defaultTag?: boolean } = {}): Reference {
  if (s === '') throw formatError('repository name must have at least one component');
  if (hexIdentifierPattern.test(s)) {
    throw invalidArgument(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const at = s.indexOf('@');
  const nameAndTag = at < 0 ? s : s.slice(0, at);
  const digest = at < 0 ? undefined : s.slice(at + 1);
  // A tag follows the last ':' unless that ':' belongs to the domain (a '/' comes after it).
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;

  const { domain, path } = parseName(name, s);
  const ref: Reference = { domain, path };
  if (tag !== undefined) {
    if (tag === '') throw formatError(`empty tag in "${s}"`);
    if (!isValidTag(tag)) throw formatError(`invalid tag "${tag}" in "${s}"`);
    ref.tag = tag;
  }
  if (digest !== undefined) {
    if (digest === '') throw formatError(`empty digest in "${s}"`);
    ref.digest = checkDigest(digest);
  }
  if ((opts.defaultTag ?? true) && ref.tag === undefined && ref.digest === undefined) {
    ref.tag = defaultTag;
  }
  return ref;
}

/**
 * Why `path` is not a valid repository path (`team/app`: components of lowercase letters and
 * digits joined by separators, at most 255 characters), or undefined when it is.
 */
export function repositoryPathProblem(path: string): string | undefined {
  if (path === '') return 'repository name must have at least one component';
  if (path.length > maxPathLength)
    return `repository name must not be more than ${maxPathLength} characters`;
  for (const c of path.split('/'))
    if (!pathComponentPattern.test(c)) return `invalid path component "${c}"`;
  return undefined;
}

/** Splits and validates the name part (no tag, no digest); `input` is for messages. */
function parseName(name: string, input: string): { domain: string; path: string } {
  if (name === '') throw formatError('repository name must have at least one component');
  const { domain, path } = splitDockerDomain(name);
  if (path.toLowerCase() !== path) {
    throw formatError(`repository name (${path}) must be lowercase`);
  }
  if (!domainPattern.test(domain)) throw formatError(`invalid domain "${domain}" in "${input}"`);
  for (const component of path.split('/')) {
    if (component === '') {
      throw formatError(`repository name (${path}) has an empty path component`);
    }
    if (!pathComponentPattern.test(component)) {
      throw formatError(`repository name (${path}) has an invalid path component "${component}"`);
    }
  }
  if (path.length > maxPathLength) {
    throw formatError(`repository name must have at most ${maxPathLength} characters`);
  }
  return { domain, path };
}

/** Docker's splitDockerDomain: decides whether the first element is a registry host. */
function splitDockerDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: defaultDomain, path: officialRepoPrefix + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let path: string;
  if (first === legacyDefaultDomain) {
    [domain, path] = [defaultDomain, rest];
  } else if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
    [domain, path] = [first, rest];
  } else {
    [domain, path] = [defaultDomain, name];
  }
  if (domain === defaultDomain && !path.includes('/')) path = officialRepoPrefix + path;
  return { domain, path };
}

/** Validates the digest of a reference: OCI grammar and a registered hash algorithm. */
function checkDigest(digest: string): Digest {
  try {
    const { algorithm } = parseDigest(digest);
    if (!isKnownAlgorithm(algorithm)) {
      throw invalidArgument(`invalid digest "${digest}": unsupported digest algorithm`);
    }
  } catch (e) {
    throw e instanceof BerthError ? formatError(e.message) : e;
  }
  return digest;
}

/** The full repository name without tag or digest: `docker.io/library/busybox`. */
export function repositoryName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/**
 * The name as Docker shows it: `docker.io/` and the `library/` of official images dropped
 * (`busybox`, `team/app`, `localhost:5000/team/app`).
 */
export function familiarName(r: Reference): string {
  if (r.domain !== defaultDomain) return repositoryName(r);
  if (r.path.startsWith(officialRepoPrefix)) {
    const rest = r.path.slice(officialRepoPrefix.length);
    if (!rest.includes('/')) return rest;
  }
  return r.path;
}

function suffix(r: Reference): string {
  return (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

/** The reference as Docker shows it: `busybox:latest`, `localhost:5000/a@sha256:…`. */
export function familiarString(r: Reference): string {
  return familiarName(r) + suffix(r);
}

/** The fully qualified reference: `docker.io/library/busybox:latest`. */
export function referenceString(r: Reference): string {
  return repositoryName(r) + suffix(r);
}

/**
 * The familiar form of a stored full name (`docker.io/library/busybox:latest` → `busybox:latest`,
 * `…@sha256:…` kept), as listings print them; a string that does not parse is returned as is.
 */
export function toFamiliar(full: string): string {
  try {
    return familiarString(parseReference(full, { defaultTag: false }));
  } catch {
    return full;
  }
}
