/** Small stream utilities. */

/** Read a stream to its end, discarding the data (a producer that must finish still runs). */
export async function drain(source: AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
  const it =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  while (!(await it.next()).done);
}
