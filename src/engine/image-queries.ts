/** Questions about the image metadata, answered without I/O: filters, and what `save` writes. */
import type { Digest } from '../core/digest.js';
import { invalidArgument, noSuchImage } from '../core/errors.js';
import { parseReference, repositoryName } from '../core/reference.js';
import type { SaveItem } from '../image/archive-save.js';
import { findImage, resolveImage, tagsOf, type ImageDb, type ImageRecord } from '../image/store.js';
import {
  labelsMatch,
  parseBoolFilter,
  parseUntil,
  referenceMatches,
  type Filters,
} from './image-filters.js';

/** Whether an image passes `--filter`s (dangling, reference, label, before, since, until). */
export function imageMatches(db: ImageDb, img: ImageRecord, f: Filters): boolean {
  const tags = tagsOf(db, img.id);
  const dangling = parseBoolFilter('dangling', f.get('dangling'));
  if (dangling !== undefined && dangling !== (tags.length === 0)) return false;
  const refs = f.get('reference');
  if (refs && !refs.some((p) => tags.some((t) => referenceMatches(p, t)))) return false;
  const labels = f.get('label');
  if (labels && !labelsMatch(labels, img.labels)) return false;
  for (const [key, cmp] of [
    ['before', (t: string, ref: string) => t < ref],
    ['since', (t: string, ref: string) => t > ref],
  ] as const) {
    for (const v of f.get(key) ?? []) {
      const other = resolveImage(db, v).record;
      if (!cmp(img.created, other.created)) return false;
    }
  }
  for (const v of f.get('until') ?? []) if (Date.parse(img.created) >= parseUntil(v)) return false;
  return true;
}

/** What `save NAME...` writes: name-only references include every tag of the repository. */
export function saveItemsFor(db: ImageDb, names: string[]): SaveItem[] {
  if (names.length === 0) throw invalidArgument('requires at least 1 argument');
  const items = new Map<Digest, SaveItem>();
  const add = (img: ImageRecord, tag?: string) => {
    const item = items.get(img.id) ?? { image: img, tags: [] };
    if (tag && !item.tags.includes(tag)) item.tags.push(tag);
    items.set(img.id, item);
  };
  for (const name of names) {
    let nameOnly: string | undefined;
    try {
      const ref = parseReference(name, { defaultTag: false });
      if (!ref.tag && !ref.digest) nameOnly = repositoryName(ref);
    } catch {
      nameOnly = undefined;
    }
    const repoTags = nameOnly
      ? Object.keys(db.tags).filter((t) => t.startsWith(`${nameOnly}:`))
      : [];
    if (repoTags.length > 0) {
      for (const t of repoTags) add(db.images[db.tags[t]!]!, t);
      continue;
    }
    const found = findImage(db, name);
    if (!found) throw noSuchImage(name);
    add(found.record, found.byName && !found.byName.includes('@') ? found.byName : undefined);
  }
  return [...items.values()];
}
