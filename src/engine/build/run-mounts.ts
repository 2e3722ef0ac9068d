/**
 * RUN's flags: `--mount=type=bind|cache|tmpfs|secret,...` and `--network=default|none|host`,
 * turned into the RUN container's mounts (BuildKit's syntax and defaults). None of these mounts
 * ends up in the step's layer: they are mounts, and what is under them is not the container's.
 *
 * - bind: a path of the build context (or of a stage with from=), read-only unless rw (then a
 *   private copy, so the context never changes);
 * - cache: a directory that persists across builds, by id (the target by default);
 * - tmpfs: an empty tmpfs;
 * - secret: a file given with `berth build --secret id=…,src=…` at /run/secrets/<id>, read-only.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument } from '../../core/errors.js';
import type { MountSpec } from '../../core/mount-spec.js';
import { contentDigest, copyItems } from './copy.js';

export interface RunFlags {
  mounts: MountSpec[];
  network?: string;
  /** What the cache key must see of the mounts (never a secret's content). */
  keyParts: string[];
  /** Temporary copies to delete after the step. */
  scratch: string[];
}

export interface RunContext {
  contextDir: string;
  /** `berth build --secret`: id → host file. */
  secrets: Record<string, string>;
  /** Where cache mounts live. */
  cacheRoot: string;
  /** A stage's (or image's) root for `from=`, and its release. */
  stageRoot: (ref: string) => Promise<{ root: string; release: () => Promise<void> }>;
}

function options(spec: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of spec.split(',')) {
    const i = part.indexOf('=');
    m.set(
      (i < 0 ? part : part.slice(0, i)).trim().toLowerCase(),
      i < 0 ? 'true' : part.slice(i + 1),
    );
  }
  return m;
}

/** A path inside `root`: `..` may not leave it. */
function inside(root: string, rel: string): string {
  const p = path.resolve(root, '.' + path.posix.resolve('/', rel));
  if (p !== root && !p.startsWith(root + path.sep))
    throw invalidArgument(`invalid mount source: ${rel}`);
  return p;
}

export async function runFlags(
  flags: string[],
  ctx: RunContext,
  releases: (() => Promise<void>)[],
): Promise<RunFlags> {
  const out: RunFlags = { mounts: [], keyParts: [], scratch: [] };
  for (const flag of flags) {
    const m = /^--([a-z-]+)=(.*)$/s.exec(flag);
    if (!m) throw invalidArgument(`unknown flag: ${flag}`);
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'network') {
      if (!['default', 'none', 'host'].includes(value))
        throw invalidArgument(`unsupported network mode: ${value}`);
      out.network = value;
      out.keyParts.push(`network=${value}`);
      continue;
    }
    if (name === 'security') {
      if (value !== 'sandbox') throw invalidArgument(`security mode ${value} is not allowed`);
      continue;
    }
    if (name !== 'mount') throw invalidArgument(`unknown flag: --${name}`);
    const o = options(value);
    const type = o.get('type') ?? 'bind';
    const target = o.get('target') ?? o.get('dst') ?? o.get('destination');
    const readOnly = !(o.has('rw') || o.has('readwrite'));
    switch (type) {
      case 'bind': {
        if (!target) throw invalidArgument('mount target is required for bind mounts');
        const from = o.get('from');
        let root = ctx.contextDir;
        if (from) {
          const r = await ctx.stageRoot(from);
          releases.push(r.release);
          root = r.root;
        }
        let source = inside(root, o.get('source') ?? o.get('src') ?? '/');
        await fs.stat(source).catch(() => {
          throw invalidArgument(
            `failed to compute cache key: "${o.get('source') ?? '/'}": not found`,
          );
        });
        if (!readOnly) {
          // writes go to a private copy and are thrown away, as BuildKit does
          const copy = await fs.mkdtemp('/tmp/berth-bind-');
          out.scratch.push(copy);
          await fs.cp(source, path.join(copy, 'x'), { recursive: true, preserveTimestamps: true });
          source = path.join(copy, 'x');
        }
        // the key sees what is mounted, so a changed file there is a miss (the cache never lies)
        const rel = path.relative(root, inside(root, o.get('source') ?? o.get('src') ?? '/'));
        const content = contentDigest(copyItems({ root }, [rel || '.'], true).items);
        out.mounts.push({ type: 'bind', source, target, readOnly });
        out.keyParts.push(`bind:${from ?? 'context'}:${rel}:${target}:${readOnly}:${content}`);
        break;
      }
      case 'cache': {
        if (!target) throw invalidArgument('mount target is required for cache mounts');
        const id = o.get('id') ?? target;
        const dir = path.join(
          ctx.cacheRoot,
          createHash('sha256').update(id).digest('hex').slice(0, 32),
        );
        await fs.mkdir(dir, { recursive: true, mode: Number.parseInt(o.get('mode') ?? '755', 8) });
        if (o.has('uid') || o.has('gid'))
          await fs.chown(dir, Number(o.get('uid') ?? 0), Number(o.get('gid') ?? 0));
        out.mounts.push({ type: 'bind', source: dir, target, readOnly: false });
        out.keyParts.push(`cache:${target}`);
        break;
      }
      case 'tmpfs': {
        if (!target) throw invalidArgument('mount target is required for tmpfs mounts');
        const size = o.get('size');
        out.mounts.push({
          type: 'tmpfs',
          target,
          readOnly: false,
          ...(size && /^\d+$/.test(size) ? { tmpfsSize: Number(size) } : {}),
        });
        out.keyParts.push(`tmpfs:${target}`);
        break;
      }
      case 'secret': {
        const id = o.get('id') ?? (target ? path.posix.basename(target) : undefined);
        if (!id) throw invalidArgument('secret mount needs an id or a target');
        const src = ctx.secrets[id];
        if (!src) {
          if (o.get('required') === 'true') throw invalidArgument(`secret ${id} not found`);
          continue;
        }
        out.mounts.push({
          type: 'bind',
          source: src,
          target: target ?? `/run/secrets/${id}`,
          readOnly: true,
        });
        out.keyParts.push(`secret:${id}`); // the id, never the content
        break;
      }
      default:
        throw invalidArgument(`unsupported mount type "${type}"`);
    }
  }
  return out;
}
