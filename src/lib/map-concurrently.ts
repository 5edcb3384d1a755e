/**
 * `work` over every item with at most `limit` calls running at once: remote stores (S3) answer one request in
 * milliseconds, so a long list done one by one takes hours, and all at once floods the server and the sockets.
 */

/**
 * Resolves to the results in the order of `items`. After the first failure no new call starts; the promise
 * rejects with that failure once the calls already running have settled (none is left running behind it).
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const runner = async () => {
    while (failure === undefined && next < items.length) {
      const index = next
      next += 1
      try {
        results[index] = await work(items[index] as T, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner))
  if (failure !== undefined) throw failure.error
  return results
}
