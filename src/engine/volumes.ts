/** Volume operations: the store plus what only the engine knows (which containers use what). */
import { notFound } from '../core/errors.js';
import type { ContainerStore } from '../runtime/container-store.js';
import type { Volume, VolumeStore } from '../volume/store.js';
import { labelsMatch, parseBoolFilter, parseFilters } from './image-filters.js';

export interface VolumeUsage {
  volume: Volume;
  /** IDs of the containers that mount it. */
  usedBy: string[];
  /** Whether berth made it for a single container (an anonymous `-v /path` volume). */
  anonymous: boolean;
}

export class VolumeService {
  constructor(
    private readonly volumes: VolumeStore,
    private readonly containers: ContainerStore,
  ) {}

  private async usage(): Promise<Map<string, string[]>> {
    const users = new Map<string, string[]>();
    for (const c of await this.containers.list()) {
      for (const m of c.mounts) {
        if (m.type === 'volume') users.set(m.source, [...(users.get(m.source) ?? []), c.id]);
      }
    }
    return users;
  }

  create(
    name: string | undefined,
    opts: { labels?: Record<string, string>; driver?: string; options?: Record<string, string> },
  ) {
    return this.volumes.create(name, opts);
  }

  async inspect(name: string): Promise<Volume> {
    return this.volumes.inspect(name);
  }

  async list(filters: string[] = []): Promise<VolumeUsage[]> {
    const f = parseFilters(filters, ['dangling', 'name', 'label', 'driver']);
    const users = await this.usage();
    const dangling = parseBoolFilter('dangling', f.get('dangling'));
    return (await this.volumes.list())
      .map((volume) => ({
        volume,
        usedBy: users.get(volume.name) ?? [],
        anonymous: volume.labels['com.docker.volume.anonymous'] !== undefined,
      }))
      .filter(
        (u) =>
          (dangling === undefined || dangling === (u.usedBy.length === 0)) &&
          (!f.get('name') || f.get('name')!.some((n) => u.volume.name.includes(n))) &&
          (!f.get('driver') || f.get('driver')!.includes(u.volume.driver)) &&
          (!f.get('label') || labelsMatch(f.get('label')!, u.volume.labels)),
      );
  }

  async remove(name: string, force: boolean): Promise<void> {
    const v = await this.volumes.get(name);
    if (!v) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    await this.volumes.remove(name, (await this.usage()).get(name) ?? []);
  }

  /** Remove unused volumes: anonymous ones, or all unused with `all` (Docker 23+ rules). */
  async prune(opts: {
    all?: boolean;
    filters?: string[];
  }): Promise<{ removed: string[]; reclaimed: number }> {
    const out = { removed: [] as string[], reclaimed: 0 };
    for (const u of await this.list([...(opts.filters ?? []), 'dangling=true'])) {
      if (!opts.all && !u.anonymous) continue;
      out.reclaimed += await this.volumes.size(u.volume.name);
      await this.volumes.remove(u.volume.name, []);
      out.removed.push(u.volume.name);
    }
    return out;
  }
}
