/**
 * Container operations after creation: start (under a monitor), stop, kill, remove, wait,
 * list, logs, and the cleanup that runs when a container has finally exited.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, conflict, failedPrecondition, notFound } from '../core/errors.js';
import { validateContainerName } from '../core/names.js';
import { containerMatches } from './container-filters.js';
import { parseSignal } from '../core/signals.js';
import { run } from '../sys/exec.js';
import { withFileLock } from '../sys/lock.js';
import type { Stores } from '../image/stores.js';
import type { ContainerRecord, ContainerState } from '../runtime/container-record.js';
import type { ContainerStore } from '../runtime/container-store.js';
import { readLogs, type LogEntry, type LogReadOptions } from '../runtime/logs.js';
import { startMonitor, tellMonitor } from '../runtime/monitor.js';
import { mountRootfs, unmountRootfs } from '../runtime/rootfs.js';
import { Runc } from '../runtime/runc.js';
import { currentState } from '../runtime/state.js';
import { attach, connectAttach, pump, type AttachStreams } from '../runtime/attach.js';
import type { Socket } from 'node:net';
import type { VolumeStore } from '../volume/store.js';
import { ANONYMOUS_LABEL } from './container-mounts.js';
import { writeNetworkFiles } from './container-etc.js';
import type { NetworkService } from './networks.js';
import type { HeldPort } from '../network/port-reservation.js';

/** A container start that failed the way Docker reports with 126 or 127. */
export class StartError extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('FailedPrecondition', message);
  }
}

export interface ContainerView {
  record: ContainerRecord;
  state: ContainerState;
}

/** How `start` connects the container's I/O (see runAttached). */
interface StartIo {
  stdin: boolean;
  /** Called once the monitor's attach socket listens, before the container starts. */
  attachFirst?: (socketPath: string) => Promise<void>;
  /** The monitor's exit lock, held by the caller (see MonitorOptions.exitLock). */
  exitLock?: string;
}

const CGROUP_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

export class ContainerService {
  readonly runc: Runc;

  constructor(
    private readonly stores: Stores,
    readonly containers: ContainerStore,
    private readonly volumes: VolumeStore,
    readonly runroot: string,
    /** How to run berth itself (the monitor's exit command). */
    private readonly selfCommand: string[],
    private readonly root: string,
    readonly networks: NetworkService,
  ) {
    this.runc = new Runc(path.join(runroot, 'runc'));
  }

  stateDir(id: string): string {
    return path.join(this.runroot, id);
  }

  /**
   * Lifecycle changes of one container happen one at a time, across berth processes (two
   * `start`s must not make two monitors; the monitor's cleanup waits for a `stop` to finish).
   */
  async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.containers.dir(id), 'lifecycle.lock'), fn, {
      timeoutMs: 120_000,
    });
  }

  /** Start a created or exited container; a running one is left alone (as Docker does). */
  async start(idOrName: string, io: StartIo = { stdin: false }): Promise<ContainerView> {
    const { record } = await this.view(idOrName);
    return this.exclusive(record.id, () => this.startUnlocked(record.id, io));
  }

  /** Stop: the stop signal, up to `timeout` seconds, then SIGKILL (Docker's 10 s by default). */
  async stop(idOrName: string, timeout?: number): Promise<ContainerRecord> {
    const { record } = await this.view(idOrName);
    return this.exclusive(record.id, () => this.stopUnlocked(record.id, timeout));
  }

  /** After the final exit (see cleanupUnlocked); what the monitor's exit command runs. */
  async cleanup(id: string, opts: { remove?: boolean; force?: boolean } = {}): Promise<void> {
    if (!(await this.containers.get(id))) return;
    await this.exclusive(id, () => this.cleanupUnlocked(id, opts));
  }

  /** `rm`: refused for a running container unless forced; `volumes` removes anonymous volumes. */
  async remove(
    idOrName: string,
    opts: { force?: boolean; volumes?: boolean },
  ): Promise<ContainerRecord> {
    const { record } = await this.view(idOrName);
    return this.exclusive(record.id, () => this.removeUnlocked(record.id, opts));
  }

  logPath(id: string): string {
    return path.join(this.containers.dir(id), `${id}-json.log`);
  }

  async view(idOrName: string): Promise<ContainerView> {
    const record = await this.containers.resolve(idOrName);
    return { record, state: await currentState(record, this.stateDir(record.id)) };
  }

  async list(): Promise<ContainerView[]> {
    const records = await this.containers.list();
    return Promise.all(
      records.map(async (record) => ({
        record,
        state: await currentState(record, this.stateDir(record.id)),
      })),
    );
  }

  /**
   * `run` without -d: attach before the container starts (nothing is missed), start it, pump
   * its I/O until it exits or the user detaches; the exit code (undefined when detached). What
   * the monitor's exit command would do (remove a --rm container, take it off its networks) is
   * done here once it has exited: this process holds the monitor's exit lock meanwhile, so the
   * monitor spawns no second berth for it (unless this one dies first).
   */
  async runAttached(
    id: string,
    streams: AttachStreams,
    stdin: boolean,
    /** Clean up after the exit here (a build's RUN), never in the monitor's exit command. */
    opts: { release?: boolean } = {},
  ): Promise<number | undefined> {
    const { record, state } = await this.view(id);
    if (state.status === 'running' || state.status === 'paused') {
      // already running (start -a of a running container): just attach
      const { detached } = await this.attach(id, streams);
      return detached ? undefined : ((await this.waitExit(id))?.exitCode ?? 0);
    }
    const autoRemove = record.hostConfig.autoRemove;
    if (!autoRemove && !opts.release && ['host', 'none'].includes(record.hostConfig.networkMode))
      return this.startAttached(record.id, streams, stdin);
    const exitLock = path.join(this.stateDir(record.id), 'exit.lock');
    return withFileLock(exitLock, async () => {
      const code = await this.startAttached(record.id, streams, stdin, exitLock);
      if (code === undefined) return code;
      await (
        autoRemove
          ? this.remove(record.id, { force: true, volumes: true })
          : this.cleanup(record.id)
      ).catch(() => undefined);
      await fs.rm(exitLock, { force: true }); // done: the monitor need not run its exit command
      return code;
    });
  }

  private async startAttached(
    id: string,
    streams: AttachStreams,
    stdin: boolean,
    exitLock?: string,
  ): Promise<number | undefined> {
    let socket: Socket | undefined;
    try {
      await this.start(id, {
        stdin,
        exitLock,
        attachFirst: async (p) => {
          socket = await connectAttach(p);
        },
      });
    } catch (e) {
      socket?.destroy();
      throw e;
    }
    if (!socket) throw failedPrecondition(`could not attach to container ${id}`);
    const { detached } = await pump(socket, streams);
    if (detached) return undefined;
    return (await this.waitExit(id))?.exitCode ?? 0;
  }

  private async startUnlocked(
    idOrName: string,
    io: StartIo = { stdin: false },
  ): Promise<ContainerView> {
    const { record, state } = await this.view(idOrName);
    if (state.status === 'running' || state.status === 'restarting') return { record, state };
    if (state.status === 'paused')
      throw conflict(`cannot start a paused container, try unpause instead`);
    // leftovers of the previous run (a container never started has none)
    if (record.startCount > 0) await this.cleanupUnlocked(record.id, { remove: false });
    const dir = this.containers.dir(record.id);
    const joins = record.networks ?? [];
    // its own network namespace (even on no network: disconnected from all, it keeps lo)
    const ownNetns = !['host', 'none'].includes(record.hostConfig.networkMode);
    await mountRootfs(dir, await this.stores.snapshots.lowerDirs(record.chainId));
    // host ports of published ports: held here until the monitor holds them too
    const held: HeldPort[] = [];
    try {
      if (ownNetns) {
        const net = await this.networks.attach(
          { id: record.id, name: record.name, hostname: record.config.Hostname },
          joins,
          record.hostConfig.portBindings ?? [],
        );
        held.push(...net.held);
        await writeNetworkFiles(dir, record, net.joined);
      }
      await this.copyUpVolumes(record);
      const pid = await startMonitor({
        id: record.id,
        bundle: dir,
        runtimeRoot: this.runc.root,
        stateDir: this.stateDir(record.id),
        logPath: this.logPath(record.id),
        logMaxSize: record.hostConfig.logConfig.maxSize,
        logMaxFiles: record.hostConfig.logConfig.maxFile,
        tty: record.config.Tty,
        stdin: record.config.OpenStdin,
        stdinOnce: record.config.StdinOnce && io.stdin,
        restart: record.hostConfig.restartPolicy,
        cgroupPath: `/berth/${record.id}`,
        healthcheck: record.config.Healthcheck,
        shell: record.config.Shell,
        attachFirst: io.attachFirst,
        exitLock: io.exitLock,
        keepFds: held.map((h) => h.fd),
        // the monitor itself unmounts and removes cgroups at the final exit; berth is called
        // back only to remove a --rm container or to take it off its networks (a Node process
        // per exit is not free)
        exitCommand:
          record.hostConfig.autoRemove || ownNetns
            ? [
                ...this.selfCommand,
                '--root',
                this.root,
                '--runroot',
                this.runroot,
                'container',
                'cleanup',
                record.id,
              ]
            : undefined,
      });
      for (const h of held.splice(0)) await h.release();
      const updated = await this.containers.update(record.id, (r) => {
        r.state = {
          ...r.state,
          status: 'running',
          pid,
          startedAt: new Date().toISOString(),
          exitCode: 0,
          oomKilled: false,
          error: '',
        };
        r.startCount++;
      });
      return { record: updated, state: await currentState(updated, this.stateDir(record.id)) };
    } catch (e) {
      for (const h of held) await h.release();
      await unmountRootfs(dir);
      await this.removeCgroups(record.id);
      await this.networks.detach(record.id).catch(() => undefined);
      const message = (e as Error).message;
      const exitCode = /executable file not found|no such file or directory/.test(message)
        ? 127
        : /permission denied/.test(message)
          ? 126
          : 125;
      await this.containers.update(record.id, (r) => {
        r.state = {
          ...r.state,
          status: r.startCount > 0 ? 'exited' : 'created',
          error: message,
          exitCode: exitCode === 125 ? 128 : exitCode,
        };
      });
      throw new StartError(`failed to create task for container: ${message}`, exitCode);
    }
  }

  /** Docker's copy-up: a new volume starts with what the image has at its mount point. */
  private async copyUpVolumes(record: ContainerRecord): Promise<void> {
    const pending = record.mounts.filter(
      (m) => m.type === 'volume' && (m as { copyUp?: boolean }).copyUp,
    );
    if (pending.length === 0) return;
    const rootfs = path.join(this.containers.dir(record.id), 'rootfs');
    for (const m of pending) {
      const from = path.join(rootfs, m.destination);
      const vol = await this.volumes.get(m.source);
      const st = await fs.lstat(from).catch(() => undefined);
      if (vol && st?.isDirectory() && (await fs.readdir(vol.mountpoint)).length === 0) {
        await run('cp', ['-a', '--', `${from}/.`, vol.mountpoint]);
      }
    }
    await this.containers.update(record.id, (r) => {
      for (const m of r.mounts) delete (m as { copyUp?: boolean }).copyUp;
    });
  }

  async kill(idOrName: string, signal = 'KILL'): Promise<ContainerRecord> {
    const { record, state } = await this.view(idOrName);
    if (state.status !== 'running' && state.status !== 'paused') {
      throw conflict(`Cannot kill container: ${idOrName}: Container ${record.id} is not running`);
    }
    await this.runc.kill(record.id, parseSignal(signal));
    return record;
  }

  /** Wait until the container has exited for good (or `timeoutMs` passed); its state then. */
  async waitExit(
    id: string,
    timeoutMs = Infinity,
    signal?: AbortSignal,
    opts: { untilExited?: boolean } = {},
  ): Promise<ContainerState | undefined> {
    const deadline = Date.now() + timeoutMs;
    // `wait` on a created container waits for it to run and exit, as Docker's does
    const done = opts.untilExited ? ['exited', 'dead'] : ['exited', 'created', 'dead'];
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      const { state } = await this.view(id);
      if (done.includes(state.status)) return state;
      if (Date.now() >= deadline || signal?.aborted) return undefined;
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  }

  /** stop, with the lock held. */
  private async stopUnlocked(idOrName: string, timeout?: number): Promise<ContainerRecord> {
    const { record, state } = await this.view(idOrName);
    if (state.status !== 'running' && state.status !== 'paused' && state.status !== 'restarting')
      return record;
    const stateDir = this.stateDir(record.id);
    await tellMonitor(stateDir, 'stop');
    if (state.status === 'paused') await this.runc.resume(record.id).catch(() => undefined);
    const seconds = timeout ?? record.config.StopTimeout ?? 10;
    const sig = parseSignal(record.config.StopSignal ?? 'SIGTERM');
    await this.runc.kill(record.id, sig).catch(() => undefined);
    if (!(await this.waitExit(record.id, seconds * 1000))) {
      await this.runc.kill(record.id, 9, true).catch(() => undefined);
      if (!(await this.waitExit(record.id, 30_000)))
        throw failedPrecondition(`container ${record.id} did not exit after SIGKILL`);
    }
    await this.cleanupUnlocked(record.id, { remove: false });
    return record;
  }

  /**
   * After the final exit: unmount the root file system, delete the runc container and its
   * cgroups, record the exit, and remove the container if it was run with --rm. Idempotent;
   * the monitor runs it (through `berth container cleanup`), and stop/rm run it too.
   */
  private async cleanupUnlocked(
    id: string,
    opts: { remove?: boolean; record?: boolean; force?: boolean } = {},
  ): Promise<void> {
    const record = await this.containers.get(id);
    if (!record) return;
    const state = await currentState(record, this.stateDir(id));
    if (state.status === 'running' || state.status === 'paused' || state.status === 'restarting')
      return;
    // released once, by whoever comes first after the exit (the attached berth, stop, rm, or the
    // monitor's exit command): a later one must not unmount what cp or export mounted since
    // (`force`: system check, which finds leftovers whatever the record says)
    const released = ['exited', 'created', 'dead'].includes(record.state.status);
    if (!released || opts.force) await this.release(record);
    if (record.state.status !== 'created' && (opts.record ?? true)) {
      await this.containers.update(id, (r) => {
        r.state = { ...state };
      });
    }
    if ((opts.remove ?? true) && record.hostConfig.autoRemove) await this.destroy(record, true);
  }

  /** What a run held on the host: runc's state, the root file system mount, cgroups, networks. */
  private async release(record: ContainerRecord): Promise<void> {
    await this.runc.delete(record.id);
    await unmountRootfs(this.containers.dir(record.id));
    await this.removeCgroups(record.id);
    if (!['host', 'none'].includes(record.hostConfig.networkMode))
      await this.networks.detach(record.id);
  }

  private async removeCgroups(id: string): Promise<void> {
    for (const root of CGROUP_ROOTS) {
      const controllers = root.endsWith('unified')
        ? ['']
        : await fs.readdir(root).catch(() => [] as string[]);
      for (const c of controllers) {
        if (c === 'unified') continue;
        await fs.rmdir(path.join(root, c, 'berth', id)).catch(() => undefined);
      }
    }
  }

  private async destroy(record: ContainerRecord, removeAnonymousVolumes: boolean): Promise<void> {
    await this.containers.remove(record.id);
    await fs.rm(this.stateDir(record.id), {
      recursive: true,
      force: true,
      maxRetries: 10,
      retryDelay: 20,
    });
    if (!removeAnonymousVolumes) return;
    for (const m of record.mounts) {
      if (m.type !== 'volume') continue;
      const v = await this.volumes.get(m.source);
      if (v && v.labels[ANONYMOUS_LABEL] !== undefined) {
        const users = (await this.containers.list()).filter((c) =>
          c.mounts.some((x) => x.type === 'volume' && x.source === m.source),
        );
        if (users.length === 0) await this.volumes.remove(m.source, []);
      }
    }
  }

  /** rm, with the lock held. */
  private async removeUnlocked(
    idOrName: string,
    opts: { force?: boolean; volumes?: boolean },
  ): Promise<ContainerRecord> {
    const { record, state } = await this.view(idOrName);
    if (state.status === 'running' || state.status === 'paused' || state.status === 'restarting') {
      if (!opts.force) {
        throw conflict(
          `cannot remove container "/${record.name}": container is ${state.status}: stop the container before removing or force remove`,
        );
      }
      await tellMonitor(this.stateDir(record.id), 'stop');
      await this.runc.kill(record.id, 9, true).catch(() => undefined);
      if (state.status === 'paused') await this.runc.resume(record.id).catch(() => undefined);
      await this.waitExit(record.id, 30_000);
    }
    // no need to record the exit of a container about to be gone
    await this.cleanupUnlocked(record.id, { remove: false, record: false });
    await this.destroy(record, opts.volumes ?? false);
    return record;
  }

  logs(record: ContainerRecord, opts: LogReadOptions): AsyncGenerator<LogEntry> {
    return readLogs(this.logPath(record.id), record.hostConfig.logConfig.maxFile, {
      ...opts,
      running: async () => {
        const s = (await this.view(record.id)).state.status;
        return s === 'running' || s === 'restarting' || s === 'paused';
      },
    });
  }

  /** `restart`: stop (signal, wait, KILL) then start again. */
  async restart(idOrName: string, timeout?: number): Promise<ContainerView> {
    const { record } = await this.view(idOrName);
    return this.exclusive(record.id, async () => {
      await this.stopUnlocked(record.id, timeout);
      return this.startUnlocked(record.id);
    });
  }

  /** `rename`: Docker's name rules, and a name in use is a conflict. */
  async rename(idOrName: string, newName: string): Promise<void> {
    const name = validateContainerName(newName);
    const { record } = await this.view(idOrName);
    await this.containers.locked(async () => {
      const clash = (await this.containers.list()).find(
        (c) => c.name === name && c.id !== record.id,
      );
      if (clash) {
        throw conflict(
          `Error when allocating new name: Conflict. The container name "/${name}" is already in use by container "${clash.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
      const r = await this.containers.get(record.id);
      if (!r) throw notFound(`No such container: ${idOrName}`);
      r.name = name;
      await this.containers.save(r);
    });
  }

  /** `container prune`: every container that is not running; the bytes their layers held. */
  async prune(filters: string[] = []): Promise<{ removed: string[]; reclaimed: number }> {
    const out = { removed: [] as string[], reclaimed: 0 };
    for (const v of await this.list()) {
      if (v.state.status !== 'exited' && v.state.status !== 'created' && v.state.status !== 'dead')
        continue;
      if (!containerMatches(v, filters)) continue;
      out.reclaimed += await this.size(v.record.id);
      await this.remove(v.record.id, {});
      out.removed.push(v.record.id);
    }
    return out;
  }

  /** Bytes in the container's own layer (its upper directory). */
  async size(id: string): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else total += (await fs.lstat(p).catch(() => ({ size: 0 }))).size;
      }
    };
    await walk(path.join(this.containers.dir(id), 'upper'));
    return total;
  }

  /** Connect to a running container's I/O (see runtime/attach.ts). */
  attach(id: string, streams: AttachStreams): Promise<{ detached: boolean }> {
    return attach(this.stateDir(id), streams);
  }

  async pause(idOrName: string): Promise<void> {
    const { record, state } = await this.view(idOrName);
    if (state.status !== 'running') throw conflict(`Container ${record.id} is not running`);
    await this.runc.pause(record.id);
    await this.containers.update(record.id, (r) => void (r.state.status = 'paused'));
  }

  async unpause(idOrName: string): Promise<void> {
    const { record, state } = await this.view(idOrName);
    if (state.status !== 'paused') throw conflict(`Container ${record.id} is not paused`);
    await this.runc.resume(record.id);
    await this.containers.update(record.id, (r) => void (r.state.status = 'running'));
  }
}
