import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists and has not died (used to tell a crashed writer's
 * leftovers from work in progress). A zombie — dead, not yet reaped by a parent that may never
 * reap it — counts as dead.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid encoded at the start of a temporary name `<pid>-<random>`. */
export const ownerPid = (name: string) => Number(name.split('-')[0]);
