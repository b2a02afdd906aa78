/**
 * Node's AsyncLocalStorage, for a computation context that survives `await`s; loaded when first needed. Browser
 * bundles get async-context.browser.ts instead (package.json's `browser` field): no async context there.
 */
import { nodeBuiltin } from './optional.js'

export interface AsyncContextStorage<T> {
  run<R>(store: T, fn: () => R): R
  getStore(): T | undefined
}

/** A new AsyncLocalStorage, or null where there is none. */
export function createAsyncContext<T>(): AsyncContextStorage<T> | null {
  const hooks = nodeBuiltin<{ AsyncLocalStorage: new () => AsyncContextStorage<T> }>('node:async_hooks')
  return hooks ? new hooks.AsyncLocalStorage() : null
}
