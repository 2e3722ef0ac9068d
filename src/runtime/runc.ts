/** The OCI runtime (runc) for the operations berth does not leave to the monitor. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from '../sys/exec.js';

export interface RuncState {
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
}

export class Runc {
  constructor(
    readonly root: string,
    readonly binary = '/usr/sbin/runc',
  ) {}

  private run(args: string[], timeoutMs = 30_000) {
    return run(this.binary, ['--root', this.root, ...args], { timeoutMs });
  }

  async state(id: string): Promise<RuncState | undefined> {
    try {
      const { stdout } = await this.run(['state', id]);
      return JSON.parse(stdout) as RuncState;
    } catch {
      return undefined;
    }
  }

  async kill(id: string, signal: number | string, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)]);
  }

  /** Whether runc still has state for this container (no process spawned to find out). */
  known(id: string): boolean {
    return existsSync(path.join(this.root, id));
  }

  async delete(id: string): Promise<void> {
    if (!this.known(id)) return; // the monitor deleted it already: save a runc run
    await this.run(['delete', '--force', id]).catch(() => undefined);
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id]);
  }

  /** `runc ps`: the container's process IDs. */
  async pids(id: string): Promise<number[]> {
    const { stdout } = await this.run(['ps', '--format', 'json', id]);
    return JSON.parse(stdout) as number[];
  }
}
