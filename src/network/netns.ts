/** Network namespaces pinned by a file (as `ip netns add` makes them), one per container. */
import fs from 'node:fs/promises';
import { netnsCreate, umount2 } from '../sys/native.js';
import { run } from '../sys/exec.js';

const MNT_DETACH = 2;

export function createNetns(file: string): void {
  netnsCreate(file);
}

/** Unpin and delete; the namespace, and the veth ends in it, go when nothing holds it. */
export async function removeNetns(file: string): Promise<void> {
  try {
    umount2(file, MNT_DETACH);
  } catch {
    // not mounted (half-made, or removed already)
  }
  await fs.rm(file, { force: true });
}

/** Run `ip -batch -` inside the namespace (iproute2's -n wants a name under /run/netns). */
export async function ipBatchIn(file: string, commands: string[]): Promise<void> {
  await run('nsenter', [`--net=${file}`, 'ip', '-batch', '-'], {
    input: commands.join('\n') + '\n',
    timeoutMs: 10_000,
  });
}
