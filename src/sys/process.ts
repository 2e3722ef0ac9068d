/** Whether a process with this pid exists (used to tell a crashed writer's leftovers from work in progress). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid encoded at the start of a temporary name `<pid>-<random>`. */
export const ownerPid = (name: string) => Number(name.split('-')[0]);
