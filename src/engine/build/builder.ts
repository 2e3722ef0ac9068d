/**
 * `build`: a Dockerfile's stages executed step by step. Each step's result is an image (a build
 * intermediate, hidden from `images`); RUN runs in a container of the previous step's image and
 * its changes become one layer; COPY and ADD write a layer without a container; the other
 * instructions change only the config. Every step is looked up in the build cache first, by its
 * parent, its expanded instruction, the build args it sees and the content of what it copies.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PatternMatcher, walkFilter } from '../../core/dockerignore.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { chainIds, type Digest } from '../../core/digest.js';
import { expandText, expandWord, expandWords, type Env } from '../../core/dockerfile-expand.js';
import { chompHeredocContent, parseDockerfile, type Node } from '../../core/dockerfile/parser.js';
import { parseErrorLocation } from '../../core/dockerfile/ast.js';
import {
  planStages,
  stageIndex,
  type BuildPlan,
  type StagePlan,
} from '../../core/dockerfile-stages.js';
import {
  checkDockerfile,
  parseCheckConfig,
  formatFindings,
  type CheckFinding,
} from '../../core/dockerfile-checks.js';
import { invalidArgument, noSuchImage, notImplemented } from '../../core/errors.js';
import { toOciMediaType } from '../../core/media-types.js';
import type { ContainerConfig, Descriptor, ImageConfig, ImageManifest } from '../../core/oci.js';
import { parseOciDocument } from '../../core/oci-schema.js';
import { resolveUser } from '../../core/passwd.js';
import { parseReference } from '../../core/reference.js';
import { MergedView } from '../../archive/merged-view.js';
import { findImage, type ImageDb } from '../../image/store.js';
import { commitDirAsLayer } from '../../image/layer-from-dir.js';
import { withContentLease } from '../../image/stores.js';
import { storeImage } from '../../image/write.js';
import { imageFromRunContainer } from '../container-commit.js';
import { createdTime, sourceDateEpoch } from '../source-date-epoch.js';
import type { FileDeps } from '../container-fs.js';
import type { CreateRequest } from '../container-request.js';
import type { ContainerRecord } from '../../runtime/container-record.js';
import { mountReadOnly } from '../../runtime/rootfs.js';
import { BuildCache } from './cache.js';
import { Explainer, type StepInputs } from './explain.js';
import {
  createdBy,
  DEFAULT_SHELL,
  download,
  downloadName,
  parseChecksum,
  envMap,
  healthcheck,
  PREDEFINED_ARGS,
  runRequest,
  shellScript,
} from './instructions.js';
import { runFlags, type RunFlags } from './run-mounts.js';
import {
  lineWriter,
  buildProgress,
  type BuildProgress,
  type ProgressMode,
  type StepProgress,
} from './progress.js';
import {
  contentDigest,
  copyItems,
  writeCopy,
  type CopyItem,
  type CopySource,
  type DigestMemo,
  type Written,
} from './copy.js';
import { extractInto, tarSources } from './add.js';

export interface BuildOptions {
  contextDir: string;
  /** The Dockerfile's text and the name errors give it. */
  dockerfile: { text: string; name: string };
  tags: string[];
  buildArgs: Record<string, string | undefined>;
  target?: string;
  noCache: boolean;
  labels: Record<string, string>;
  network: string;
  addHosts: string[];
  /** On the first cache miss, say which input changed since the last build of that step. */
  explainCache?: boolean;
  /** `--secret id=…,src=…`: id → host file, for RUN --mount=type=secret. */
  secrets?: Record<string, string>;
  /** How steps are shown (default plain). */
  progress?: ProgressMode;
  /** .dockerignore's verdict for a context path (see CopySource). */
  decide?: CopySource['decide'];
}

/** What a build made: the image, and what the build checks found. */
export interface BuildResult {
  id: Digest;
  checks: CheckFinding[];
}

export interface BuildDeps extends FileDeps {
  createContainer(req: CreateRequest): Promise<ContainerRecord>;
  cacheFile: string;
  /** Pull a base image that is not here (false when `ref` is not something to pull). */
  pullImage?(ref: string, out: Writable): Promise<boolean>;
}

/** The state of a stage between steps: its image and what the next steps need. */
interface StageState {
  imageId?: Digest;
  config: ImageConfig;
  layers: Descriptor[];
  args: Map<string, string>;
  cmdSet: boolean;
}

/** A stage of the plan, with its result once built. */
interface Stage extends StagePlan {
  result?: StageState;
}

export class Builder {
  private readonly cache: BuildCache;
  private readonly progress: BuildProgress;
  /** Where a pull that belongs to no step (COPY --from=image) reports. */
  private readonly pullNotes: Writable;
  /** Digests of context files by identity, kept across builds (see DigestMemo). */
  private memo: DigestMemo = new Map();
  private images?: ImageDb;
  /** The step being keyed: `<stage>/<index>`, the place --explain-cache compares. */
  private readonly position = new AsyncLocalStorage<string>();
  private readonly explainer: Explainer;
  /** A needed stage's result, once it is built (undefined for a stage the build skips). */
  private stageResult?: (index: number) => Promise<StageState> | undefined;
  /**
   * Steps being made, by key: two stages that reach the same step (same parent, same
   * instruction) make it once, as BuildKit merges identical steps, even with --no-cache.
   */
  private readonly flights = new Map<
    string,
    {
      position: string;
      promise: Promise<Digest>;
      resolve: (id: Digest) => void;
      reject: (e: unknown) => void;
    }
  >();
  /** The inputs of each position's last keyed step, recorded if it misses. */
  private readonly pending = new Map<
    string,
    { inputs: StepInputs; files?: () => Record<string, string> }
  >();

  constructor(
    private readonly d: BuildDeps,
    private readonly o: BuildOptions,
    out: Writable,
  ) {
    this.cache = new BuildCache(d.cacheFile);
    this.progress = buildProgress(o.progress ?? 'plain', out);
    this.pullNotes = lineWriter((line) => this.progress.note(line));
    this.explainer = new Explainer(
      path.join(path.dirname(d.cacheFile), 'build-explain.json'),
      `${o.contextDir}\0${o.dockerfile.name}`,
    );
  }

  /** Errors name the Dockerfile and line, as Docker's do. */
  private at(node: { startLine: number } | number, e: unknown): Error {
    const line = typeof node === 'number' ? node : node.startLine;
    const err = e as Error;
    if (/^[^:\s]+:\d+: /.test(err.message)) return err;
    err.message = `${this.o.dockerfile.name}:${line}: ${err.message}`;
    return err;
  }

  async build(): Promise<BuildResult> {
    this.memo = await this.cache.loadMemo();
    const known = this.memo.size;
    let failed = true;
    try {
      const result = await this.buildStages();
      failed = false;
      return result;
    } finally {
      this.progress.finish(failed);
      if (this.memo.size !== known) await this.cache.saveMemo(this.memo);
      await this.explainer.save();
    }
  }

  private async buildStages(): Promise<BuildResult> {
    let plan: BuildPlan;
    let escape: string;
    let checks: CheckFinding[];
    let failOnChecks = false;
    try {
      const parsed = parseDockerfile(this.o.dockerfile.text);
      escape = parsed.escapeToken;
      // build checks: the `# check=` directive, or BUILDKIT_DOCKERFILE_CHECK (which wins)
      const config = parseCheckConfig(
        this.o.buildArgs['BUILDKIT_DOCKERFILE_CHECK'] ??
          parsed.directives.find((d) => d.name === 'check')?.value,
      );
      checks = checkDockerfile(parsed, config);
      failOnChecks = config.error;
      plan = planStages(parsed.ast.children, { ...this.o, escape });
    } catch (e) {
      throw this.at(parseErrorLocation(e)?.startLine ?? 1, e);
    }
    if (failOnChecks && checks.length > 0) {
      for (const l of formatFindings(checks)) this.progress.note(l);
      throw invalidArgument(
        `lint violation found for rules: ${[...new Set(checks.map((c) => c.rule))].join(', ')}`,
      );
    }
    const { globalArgs, needs, target } = plan;
    const stages: Stage[] = plan.stages;
    // every needed stage starts at once, after the stage it is FROM (if any); a step that reads
    // another stage (COPY --from, RUN --mount=from=) waits for that stage when it gets there, so
    // a stage's first steps run while the stages it copies from are still building
    const done = new Map<number, Promise<StageState>>();
    const schedule = (i: number): Promise<StageState> => {
      let p = done.get(i);
      if (!p) {
        const base = stages.findIndex(
          (s, j) =>
            j < i && s.name === expandWord(stages[i]!.from, globalArgs, escape).toLowerCase(),
        );
        p = (base >= 0 ? schedule(base) : Promise.resolve()).then(async () => {
          const result = await this.runStage(stages, i, globalArgs, escape);
          stages[i]!.result = result;
          return result;
        });
        done.set(i, p);
      }
      return p;
    };
    this.stageResult = (i) => (needs.has(i) ? schedule(i) : undefined);
    const settled = await Promise.allSettled([...needs.keys()].map(schedule));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { id: await this.finish(stages[target]!.result!), checks };
  }

  /**
   * An image's state; `db` is a recent read of the image store that may already have it. An
   * image that is not here is pulled (its progress goes to `pullOutput`: the FROM step's lines).
   */
  private async imageState(ref: string, db?: ImageDb, pullOutput?: Writable): Promise<StageState> {
    let found = (db && findImage(db, ref)) ?? findImage(await this.d.stores.images.read(), ref);
    if (!found && (await this.d.pullImage?.(ref, pullOutput ?? this.pullNotes)))
      found = findImage(await this.d.stores.images.read(), ref);
    if (!found) throw noSuchImage(ref);
    const image = found.record;
    const config = parseOciDocument<ImageConfig>(
      'config',
      await this.d.stores.content.read(image.id),
    );
    const manifest = parseOciDocument<ImageManifest>(
      'manifest',
      await this.d.stores.content.read(image.manifest),
    );
    return {
      imageId: image.id,
      config,
      layers: manifest.layers.map((l) => ({ ...l, mediaType: toOciMediaType(l.mediaType) })),
      args: new Map(),
      cmdSet: false,
    };
  }

  private async runStage(
    stages: Stage[],
    index: number,
    globals: Map<string, string>,
    escape: string,
  ) {
    const stage = stages[index]!;
    // a step may read only the stages before its own (COPY --from, RUN --mount=from=), as the
    // plan does: a later name is an image's
    const earlier = stages.slice(0, index);
    const label = stage.name ?? `stage-${index}`;
    const from = expandWord(stage.from, globals, escape);
    const fromStep = this.progress.step(`[${label} 1/${stage.nodes.length + 1}] FROM ${from}`);
    let state: StageState;
    const prev = stages.find((s, i) => i < index && s.name === from.toLowerCase())?.result;
    if (prev) state = { ...prev, args: new Map(), cmdSet: false };
    else if (from === 'scratch')
      state = {
        config: {
          architecture: process.arch === 'x64' ? 'amd64' : process.arch,
          os: 'linux',
          config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
          rootfs: { type: 'layers', diff_ids: [] },
          history: [],
        },
        layers: [],
        args: new Map(),
        cmdSet: false,
      };
    else {
      try {
        state = await this.imageState(from, undefined, fromStep.stdout);
      } catch (e) {
        throw this.at(stage.line, e);
      }
    }
    fromStep.done();
    // the base image's ONBUILD triggers run first, as if written right after FROM
    const triggers = state.config.config?.OnBuild ?? [];
    if (triggers.length > 0) {
      const nodes = parseDockerfile(triggers.join('\n')).ast.children;
      for (const [k, node] of nodes.entries()) {
        const position = `${label}/onbuild/${k}`;
        try {
          const before = state;
          state = await this.position.run(position, () =>
            this.runStep(
              earlier,
              before,
              node,
              `[${label}] ONBUILD ${node.original.trim()}`,
              escape,
              globals,
            ),
          );
        } catch (e) {
          this.failFlights(position, e);
          throw this.at(stage.line, e);
        }
      }
      state = {
        ...state,
        config: {
          ...state.config,
          config: { ...state.config.config, OnBuild: null as unknown as undefined },
        },
      };
    }
    for (const [n, node] of stage.nodes.entries()) {
      const title = `[${label} ${n + 2}/${stage.nodes.length + 1}] ${node.original.trim()}`;
      try {
        const before = state;
        state = await this.position.run(`${label}/${n}`, () =>
          this.runStep(earlier, before, node, title, escape, globals),
        );
      } catch (e) {
        this.failFlights(`${label}/${n}`, e);
        throw this.at(node, e);
      }
    }
    return state;
  }

  /** The variables a step expands with: the stage's ARGs, then ENV on top. */
  private vars(state: StageState): Map<string, string> {
    return new Map([...state.args, ...envMap(state.config.config)]);
  }

  private async runStep(
    stages: Stage[],
    state: StageState,
    node: Node,
    title: string,
    escape: string,
    globals: Map<string, string>,
  ): Promise<StageState> {
    const vars = this.vars(state);
    const x = (w: string) => expandWord(w, vars, escape);
    const cfg: ContainerConfig = structuredClone(state.config.config ?? {});
    const shell = cfg.Shell ?? DEFAULT_SHELL;
    const kw = node.keyword;
    const commandOf = (): string[] => (node.json ? node.args : [...shell, shellScript(node)]);
    switch (kw) {
      case 'arg': {
        const args = new Map(state.args);
        for (const a of node.args) {
          const [k, v] = a.split(/=(.*)/s) as [string, string | undefined];
          const value =
            this.o.buildArgs[k] ??
            (v !== undefined
              ? x(v)
              : (globals.get(k) ??
                (PREDEFINED_ARGS.includes(k) ? this.o.buildArgs[k] : undefined)));
          if (value !== undefined) args.set(k, value);
        }
        return this.configStep(state, cfg, title, node, { args });
      }
      case 'env': {
        const env = envMap(cfg);
        for (let i = 0; i + 1 < node.args.length; i += 3)
          env.set(x(node.args[i]!), x(node.args[i + 1]!));
        cfg.Env = [...env].map(([k, v]) => `${k}=${v}`);
        return this.configStep(state, cfg, title, node);
      }
      case 'label': {
        cfg.Labels = { ...(cfg.Labels ?? {}) };
        for (let i = 0; i + 1 < node.args.length; i += 3)
          cfg.Labels[x(node.args[i]!)] = x(node.args[i + 1]!);
        return this.configStep(state, cfg, title, node);
      }
      case 'maintainer':
        return this.configStep(state, cfg, title, node, { author: node.args.join(' ') });
      case 'workdir': {
        const dir = x(node.args[0] ?? '');
        cfg.WorkingDir = path.posix.resolve(cfg.WorkingDir || '/', dir);
        return this.workdir(state, cfg, node, title);
      }
      case 'user':
        cfg.User = x(node.args[0] ?? '');
        return this.configStep(state, cfg, title, node);
      case 'expose': {
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of node.args.flatMap((a) => expandWords(a, vars, escape)))
          cfg.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        return this.configStep(state, cfg, title, node);
      }
      case 'volume': {
        cfg.Volumes = { ...(cfg.Volumes ?? {}) };
        for (const v of node.args.flatMap((a) =>
          node.json ? [x(a)] : expandWords(a, vars, escape),
        ))
          cfg.Volumes[v] = {};
        return this.configStep(state, cfg, title, node);
      }
      case 'stopsignal':
        cfg.StopSignal = x(node.args[0] ?? '');
        return this.configStep(state, cfg, title, node);
      case 'cmd':
        cfg.Cmd = node.json ? node.args : [...shell, node.args.join(' ')];
        return this.configStep(state, cfg, title, node, { cmdSet: true });
      case 'entrypoint':
        cfg.Entrypoint = node.json ? node.args : [...shell, node.args.join(' ')];
        // Docker: an ENTRYPOINT resets a CMD inherited from the base image
        if (!state.cmdSet) cfg.Cmd = null;
        return this.configStep(state, cfg, title, node);
      case 'shell':
        if (!node.json) throw invalidArgument('SHELL requires the arguments to be in JSON form');
        cfg.Shell = node.args;
        return this.configStep(state, cfg, title, node);
      case 'healthcheck': {
        cfg.Healthcheck = healthcheck(node);
        return this.configStep(state, cfg, title, node);
      }
      case 'onbuild':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), node.original.replace(/^\s*onbuild\s+/i, '')];
        return this.configStep(state, cfg, title, node);
      case 'run':
        return this.runInstruction(stages, state, node, title, commandOf());
      case 'copy':
      case 'add':
        return this.copyInstruction(stages, state, node, title, vars, escape);
      default:
        throw invalidArgument(`unknown instruction: ${node.value.toUpperCase()}`);
    }
  }

  /** The cache key of a step; its inputs are kept until `cached` says whether it missed. */
  private key(
    state: StageState,
    node: Node,
    extra: unknown,
    files?: () => Record<string, string>,
  ): string {
    const inputs: StepInputs = {
      parent: state.imageId ?? 'scratch',
      original: node.original,
      flags: node.flags,
      heredocs: node.heredocs.map((h) => h.content),
      extra,
    };
    this.pending.set(this.position.getStore() ?? '', { inputs, files });
    return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  }

  /**
   * The cached result of a step, if any. A miss records the step's inputs for --explain-cache
   * (a hit's inputs are those recorded when its result was made), and explains the first miss.
   */
  private async cached(
    key: string,
    title: string,
  ): Promise<{ hit?: StageState; step: StepProgress }> {
    const position = this.position.getStore() ?? '';
    // the same step already under way in another stage: its result, made once
    const flight = this.flights.get(key);
    if (flight) {
      const made = await flight.promise;
      const step = this.progress.step(title);
      step.cached();
      return { hit: await this.imageState(made), step };
    }
    // this stage owns the step from now on (set before any await: a stage that reaches the same
    // step meanwhile waits for this one); a hit settles it at once, a miss when it is made
    let resolve!: (id: Digest) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<Digest>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined); // a failure is the owner's to report
    this.flights.set(key, { position, promise, resolve, reject });
    const id = this.o.noCache ? undefined : await this.cache.get(key);
    // the images known when the build began (a hit's image existed then; images made by this
    // build are looked up afresh)
    if (id) this.images ??= await this.d.stores.images.read();
    if (!id || (!this.images!.images[id] && !(await this.d.stores.images.read()).images[id])) {
      const step = this.pending.get(position);
      if (step) this.explainer.record(position, step.inputs, step.files?.());
      const started = this.progress.step(title);
      if (this.o.explainCache && !this.o.noCache)
        await this.explainer.explainOnce(position, (l) => started.log(l));
      return { step: started };
    }
    this.flights.delete(key);
    resolve(id);
    const step = this.progress.step(title);
    step.cached();
    return { hit: await this.imageState(id, this.images), step };
  }

  /** A step's result, for the cache and for the same step waiting in another stage. */
  private async remember(key: string, image: Digest): Promise<void> {
    await this.cache.set(key, image);
    this.flights.get(key)?.resolve(image);
    this.flights.delete(key);
  }

  /** The steps a failed position was making will not be made: their waiters fail too. */
  private failFlights(position: string, e: unknown): void {
    for (const [key, f] of this.flights)
      if (f.position === position) {
        f.reject(e);
        this.flights.delete(key);
      }
  }

  /** A step that changes the config only: an empty-layer history entry. */
  private async configStep(
    state: StageState,
    cfg: ContainerConfig,
    title: string,
    node: Node,
    extra: { args?: Map<string, string>; cmdSet?: boolean; author?: string } = {},
  ): Promise<StageState> {
    const args = extra.args ?? state.args;
    const key = this.key(state, node, { args: [...args] });
    const { hit, step } = await this.cached(key, title);
    if (hit) return { ...hit, args, cmdSet: extra.cmdSet ?? state.cmdSet };
    const created = createdTime();
    const config: ImageConfig = {
      ...state.config,
      created,
      ...(extra.author ? { author: extra.author } : {}),
      config: cfg,
      history: [
        ...(state.config.history ?? []),
        {
          created,
          created_by: createdBy(node),
          comment: 'buildkit.dockerfile.v0',
          empty_layer: true,
        },
      ],
    };
    const stored = await storeImage(this.d.stores, {
      config,
      layers: state.layers,
      intermediate: true,
    });
    await this.remember(key, stored.record.id);
    step.done();
    return {
      imageId: stored.record.id,
      config,
      layers: state.layers,
      args,
      cmdSet: extra.cmdSet ?? state.cmdSet,
    };
  }

  private async runInstruction(
    stages: Stage[],
    state: StageState,
    node: Node,
    title: string,
    command: string[],
  ) {
    // ARGs are in RUN's environment (and so in its cache key), ENV comes from the image
    const argEnv = [...state.args]
      .filter(([k]) => !envMap(state.config.config).has(k))
      .map(([k, v]) => `${k}=${v}`);
    const releases: (() => Promise<void>)[] = [];
    let flags: RunFlags | undefined;
    try {
      flags = await runFlags(
        node.flags,
        {
          contextDir: this.o.contextDir,
          secrets: this.o.secrets ?? {},
          cacheRoot: path.join(path.dirname(this.d.cacheFile), '..', 'build-cache-mounts'),
          stageRoot: (ref) => this.stageRoot(stages, ref),
        },
        releases,
      );
      const key = this.key(state, node, { argEnv, mounts: flags.keyParts });
      const { hit, step } = await this.cached(key, title);
      if (hit) return { ...hit, args: state.args, cmdSet: state.cmdSet };
      if (!state.imageId)
        throw invalidArgument('RUN needs a file system to run in: FROM scratch has none');
      const req = runRequest(state.imageId, command, argEnv, this.o);
      req.hostConfig.mounts = flags.mounts;
      if (flags.network) req.hostConfig.networkMode = flags.network;
      const record = await this.d.createContainer(req);
      try {
        const code = await this.d.containers.runAttached(
          record.id,
          { stdout: step.stdout, stderr: step.stderr, tty: false },
          false,
          // unmounted before its upper directory becomes the layer; no exit command runs
          { release: true },
        );
        if (code !== 0)
          throw invalidArgument(
            `process "${command.join(' ')}" did not complete successfully: exit code: ${code}`,
          );
        await this.dropMountPoints(
          record.id,
          state,
          flags.mounts.map((m) => m.target),
        );
        const created = createdTime();
        const stored = await imageFromRunContainer(this.d, record, {
          config: { ...state.config, created, config: state.config.config },
          createdBy: createdBy(node),
        });
        await this.remember(key, stored.record.id);
        step.done(true);
        const next = await this.imageState(stored.record.id);
        return { ...next, args: state.args, cmdSet: state.cmdSet };
      } finally {
        await this.d.containers
          .remove(record.id, { force: true, volumes: true })
          .catch(() => undefined);
      }
    } finally {
      for (const r of releases) await r();
      for (const d of flags?.scratch ?? []) await fs.rm(d, { recursive: true, force: true });
    }
  }

  private async copyInstruction(
    stages: Stage[],
    state: StageState,
    node: Node,
    title: string,
    vars: Env,
    escape: string,
  ): Promise<StageState> {
    const flags = new Map(
      node.flags.map((f) => {
        const m = /^--([^=]+)(?:=(.*))?$/s.exec(f);
        return [m?.[1] ?? f, m?.[2] ?? 'true'] as const;
      }),
    );
    for (const f of flags.keys()) {
      if (f === 'keep-git-dir')
        throw notImplemented(`${node.value.toUpperCase()} --${f} is not supported yet`);
      // --link: berth's COPY layers never depend on the layers below them anyway
      const known = ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'];
      if (!known.includes(f) && !(f === 'checksum' && node.keyword === 'add'))
        throw invalidArgument(`unknown flag: --${f}`);
    }
    const words = node.json
      ? node.args.map((a) => expandWord(a, vars, escape))
      : node.args.map((a) => expandWord(a, vars, escape));
    if (words.length < 2 && node.heredocs.length === 0)
      throw invalidArgument(`${node.value.toUpperCase()} requires at least two arguments`);
    const destWord = words.at(-1)!;
    const dest = path.posix.resolve(state.config.config?.WorkingDir || '/', destWord).slice(1);
    const destIsDir = destWord.endsWith('/') || destWord === '.' || destWord.endsWith('/.');
    const urls = node.keyword === 'add' && words.slice(0, -1).every((w) => /^https?:\/\//.test(w));
    const checksum = flags.get('checksum');
    if (checksum !== undefined) {
      if (!urls || words.length !== 2)
        throw invalidArgument('checksum can only be used with a single HTTP(S) source');
      parseChecksum(checksum);
    }
    // heredoc bodies and downloaded URLs are copied from a scratch directory
    const heredocDir =
      node.heredocs.length > 0 || urls ? await fs.mkdtemp('/tmp/berth-add-') : undefined;
    let fromRoot: { root: string; release: () => Promise<void> } | undefined;
    try {
      let src: CopySource | undefined;
      let sources = words.slice(0, -1);
      // sources read only when they must be: a stage's (or image's) file system for COPY
      // --from, mounted; a URL whose checksum is given, downloaded
      let later: (() => Promise<CopySource>) | undefined;
      let from: string | undefined; // the chain ID of what COPY --from reads
      if (urls && heredocDir && checksum !== undefined) {
        const url = sources[0]!;
        sources = [downloadName(url)];
        later = async () => {
          await download([url], heredocDir, checksum);
          return { root: heredocDir };
        };
      } else if (urls && heredocDir) {
        sources = await download(sources, heredocDir);
        src = { root: heredocDir };
      } else if (heredocDir) {
        for (const h of node.heredocs) {
          const body = h.chomp ? chompHeredocContent(h.content) : h.content;
          await fs.writeFile(
            path.join(heredocDir, h.name),
            h.expand ? expandText(body, vars, escape) : body,
          );
        }
        src = { root: heredocDir };
      } else if (flags.has('from')) {
        const fromState = await this.stageState(stages, flags.get('from')!);
        from = chainIds(fromState.config.rootfs.diff_ids).at(-1) ?? 'scratch';
        later = async () => {
          fromRoot = await mountReadOnly(
            await this.d.stores.snapshots.lowerDirs(
              chainIds(fromState.config.rootfs.diff_ids).at(-1),
            ),
          );
          return { root: fromRoot.root };
        };
      } else src = { root: this.o.contextDir, decide: this.o.decide };
      // --exclude (repeatable): .dockerignore patterns, on paths from the source's root
      const excluded = node.flags
        .filter((f) => f.startsWith('--exclude='))
        .map((f) => f.slice('--exclude='.length));
      const withExcludes = (base: CopySource): CopySource => {
        if (excluded.length === 0) return base;
        const own = walkFilter(new PatternMatcher(excluded));
        return {
          ...base,
          decide: (rel, isDir) => {
            const mine = own(rel, isDir);
            return mine !== 'keep' ? mine : (base.decide?.(rel, isDir) ?? 'keep');
          },
        };
      };
      const parents = flags.has('parents') && flags.get('parents') !== 'false';
      const names = heredocDir && !urls ? node.heredocs.map((h) => h.name) : sources;
      let selected: { src: CopySource; items: CopyItem[] } | undefined;
      const select = async () => {
        if (!selected) {
          const source = withExcludes(src ?? (await later!()));
          selected = { src: source, items: copyItems(source, names, destIsDir, parents).items };
        }
        return selected;
      };
      const owner = flags.get('chown');
      const chmod = flags.get('chmod');
      if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod))
        throw invalidArgument(`invalid chmod parameter: ${chmod}`);
      // context files are remembered by identity; what a stage copies from, by its layers (an
      // unpacked layer never changes), so a rebuild neither mounts nor reads it again
      const memo = src?.decide || from ? this.memo : undefined;
      const fromKey =
        from && `from\0${from}\0${JSON.stringify([names, excluded, parents, destIsDir])}`;
      // a checksummed URL is its checksum: a rebuild does not download it again
      let content =
        checksum !== undefined
          ? `${checksum}\0${names[0]}`
          : fromKey
            ? this.memo.get(fromKey)
            : undefined;
      if (!content) {
        const { src: source, items } = await select();
        content = contentDigest(items, from ? undefined : memo, undefined, source.root);
        if (fromKey) this.memo.set(fromKey, content);
      }
      const files = selected
        ? () => {
            const out: Record<string, string> = {};
            contentDigest(selected!.items, from ? undefined : memo, out, selected!.src.root);
            return out;
          }
        : undefined;
      const key = this.key(state, node, { content, dest, ...(from ? { from } : {}) }, files);
      const { hit, step } = await this.cached(key, title);
      if (hit) return { ...hit, args: state.args, cmdSet: state.cmdSet };
      const { items } = await select();
      const lowers = await this.d.stores.snapshots.lowerDirs(
        chainIds(state.config.rootfs.diff_ids).at(-1),
      );
      const ids = owner ? await this.owner(owner, lowers) : { uid: 0, gid: 0 };
      const addTar =
        node.keyword === 'add' && !flags.has('from') && !heredocDir ? tarSources(items) : [];
      const stored = await this.layerStep(state, node, state.config, async (dir) => {
        const written = writeCopy(
          dir,
          lowers,
          dest,
          items.filter((i) => !addTar.includes(i)),
          { ...ids, chmod: chmod ? parseInt(chmod, 8) : undefined },
        );
        // ADD of a local tar archive (plain, gzip, bzip2 or xz… as detected): its contents,
        // which may bring extended attributes
        let size = written.bytes;
        for (const t of addTar) size += await extractInto(dir, lowers, dest, t.host);
        return { size, written: addTar.length === 0 ? written : undefined };
      });
      await this.remember(key, stored.record.id);
      step.done();
      const next = await this.imageState(stored.record.id);
      return { ...next, args: state.args, cmdSet: state.cmdSet };
    } finally {
      if (heredocDir) await fs.rm(heredocDir, { recursive: true, force: true });
      await fromRoot?.release();
    }
  }

  /**
   * A step that adds one layer: `fill` writes it into a new snapshot directory (the image's
   * layers below it), and the result is stored with `config` and a history entry.
   */
  private async layerStep(
    state: StageState,
    node: Node,
    config: ImageConfig,
    fill: (dir: string) => Promise<{ size: number; written?: Written }>,
  ) {
    return withContentLease(this.d.stores, async () => {
      const pending = await this.d.stores.snapshots.prepare();
      let filled: { size: number; written?: Written };
      try {
        filled = await fill(pending.dir);
      } catch (e) {
        await pending.discard();
        throw e;
      }
      const diffIds = state.config.rootfs.diff_ids;
      const layer = await commitDirAsLayer(this.d.stores, pending, {
        parent: chainIds(diffIds).at(-1),
        size: filled.size,
        written: filled.written,
        sourceDateEpoch: sourceDateEpoch(),
        chainId: (diffId) => chainIds([...diffIds, diffId]).at(-1)!,
      });
      const created = createdTime();
      const image: ImageConfig = {
        ...config,
        created,
        rootfs: { type: 'layers', diff_ids: [...diffIds, layer.diffId] },
        history: [
          ...(state.config.history ?? []),
          { created, created_by: createdBy(node), comment: 'buildkit.dockerfile.v0' },
        ],
      };
      return storeImage(this.d.stores, {
        config: image,
        layers: [...state.layers, layer.descriptor],
        intermediate: true,
      });
    });
  }

  /** WORKDIR: the directory is made (one layer) when the image does not have it. */
  private async workdir(state: StageState, cfg: ContainerConfig, node: Node, title: string) {
    const lowers = await this.d.stores.snapshots.lowerDirs(
      chainIds(state.config.rootfs.diff_ids).at(-1),
    );
    const rel = (cfg.WorkingDir ?? '/').slice(1);
    if (rel === '' || new MergedView(lowers).lookup(rel)?.stat.isDirectory())
      return this.configStep(state, cfg, title, node);
    const key = this.key(state, node, { mkdir: rel });
    const { hit, step } = await this.cached(key, title);
    if (hit) return { ...hit, args: state.args, cmdSet: state.cmdSet };
    const stored = await this.layerStep(state, node, { ...state.config, config: cfg }, (dir) =>
      Promise.resolve({ size: 0, written: writeCopy(dir, lowers, rel, [], { uid: 0, gid: 0 }) }),
    );
    await this.remember(key, stored.record.id);
    step.done();
    return { ...(await this.imageState(stored.record.id)), args: state.args, cmdSet: state.cmdSet };
  }

  /**
   * The empty files and directories runc made in the container's upper layer to mount RUN's
   * mounts on: not part of the image (BuildKit leaves none either). Removed up to the first
   * directory the image already has, and only while empty.
   */
  private async dropMountPoints(id: string, state: StageState, targets: string[]) {
    if (targets.length === 0) return;
    const view = new MergedView(
      await this.d.stores.snapshots.lowerDirs(chainIds(state.config.rootfs.diff_ids).at(-1)),
    );
    const upper = path.join(this.d.containers.containers.dir(id), 'upper');
    const work = state.config.config?.WorkingDir || '/';
    for (const target of targets) {
      let rel = path.posix.resolve(work, target).slice(1);
      while (rel !== '' && !view.lookup(rel)) {
        const p = path.join(upper, rel);
        const st = await fs.lstat(p).catch(() => undefined);
        if (!st) break;
        if (st.isDirectory() ? (await fs.readdir(p)).length > 0 : st.size > 0) break;
        await fs.rm(p, { recursive: false, force: true }).catch(() => fs.rmdir(p));
        rel = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
      }
    }
  }

  /** --chown: names resolved through the image's /etc/passwd and /etc/group. */
  private async owner(spec: string, lowers: string[]) {
    const view = new MergedView(lowers);
    const read = async (rel: string) => {
      const f = view.lookup(rel);
      return f?.stat.isFile() ? fs.readFile(f.path, 'utf8') : undefined;
    };
    const ids = resolveUser(spec, await read('etc/passwd'), await read('etc/group'));
    return { uid: ids.uid, gid: ids.gid };
  }

  /** A finished stage's state (or an image's), for COPY --from and RUN --mount=from=. */
  private async stageState(stages: Stage[], ref: string): Promise<StageState> {
    const i = stageIndex(stages, ref);
    return (i === undefined ? undefined : await this.stageResult?.(i)) ?? this.imageState(ref);
  }

  /** The file system of a finished stage (or an image), mounted read-only. */
  private async stageRoot(stages: Stage[], ref: string) {
    const state = await this.stageState(stages, ref);
    const lowers = await this.d.stores.snapshots.lowerDirs(
      chainIds(state.config.rootfs.diff_ids).at(-1),
    );
    return mountReadOnly(lowers);
  }

  /** The final image: the build's labels, and its names. */
  private async finish(state: StageState): Promise<Digest> {
    let config = state.config;
    if (Object.keys(this.o.labels).length > 0)
      config = {
        ...config,
        config: {
          ...config.config,
          Labels: { ...(config.config?.Labels ?? {}), ...this.o.labels },
        },
      };
    const stored = await storeImage(this.d.stores, {
      config,
      layers: state.layers,
      tags: this.o.tags.map((t) => parseReference(t)),
    });
    return stored.record.id;
  }
}
