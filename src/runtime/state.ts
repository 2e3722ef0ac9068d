/**
 * A container's current state, from its record and what its monitor has written since. The
 * record is the memory (it survives reboots); the monitor's files are the news.
 */
import { readExitInfo, readHealthInfo, readRunInfo, monitorPid } from './monitor.js';
import type { ContainerRecord, ContainerState } from './container-record.js';

export async function currentState(
  record: ContainerRecord,
  stateDir: string,
): Promise<ContainerState> {
  const s = { ...record.state };
  if (s.status === 'created' || s.status === 'removing') return s;
  // whether the monitor lives, first: it writes exit.json before it exits, so a monitor found
  // dead here has written whatever exit it was going to (read in the other order, an exit
  // written between the two reads would look like a monitor that died without one)
  const monitor = await monitorPid(stateDir);
  const [run, exit, health] = await Promise.all([
    readRunInfo(stateDir),
    readExitInfo(stateDir),
    readHealthInfo(stateDir),
  ]);
  // the monitor's files belong to the current run: starting a container clears the old ones
  if (run) {
    s.pid = run.pid;
    s.startedAt = run.startedAt;
    s.restartCount = run.restartCount;
    if (s.status !== 'paused') s.status = run.status;
  }
  if (exit && (exit.final || !monitor)) {
    s.status = 'exited';
    s.exitCode = exit.exitCode;
    s.oomKilled = exit.oomKilled;
    s.finishedAt = exit.finishedAt;
    s.restartCount = exit.restartCount;
    s.pid = 0;
  } else if (exit && !exit.final && monitor) {
    s.status = 'restarting';
    s.exitCode = exit.exitCode;
    s.finishedAt = exit.finishedAt;
  } else if (
    (s.status === 'running' || s.status === 'paused' || s.status === 'restarting') &&
    !monitor
  ) {
    // the monitor died without recording an exit (kill -9): the container is gone with it
    s.status = 'exited';
    s.pid = 0;
    if (s.exitCode === 0) s.exitCode = 255;
  }
  // health.json is the news; the record keeps the last of it (cleanup saves the state)
  if (health) s.health = health;
  // Docker: a container whose checks have stopped (exited, paused, restarting) is unhealthy
  if (s.health && s.status !== 'running' && s.health.status !== 'unhealthy')
    s.health = { ...s.health, status: 'unhealthy' };
  return s;
}
