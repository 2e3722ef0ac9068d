/** The build context's .dockerignore, as a verdict per path (see CopySource.decide). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDockerignore, PatternMatcher, walkFilter } from '../../core/dockerignore.js';
import type { CopySource } from './copy.js';

export async function contextFilter(contextDir: string): Promise<CopySource['decide']> {
  const text = await fs
    .readFile(path.join(contextDir, '.dockerignore'), 'utf8')
    .catch(() => undefined);
  if (text === undefined) return undefined;
  return walkFilter(new PatternMatcher(parseDockerignore(text)));
}
