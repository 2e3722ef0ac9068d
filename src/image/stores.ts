/** The stores an image operation works with, and the lock that keeps GC away from new content. */
import path from 'node:path';
import { ContentStore } from '../content/store.js';
import { SnapshotStore } from '../snapshot/store.js';
import { withFileLock } from '../sys/lock.js';
import { ImageStore } from './store.js';

export interface Stores {
  root: string;
  content: ContentStore;
  snapshots: SnapshotStore;
  images: ImageStore;
}

export function openStores(root: string): Stores {
  return {
    root,
    content: new ContentStore(path.join(root, 'content')),
    snapshots: new SnapshotStore(path.join(root, 'snapshots')),
    images: new ImageStore(path.join(root, 'metadata')),
  };
}

const gcLock = (s: Stores) => path.join(s.root, 'metadata', 'gc.lock');

/**
 * Run an operation that adds content (blobs, snapshots) which nothing references yet. Many
 * may run at once (shared lock); garbage collection waits for them (exclusive lock), so it
 * never deletes content that an import or load is about to reference.
 */
export function withContentLease<T>(s: Stores, fn: () => Promise<T>): Promise<T> {
  return withFileLock(gcLock(s), fn, { shared: true, timeoutMs: 10 * 60_000 });
}

/** Run garbage collection alone. */
export function withGcLock<T>(s: Stores, fn: () => Promise<T>): Promise<T> {
  return withFileLock(gcLock(s), fn, { timeoutMs: 10 * 60_000 });
}
