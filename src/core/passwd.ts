/**
 * `--user` resolved against the image's /etc/passwd and /etc/group, with the rules of
 * moby/sys/user `GetExecUser` that Docker uses: `name`, `uid`, `name:group`, `uid:gid`, and any
 * mix; numeric ids need no entry in the files; with no group given, the user's primary group and
 * every group that lists the user by name are taken. The caller reads the files (undefined when
 * an image has none).
 */
import { invalidArgument } from './errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** As Docker puts them in the runtime spec: the primary gid first, then the supplementary. */
  additionalGids: number[];
  home?: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;
const rangeError = () => invalidArgument(`uids and gids must be in range 0-${MAX_ID}`);
const inRange = (id: number) => id >= 0 && id <= MAX_ID;

/** Go's `strconv.Atoi` as the user package uses it: NaN for anything but a decimal integer. */
const atoi = (s: string): number => (/^[+-]?\d+$/.test(s) ? Number(s) : NaN);
/** Fields that fail to parse are 0, as in the user package. */
const field = (s: string | undefined): number => {
  const n = atoi(s ?? '');
  return Number.isNaN(n) ? 0 : n;
};

function lines(content: string | undefined): string[][] {
  if (content === undefined) return [];
  return content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(':'));
}

/** `name:password:uid:gid:gecos:home:shell` lines. */
export function parsePasswd(content: string | undefined): PasswdEntry[] {
  return lines(content).map((f) => ({
    name: f[0] ?? '',
    uid: field(f[2]),
    gid: field(f[3]),
    home: f[5] ?? '',
  }));
}

/** `name:password:gid:member,member` lines. */
export function parseGroup(content: string | undefined): GroupEntry[] {
  return lines(content).map((f) => ({
    name: f[0] ?? '',
    gid: field(f[2]),
    members: f[3] ? f[3].split(',') : [],
  }));
}

/**
 * Resolves `--user` (or the image's `USER`; empty means root). Throws InvalidArgument with the
 * user package's messages: `unable to find user NAME: no matching entries in passwd file`,
 * `unable to find group NAME: no matching entries in group file`.
 */
export function resolveUser(
  spec: string,
  passwd: string | undefined,
  group: string | undefined,
  additionalGroups: readonly string[] = [],
): ResolvedUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);

  let uid = 0;
  let gid = 0;
  let home: string | undefined;
  let sgids: number[] = [];

  const users = parsePasswd(passwd).filter((u) =>
    userArg === '' ? u.uid === uid : !Number.isNaN(uidArg) ? u.uid === uidArg : u.name === userArg,
  );
  let matchedName = '';
  if (users.length > 0) {
    matchedName = users[0]!.name;
    uid = users[0]!.uid;
    gid = users[0]!.gid;
    home = users[0]!.home;
    if (!inRange(uid) || !inRange(gid)) throw rangeError();
  } else if (userArg !== '') {
    if (Number.isNaN(uidArg)) {
      throw invalidArgument(`unable to find user ${userArg}: no matching entries in passwd file`);
    }
    uid = uidArg;
    if (!inRange(uid)) throw rangeError();
  }

  if (groupArg !== '' || matchedName !== '') {
    const groups = parseGroup(group).filter((g) =>
      groupArg === ''
        ? g.members.includes(matchedName)
        : !Number.isNaN(gidArg)
          ? g.gid === gidArg
          : g.name === groupArg,
    );
    if (groupArg !== '') {
      if (groups.length > 0) {
        gid = groups[0]!.gid;
        if (!inRange(gid)) throw rangeError();
      } else {
        if (Number.isNaN(gidArg)) {
          throw invalidArgument(
            `unable to find group ${groupArg}: no matching entries in group file`,
          );
        }
        gid = gidArg;
        if (!inRange(gid)) throw rangeError();
      }
    } else {
      sgids = groups.map((g) => g.gid);
    }
  }

  const resolved: ResolvedUser = {
    uid,
    gid,
    additionalGids: [gid, ...sgids, ...resolveAdditionalGroups(additionalGroups, group)],
  };
  if (home !== undefined) resolved.home = home;
  return resolved;
}

/**
 * `--group-add` (moby/sys/user `GetAdditionalGroups`): group names or gids, each once; a number
 * is always a gid, never a group's name.
 */
export function resolveAdditionalGroups(
  names: readonly string[],
  group: string | undefined,
): number[] {
  const groups = parseGroup(group);
  const gids: number[] = [];
  for (const ag of names) {
    const numeric = atoi(ag);
    const g = Number.isNaN(numeric)
      ? groups.find((g) => g.name === ag)
      : groups.find((g) => g.gid === numeric);
    if (!g && Number.isNaN(numeric)) {
      throw invalidArgument(`Unable to find group ${ag}: no matching entries in group file`);
    }
    const gid = g ? g.gid : numeric;
    if (!inRange(gid)) throw rangeError();
    if (!gids.includes(gid)) gids.push(gid);
  }
  return gids;
}
