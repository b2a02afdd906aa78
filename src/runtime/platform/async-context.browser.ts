/**
 * The browser's stand-in for async-context.ts: no AsyncLocalStorage, so a computation context lasts for the
 * synchronous part of a cached function (documented for cacheLife, cacheTag and noStore).
 */
export interface AsyncContextStorage<T> {
  run<R>(store: T, fn: () => R): R
  getStore(): T | undefined
}

export function createAsyncContext<T>(): AsyncContextStorage<T> | null {
  return null
}
