/**
 * Registry authentication: `WWW-Authenticate` challenges (RFC 7235, as registries send them)
 * and the bearer-token flow of the distribution spec (docker's token auth): the client asks the
 * challenge's `realm` for a token for `service` and the scopes it needs
 * (`repository:NAME:pull,push`), with basic credentials when it has them, anonymously
 * otherwise; a refresh token (`identitytoken`) goes through the OAuth2 POST form.
 * Tokens are cached per scope set until they expire. Nothing here logs a secret.
 */

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` value into its challenges (scheme lowercase). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
  };
  const token = () => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(s.slice(i));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    skipWs();
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      while (i < s.length && /[\s]/.test(s[i]!)) i++;
      const save = i;
      const name = token();
      while (i < s.length && s[i] === ' ') i++;
      if (!name || s[i] !== '=') {
        i = save; // the next challenge's scheme, or the end
        break;
      }
      i++;
      while (i < s.length && s[i] === ' ') i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        // a token by the RFC; registries are laxer (unquoted URLs): up to a comma or a space
        const m = /^[^,\s]*/.exec(s.slice(i))!;
        value = m[0];
        i += value.length;
      }
      challenge.params[name.toLowerCase()] = value;
      while (i < s.length && s[i] === ' ') i++;
      if (s[i] === ',') i++;
      else break;
    }
  }
  return out;
}

/** `repository:NAME:ACTIONS` scopes merged per resource (`pull` + `push` → `pull,push`). */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const colon = scope.lastIndexOf(':');
    if (colon < 0) continue;
    const resource = scope.slice(0, colon);
    const actions = byResource.get(resource) ?? new Set();
    for (const a of scope.slice(colon + 1).split(',')) if (a) actions.add(a);
    byResource.set(resource, actions);
  }
  return [...byResource].map(([r, actions]) => `${r}:${[...actions].sort().join(',')}`).sort();
}

/** The URL to ask for a token, from a bearer challenge. */
export function tokenUrl(challenge: Challenge, scopes: readonly string[]): URL {
  const realm = challenge.params['realm'];
  if (!realm) throw new Error('bearer challenge without realm');
  const url = new URL(realm);
  if (challenge.params['service']) url.searchParams.set('service', challenge.params['service']);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  return url;
}

/** The token in a token server's answer (`token`, or OAuth2's `access_token`). */
export function tokenFromResponse(doc: unknown): { token: string; expiresIn: number } {
  const d = (doc ?? {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token =
    typeof d.token === 'string' && d.token
      ? d.token
      : typeof d.access_token === 'string'
        ? d.access_token
        : '';
  if (!token) throw new Error('the token server answered without a token');
  const expiresIn = typeof d.expires_in === 'number' && d.expires_in > 0 ? d.expires_in : 60;
  return { token, expiresIn };
}

export const basicAuthorization = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
