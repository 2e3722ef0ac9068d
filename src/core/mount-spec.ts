/**
 * Docker's three ways to ask for a mount, parsed with Docker's rules and wording:
 *
 * - `-v`/`--volume` (`HostConfig.Binds`): `[source:]target[:mode]`, checked as the daemon's
 *   `ParseMountRaw` does. A source starting with `/` is a bind mount, any other a named volume,
 *   none an anonymous volume.
 * - `--mount`: a CSV list of `key=value` fields, as docker/cli's `MountOpt.Set`, then the daemon's
 *   `validateMountConfig`.
 * - `--tmpfs`: `target[:options]`, with the options the daemon would pass to mount(2).
 *
 * Checks that need the file system (does a bind source exist?) are the caller's.
 */
import { posix } from 'node:path';
import { invalidArgument, notImplemented } from './errors.js';
import { goQuote, ramInBytes } from './go-parse.js';

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';

const propagations: ReadonlySet<string> = new Set([
  'private',
  'rprivate',
  'shared',
  'rshared',
  'slave',
  'rslave',
]);

/** A `-v` value. */
export interface VolumeSpec {
  type: 'bind' | 'volume';
  /** Absolute host path (bind) or volume name; absent for an anonymous volume. */
  source?: string;
  target: string;
  readOnly: boolean;
  /** Bind mounts: the propagation asked for (the default is `rprivate`). */
  propagation?: Propagation;
  /** Volumes: `nocopy`, do not copy the image's content at the target into a new volume. */
  noCopy?: boolean;
}

/** A `--mount` value. */
export interface MountSpec {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  readOnly: boolean;
  propagation?: Propagation;
  /** `bind-recursive=disabled`: do not bind the mounts below the source. */
  nonRecursive?: boolean;
  /** `bind-create-src`: create a missing bind source. */
  createSource?: boolean;
  noCopy?: boolean;
  /** `volume-subpath`. */
  subpath?: string;
  volumeDriver?: string;
  volumeLabels?: Record<string, string>;
  volumeOptions?: Record<string, string>;
  tmpfsSize?: number;
  tmpfsMode?: number;
}

/** A `--tmpfs` value. */
export interface TmpfsSpec {
  target: string;
  /** The options as given (`size=64m`, `mode=1770`, `noexec`...). */
  options: string[];
  /** `size=` in bytes, when given as a number of bytes with an optional k/m/g suffix. */
  size?: number;
  /** `mode=`, octal. */
  mode?: number;
}

/** Go's `path.Clean`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const volumeNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The local volume driver's rule for names, with its message. */
export function validateVolumeName(name: string): void {
  if (!volumeNamePattern.test(name)) {
    throw invalidArgument(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

/** The daemon's checks of a destination (also used for `--tmpfs`). */
function destinationProblem(target: string): string | undefined {
  if (target === '') return 'field Target must not be empty';
  if (cleanPath(target) === '/') return "invalid specification: destination can't be '/'";
  if (!target.startsWith('/')) return `invalid mount path: '${target}' mount path must be absolute`;
  return undefined;
}

/** `-v` modes: one each of rw/ro, z/Z, a propagation, nocopy, a consistency. */
function modeCounts(mode: string): Record<string, number> | undefined {
  const counts: Record<string, number> = {};
  if (mode === '') return counts;
  for (const o of mode.split(',')) {
    let kind: string;
    if (['rw', 'ro', 'ro-non-recursive', 'ro-force-recursive', 'rro'].includes(o)) kind = 'rw';
    else if (o === 'z' || o === 'Z') kind = 'label';
    else if (propagations.has(o)) kind = 'propagation';
    else if (o === 'nocopy') kind = 'copy';
    else if (['consistent', 'cached', 'delegated'].includes(o)) kind = 'consistency';
    else return undefined;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return Object.values(counts).some((n) => n > 1) ? undefined : counts;
}

const validMode = (mode: string) => modeCounts(mode) !== undefined;

/**
 * Parses a `-v` value. `cwd` resolves a source starting with `.` (`./data:/data`) as docker/cli
 * does; without it such a source is taken for a volume name, and refused.
 */
export function parseVolumeSpec(raw: string, opts: { cwd?: string } = {}): VolumeSpec {
  const specError = () => invalidArgument(`invalid volume specification: '${raw}'`);
  // strings.SplitN(raw, ":", 4)
  const parts: string[] = [];
  let rest = raw;
  while (parts.length < 3 && rest.includes(':')) {
    const i = rest.indexOf(':');
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  parts.push(rest);
  if (parts[0] === '') throw specError();

  let source = '';
  let target: string;
  let mode = '';
  switch (parts.length) {
    case 1:
      target = parts[0]!;
      break;
    case 2:
      // a destination and a mode is no valid volume, e.g. /foo:rw
      if (validMode(parts[1]!)) throw specError();
      [source, target] = parts as [string, string];
      break;
    case 3:
      [source, target, mode] = parts as [string, string, string];
      break;
    default:
      throw specError();
  }
  if (!validMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  if (source.startsWith('.') && opts.cwd !== undefined) source = posix.resolve(opts.cwd, source);

  const type = source.startsWith('/') ? 'bind' : 'volume';
  const options = mode === '' ? [] : mode.split(',');
  const readOnly = options.some((o) => o === 'ro' || o.startsWith('ro-') || o === 'rro');
  const propagation = options.find((o) => propagations.has(o)) as Propagation | undefined;
  const noCopy = options.includes('nocopy');

  const configError = (problem: string) =>
    invalidArgument(
      `invalid volume specification: '${raw}': invalid mount config for type "${type}": ${problem}`,
    );
  if (options.some((o) => o.startsWith('ro-') || o === 'rro') && type !== 'bind') {
    throw invalidArgument(
      `mount mode "${mode}" requires a bind mount: invalid volume specification: '${raw}'`,
    );
  }
  const destination = destinationProblem(target);
  if (destination) throw configError(destination);
  if (type === 'bind') {
    if (noCopy) throw configError('field VolumeOptions must not be specified');
  } else {
    if (propagation) throw configError('field BindOptions must not be specified');
    if (source !== '') validateVolumeName(source);
  }

  const spec: VolumeSpec = { type, target: cleanPath(target), readOnly };
  if (source !== '') spec.source = type === 'bind' ? cleanPath(source) : source;
  if (type === 'bind' && propagation) spec.propagation = propagation;
  if (type === 'volume' && noCopy) spec.noCopy = true;
  return spec;
}

/** One line of CSV as Go's encoding/csv reads it. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) {
          throw invalidArgument(
            `parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`,
          );
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') {
        throw invalidArgument(
          `parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`,
        );
      }
    } else {
      const end = line.indexOf(',', i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      const quote = field.indexOf('"');
      if (quote >= 0) {
        throw invalidArgument(
          `parse error on line 1, column ${i + quote + 1}: bare " in non-quoted-field`,
        );
      }
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** docker/cli's `parseBoolValue`: no value means true. */
function boolValue(key: string, val: string, hasValue: boolean): boolean {
  if (!hasValue) return true;
  if (val === '1' || val === 'true') return true;
  if (val === '0' || val === 'false') return false;
  throw invalidArgument(
    `invalid value for '${key}': invalid boolean value (${goQuote(val)}): must be one of "true", "1", "false", or "0" (default "true")`,
  );
}

/** Parses a `--mount` value. `cwd` resolves a source starting with `.`, as docker/cli does. */
export function parseMountSpec(value: string, opts: { cwd?: string } = {}): MountSpec {
  value = value.trim();
  if (value === '') throw invalidArgument('value is empty');
  let type = 'volume';
  let source = '';
  let target = '';
  let readOnly = false;
  const bind: { propagation?: string; nonRecursive?: boolean; create?: boolean; used?: boolean } =
    {};
  const volume: {
    noCopy?: boolean;
    subpath?: string;
    driver?: string;
    labels?: Record<string, string>;
    options?: Record<string, string>;
    used?: boolean;
  } = {};
  const tmpfs: { size?: number; mode?: number; used?: boolean } = {};
  let imageOptions = false;
  let bindRecursive: string | undefined;

  const setOnMap = (map: Record<string, string> | undefined, kv: string) => {
    const eq = kv.indexOf('=');
    const k = eq < 0 ? kv : kv.slice(0, eq);
    const m = map ?? {};
    if (k !== '') m[k] = eq < 0 ? '' : kv.slice(eq + 1);
    return m;
  };

  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const hasValue = eq >= 0;
    let key = hasValue ? field.slice(0, eq) : field;
    const val = hasValue ? field.slice(eq + 1) : '';
    if (key.trim() !== key) {
      throw invalidArgument(
        `invalid option '${key.trim()}' in '${field}': option should not have whitespace`,
      );
    }
    if (hasValue) {
      if (val.trim() === '') throw invalidArgument(`invalid value for '${key}': value is empty`);
      if (val.trim() !== val) {
        throw invalidArgument(
          `invalid value for '${key}' in '${field}': value should not have whitespace`,
        );
      }
    }
    key = key.toLowerCase();
    if (
      !hasValue &&
      !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src'].includes(key)
    ) {
      throw invalidArgument(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type':
        type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        source = val;
        if (!val.startsWith('/') && val.startsWith('.') && opts.cwd !== undefined) {
          source = posix.resolve(opts.cwd, val);
        }
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = val;
        break;
      case 'readonly':
      case 'ro':
        readOnly = boolValue(key, val, hasValue);
        break;
      case 'consistency':
        break; // meaningful on Docker Desktop only
      case 'bind-propagation':
        bind.used = true;
        bind.propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        throw invalidArgument(
          'bind-nonrecursive is deprecated, use bind-recursive=disabled instead',
        );
      case 'bind-recursive':
        if (!['enabled', 'disabled', 'writable', 'readonly'].includes(val)) {
          throw invalidArgument(
            `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`,
          );
        }
        if (val !== 'enabled') bind.used = true;
        if (val === 'disabled') bind.nonRecursive = true;
        bindRecursive = val;
        break;
      case 'bind-create-src':
        bind.used = true;
        bind.create = boolValue(key, val, hasValue);
        break;
      case 'volume-subpath':
        volume.used = true;
        volume.subpath = val;
        break;
      case 'volume-nocopy':
        volume.used = true;
        volume.noCopy = boolValue(key, val, hasValue);
        break;
      case 'volume-label':
        volume.used = true;
        volume.labels = setOnMap(volume.labels, val);
        break;
      case 'volume-driver':
        volume.used = true;
        volume.driver = val;
        break;
      case 'volume-opt':
        volume.used = true;
        volume.options = setOnMap(volume.options, val);
        break;
      case 'image-subpath':
        imageOptions = true;
        break;
      case 'tmpfs-size':
        tmpfs.used = true;
        try {
          tmpfs.size = ramInBytes(val);
        } catch {
          throw invalidArgument(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode': {
        tmpfs.used = true;
        const mode = /^[0-7]+$/.test(val) ? parseInt(val, 8) : NaN;
        if (!(mode <= 0xffffffff)) throw invalidArgument(`invalid value for ${key}: ${val}`);
        tmpfs.mode = mode;
        break;
      }
      default:
        throw invalidArgument(`unknown option '${key}' in '${field}'`);
    }
  }

  if (type === '') throw invalidArgument('type is required');
  const mix = (what: string) =>
    invalidArgument(`cannot mix '${what}-*' options with mount type '${type}'`);
  if (type !== 'bind' && bind.used) throw mix('bind');
  if (type !== 'volume' && volume.used) throw mix('volume');
  if (type !== 'image' && imageOptions) throw mix('image');
  if (type !== 'tmpfs' && tmpfs.used) throw mix('tmpfs');
  if (bindRecursive === 'writable' && !readOnly) {
    throw invalidArgument(
      "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
    );
  }
  if (bindRecursive === 'readonly') {
    if (!readOnly) {
      throw invalidArgument(
        "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction",
      );
    }
    if (bind.propagation !== 'rprivate') {
      throw invalidArgument(
        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
      );
    }
  }
  if (target === '') throw invalidArgument('target is required');

  // the daemon's validateMountConfig
  const configError = (problem: string) =>
    invalidArgument(`invalid mount config for type "${type}": ${problem}`);
  if (type === 'image') throw notImplemented('mounts of type "image" are not supported by berth');
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') {
    throw configError('mount type unknown');
  }
  const destination = destinationProblem(target);
  if (destination) throw configError(destination);
  const spec: MountSpec = { type, target: cleanPath(target), readOnly };
  if (type === 'bind') {
    if (source === '') throw configError('field Source must not be empty');
    if (bind.propagation !== undefined && !propagations.has(bind.propagation)) {
      throw configError(`invalid propagation mode: ${bind.propagation}`);
    }
    if (!source.startsWith('/')) {
      throw configError(`invalid mount path: '${source}' mount path must be absolute`);
    }
    spec.source = cleanPath(source);
    if (bind.propagation) spec.propagation = bind.propagation as Propagation;
    if (bind.nonRecursive) spec.nonRecursive = true;
    if (bind.create) spec.createSource = true;
  } else if (type === 'volume') {
    if (source === '' && readOnly) {
      throw configError('must not set ReadOnly mode when using anonymous volumes');
    }
    if (source !== '') {
      validateVolumeName(source);
      spec.source = source;
    }
    if (volume.noCopy) spec.noCopy = true;
    if (volume.subpath !== undefined) spec.subpath = volume.subpath;
    if (volume.driver !== undefined) spec.volumeDriver = volume.driver;
    if (volume.labels) spec.volumeLabels = volume.labels;
    if (volume.options) spec.volumeOptions = volume.options;
  } else {
    if (source !== '') throw configError('field Source must not be specified');
    if (tmpfs.size !== undefined) spec.tmpfsSize = tmpfs.size;
    if (tmpfs.mode !== undefined) spec.tmpfsMode = tmpfs.mode;
  }
  return spec;
}

/** mount(2) flags by name, and the flag each sets or clears (moby/sys/mount's table). */
const mountFlags: Record<string, string> = {
  ro: 'rdonly',
  rw: 'rdonly',
  suid: 'nosuid',
  nosuid: 'nosuid',
  dev: 'nodev',
  nodev: 'nodev',
  exec: 'noexec',
  noexec: 'noexec',
  sync: 'sync',
  async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand',
  nomand: 'mand',
  atime: 'noatime',
  noatime: 'noatime',
  diratime: 'nodiratime',
  nodiratime: 'nodiratime',
  bind: 'propagation',
  rbind: 'propagation',
  unbindable: 'propagation',
  runbindable: 'propagation',
  private: 'propagation',
  rprivate: 'propagation',
  shared: 'propagation',
  rshared: 'propagation',
  slave: 'propagation',
  rslave: 'propagation',
  relatime: 'relatime',
  norelatime: 'relatime',
  strictatime: 'strictatime',
  nostrictatime: 'strictatime',
};
const tmpfsData = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * moby/sys/mount `MergeTmpfsOptions`: later options win over earlier ones that set the same flag
 * or data key; anything but a known flag or `size|mode|uid|gid|nr_inodes|nr_blocks|mpol=` fails.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const flags = new Set<string>();
  const data = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const option = options[i]!;
    if (option === 'defaults') continue;
    const flag = mountFlags[option];
    if (flag !== undefined) {
      if (!flags.has(flag)) {
        out.unshift(option);
        flags.add(flag);
      }
      continue;
    }
    const eq = option.indexOf('=');
    const key = option.slice(0, eq);
    if (eq < 0 || !tmpfsData.has(key)) {
      const parts = eq < 0 ? [option] : [key, option.slice(eq + 1)];
      throw invalidArgument(`Invalid tmpfs option [${parts.map(goQuote).join(' ')}]`);
    }
    if (!data.has(key)) {
      out.unshift(option);
      data.add(key);
    }
  }
  return out;
}

/**
 * The OCI mount options of a tmpfs mount, as the daemon makes them: `noexec,nosuid,nodev,rprivate`
 * then the user's, merged.
 */
export function tmpfsMountOptions(userOptions: readonly string[]): string[] {
  return mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...userOptions]);
}

/**
 * The options of a `--mount type=tmpfs` (the daemon's `ConvertTmpfsOptions`): `ro`, `mode=` in
 * octal, `size=` with the largest of g/m/k that divides it.
 */
export function tmpfsSpecOptions(spec: {
  readOnly?: boolean;
  tmpfsSize?: number;
  tmpfsMode?: number;
}): string[] {
  const out: string[] = [];
  if (spec.readOnly) out.push('ro');
  if (spec.tmpfsMode) out.push(`mode=${spec.tmpfsMode.toString(8)}`);
  if (spec.tmpfsSize) {
    let size = spec.tmpfsSize;
    let suffix = '';
    for (const [s, d] of [
      ['g', 1024 ** 3],
      ['m', 1024 ** 2],
      ['k', 1024],
    ] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    out.push(`size=${size}${suffix}`);
  }
  return out;
}

const tmpfsUnits: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a `--tmpfs` value, `/run:rw,size=64m,mode=1777`. */
export function parseTmpfs(value: string): TmpfsSpec {
  const colon = value.indexOf(':');
  const target = colon < 0 ? value : value.slice(0, colon);
  const data = colon < 0 ? '' : value.slice(colon + 1);
  const problem =
    target === ''
      ? "invalid mount path: '' mount path must be absolute"
      : destinationProblem(target);
  if (problem) throw invalidArgument(problem);
  const options = data === '' ? [] : data.split(',');
  tmpfsMountOptions(options); // validates
  const spec: TmpfsSpec = { target: cleanPath(target), options };
  for (const o of options) {
    if (o.startsWith('size=')) {
      // the kernel's tmpfs sizes: bytes with an optional k, m or g, or a percentage of RAM
      const m = /^(\d+)([kmg]?)$/i.exec(o.slice(5));
      if (m) spec.size = Number(m[1]) * tmpfsUnits[m[2]!.toLowerCase()]!;
      else if (!/^\d+%$/.test(o.slice(5))) throw invalidArgument(`invalid tmpfs size: ${o}`);
    } else if (o.startsWith('mode=')) {
      if (!/^[0-7]+$/.test(o.slice(5))) throw invalidArgument(`invalid tmpfs mode: ${o}`);
      spec.mode = parseInt(o.slice(5), 8);
    }
  }
  return spec;
}
