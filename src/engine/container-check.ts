/**
 * The container half of `system check`: what crashed monitors and killed berth processes leave
 * behind — root file systems still mounted, runc containers and cgroups nobody supervises,
 * runtime directories of removed containers, network endpoints, namespaces and bridges of
 * containers that no longer run — found and cleaned up.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckReport } from '../image/check.js';
import { isMounted, unmountRootfs } from '../runtime/rootfs.js';
import type { ContainerService } from './containers.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

async function cgroupDirs(): Promise<string[]> {
  const out: string[] = [];
  const controllers = await fs.readdir(CGROUP_ROOT).catch(() => [] as string[]);
  for (const c of controllers) {
    for (const id of await fs
      .readdir(path.join(CGROUP_ROOT, c, 'berth'))
      .catch(() => [] as string[])) {
      if (/^[0-9a-f]{64}$/.test(id)) out.push(path.join(CGROUP_ROOT, c, 'berth', id));
    }
  }
  return out;
}

export async function checkContainers(
  s: ContainerService,
  opts: { repair: boolean },
): Promise<CheckReport> {
  const findings: CheckReport['findings'] = [];
  const found = (problem: string) => findings.push({ problem, repaired: opts.repair });
  const views = await s.list();
  const live = new Set(
    views
      .filter((v) => ['running', 'paused', 'restarting'].includes(v.state.status))
      .map((v) => v.record.id),
  );
  const known = new Set(views.map((v) => v.record.id));

  for (const v of views) {
    const id = v.record.id;
    if (live.has(id)) continue;
    // a container whose monitor died (kill -9) with its process: stop it and record the exit
    const runc = await s.runc.state(id);
    if (runc && runc.status !== 'stopped') {
      found(`container ${id} runs without its monitor`);
      if (opts.repair) {
        await s.runc.kill(id, 9, true).catch(() => undefined);
        for (let i = 0; i < 100 && (await s.runc.state(id))?.status !== 'stopped'; i++)
          await sleep(20);
      }
    }
    if (runc || (await isMounted(path.join(s.containers.dir(id), 'rootfs')))) {
      found(`container ${id} has exited but its runtime state or root file system was left behind`);
      if (opts.repair) await s.cleanup(id, { remove: false, force: true });
    }
  }
  for (const entry of await fs.readdir(path.join(s.runroot, 'runc')).catch(() => [] as string[])) {
    if (known.has(entry)) continue;
    found(`runc state of a removed container: ${entry}`);
    if (opts.repair) {
      await s.runc.kill(entry, 9, true).catch(() => undefined);
      await s.runc.delete(entry);
    }
  }
  for (const entry of await fs.readdir(s.runroot).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{64}$/.test(entry) || known.has(entry)) continue;
    found(`runtime directory of a removed container: ${path.join(s.runroot, entry)}`);
    if (opts.repair) await fs.rm(path.join(s.runroot, entry), { recursive: true, force: true });
  }
  // under the containers lock: a container being created has its directory before its record
  await s.containers.locked(async () => {
    const records = new Set((await s.containers.list()).map((r) => r.id));
    for (const dir of await fs.readdir(s.containers.root).catch(() => [] as string[])) {
      if (records.has(dir) || !/^[0-9a-f]{64}$/.test(dir)) continue;
      const rootfs = path.join(s.containers.root, dir, 'rootfs');
      if (await isMounted(rootfs)) {
        found(`root file system of a removed container is still mounted: ${rootfs}`);
        if (opts.repair) await unmountRootfs(path.join(s.containers.root, dir));
      }
      // a directory without its record: a creation that died half-way, or a removal's leftovers
      found(`directory of a removed container: ${path.join(s.containers.root, dir)}`);
      if (opts.repair && !(await isMounted(rootfs))) {
        await fs.rm(path.join(s.containers.root, dir), { recursive: true, force: true });
      }
    }
  });
  for (const problem of await s.networks.check(live, opts.repair)) found(problem);
  for (const cg of await cgroupDirs()) {
    if (live.has(path.basename(cg))) continue;
    // cgroups are host-wide: one with processes, or made moments ago, may be another state
    // root's container (or one being created); only empty, settled ones are leftovers
    const procs = await fs.readFile(path.join(cg, 'cgroup.procs'), 'utf8').catch(() => '');
    const age = Date.now() - ((await fs.stat(cg).catch(() => undefined))?.mtimeMs ?? Date.now());
    if (procs.trim() !== '' || age < 30_000) continue;
    found(`cgroup of a container that is not running: ${cg}`);
    if (opts.repair) await fs.rmdir(cg).catch(() => undefined);
  }
  return { findings };
}
