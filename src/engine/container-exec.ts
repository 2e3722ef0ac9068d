/**
 * `exec`: another process in a running container, through `runc exec` with the container's own
 * process settings (capabilities, rlimits, seccomp come from the bundle) and the overrides asked.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BerthError, conflict, invalidArgument } from '../core/errors.js';
import { resolveUser } from '../core/passwd.js';
import type { RuntimeSpec } from '../core/runtime-spec.js';
import type { ContainerService } from './containers.js';

/** An exec that could not start its process (Docker's exit codes 126 and 127). */
export class ExecError extends BerthError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super('FailedPrecondition', message);
  }
}

export interface ExecOptions {
  cmd: string[];
  env: string[];
  workdir?: string;
  user?: string;
  tty: boolean;
  detach: boolean;
  privileged?: boolean;
}

/** Run the process; resolves with its exit code (0 at once when detached). */
export async function execInContainer(
  s: ContainerService,
  idOrName: string,
  o: ExecOptions,
  stdio: StdioOptions,
): Promise<number> {
  if (o.cmd.length === 0) throw invalidArgument('exec requires at least 1 argument');
  const { record, state } = await s.view(idOrName);
  if (state.status === 'paused')
    throw conflict(`container ${record.id} is paused, unpause the container before exec`);
  if (state.status !== 'running') throw conflict(`container ${record.id} is not running`);
  const dir = s.containers.dir(record.id);
  const spec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as RuntimeSpec;
  const proc = { ...spec.process, args: o.cmd, terminal: o.tty };
  if (o.env.length > 0) {
    const env = [...proc.env];
    for (const e of o.env) {
      const key = e.split('=')[0]!;
      const i = env.findIndex((x) => x.split('=')[0] === key);
      if (i >= 0) env[i] = e;
      else env.push(e);
    }
    proc.env = env;
  }
  if (o.workdir) proc.cwd = o.workdir;
  if (o.user) {
    const rootfs = path.join(dir, 'rootfs');
    const read = (f: string) => fs.readFile(path.join(rootfs, f), 'utf8').catch(() => undefined);
    const u = resolveUser(o.user, await read('etc/passwd'), await read('etc/group'));
    proc.user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }
  const processFile = path.join(s.stateDir(record.id), `exec-${process.pid}-${Date.now()}.json`);
  await fs.writeFile(processFile, JSON.stringify(proc));
  const logFile = `${processFile}.log`;
  try {
    const args = [
      '--root',
      s.runc.root,
      '--log',
      logFile,
      '--log-format',
      'json',
      'exec',
      '--process',
      processFile,
      ...(o.detach ? ['--detach'] : []),
      ...(o.tty ? ['--tty'] : []),
      record.id,
    ];
    const child = spawn(s.runc.binary, args, { stdio });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(c ?? (signal ? 128 + 9 : 1)));
    });
    if (code !== 255) return code;
    // runc itself failed (not the process): its reason is in the log; Docker's 126/127
    const log = await fs.readFile(logFile, 'utf8').catch(() => '');
    const errors = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level?: string; msg?: string })
      .filter((l) => l.level === 'error');
    const msg = errors[errors.length - 1]?.msg;
    if (!msg) return code;
    const exitCode = /executable file not found|no such file or directory/.test(msg)
      ? 127
      : /permission denied/.test(msg)
        ? 126
        : 126;
    throw new ExecError(`OCI runtime exec failed: ${msg}: unknown`, exitCode);
  } finally {
    await fs.rm(processFile, { force: true });
    await fs.rm(logFile, { force: true });
  }
}
