/**
 * `TWAT_CACHE_DISABLE=1`: the one wrapper of every cache when caching is off. It calls straight through and stores
 * nothing (acache still returns promises), with a handle whose engine says 'disabled'.
 */
import type { CacheConfig } from '../options/config.js'
import { CacheCounters } from '../report/stats.js'
import { cacheName } from './assemble.js'
import { compute, computeAsync } from './compute.js'
import { createHandle, finishWrapper, type CacheKind } from './handle.js'

type AnyFunction = (...args: any[]) => any

export function disabledCache(kind: CacheKind, fn: AnyFunction, config: CacheConfig, asyncResults: boolean): AnyFunction {
  const counters = new CacheCounters()
  const answer = <T>(value: T) => (asyncResults ? Promise.resolve(value) : value)
  const handle = createHandle(
    {
      name: cacheName(fn, config),
      kind,
      counters,
      engine: () => 'disabled',
      path: () => undefined,
      store: () => undefined,
      size: () => 0,
      has: () => answer(false),
      delete: () => answer(false),
      clear: () => undefined,
      close: () => Promise.resolve(),
    },
    asyncResults,
  )
  function uncached(this: unknown) {
    counters.misses++
    return asyncResults ? computeAsync(fn, this, arguments) : compute(fn, this, arguments)
  }
  return finishWrapper(uncached, fn, handle)
}
