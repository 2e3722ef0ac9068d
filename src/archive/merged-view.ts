/**
 * Lookups in the union of read-only lower directories, with overlayfs' rules: the top-most
 * layer that has a path decides what it is; a whiteout hides it; a directory merges with the
 * directories below it unless it is opaque.
 */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isOpaque, isWhiteout } from './overlay-format.js';

export interface Found {
  /** Absolute path of the top-most copy. */
  path: string;
  stat: Stats;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export class MergedView {
  private readonly cache = new Map<string, Found | undefined>();

  /** @param layers directories, top-most first */
  constructor(private readonly layers: readonly string[]) {}

  get empty(): boolean {
    return this.layers.length === 0;
  }

  /**
   * What the merged view shows at `rel` (a normalised relative path), or undefined.
   * If a parent component is not a directory, the result is that component, with
   * `blockedAt` set to its relative path.
   */
  lookup(rel: string): (Found & { blockedAt?: string }) | undefined {
    if (this.layers.length === 0) return undefined;
    const parts = rel === '' ? [] : rel.split('/');
    let layers = this.layers;
    let found: Found | undefined;
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i + 1).join('/');
      const cached = this.cache.get(prefix);
      let below: string[] = [];
      if (cached !== undefined || this.cache.has(prefix)) {
        found = cached;
        below = found?.stat.isDirectory() ? this.dirLayers.get(prefix)! : [];
      } else {
        found = undefined;
        for (const layer of layers) {
          const p = path.join(layer, prefix);
          const st = lstatOrUndefined(p);
          if (!st) continue;
          if (isWhiteout(st)) break;
          if (!found) found = { path: p, stat: st };
          if (!st.isDirectory() || !found.stat.isDirectory()) break;
          below.push(layer);
          if (isOpaque(p)) break;
        }
        this.cache.set(prefix, found);
        if (found?.stat.isDirectory()) this.dirLayers.set(prefix, below);
      }
      if (!found) return undefined;
      if (i < parts.length - 1 && !found.stat.isDirectory()) return { ...found, blockedAt: prefix };
      layers = below;
    }
    return found ?? { path: this.layers[0]!, stat: lstatSync(this.layers[0]!) };
  }

  private readonly dirLayers = new Map<string, string[]>();
}
