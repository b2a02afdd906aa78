/** `TWAT_CACHE_DISABLE=1`: a cache that calls straight through and stores nothing, with a handle that says so. */
import type { CacheConfig } from '../options/config.js'
import { finishWrapper, type CacheHandle, type CacheKind } from './handle.js'
import { CacheCounters } from '../report/stats.js'

type AnyFunction = (...args: any[]) => any

export function passThrough(kind: CacheKind, fn: AnyFunction, config: CacheConfig): AnyFunction {
  const counters = new CacheCounters()
  const name = config.name ?? (fn.name || 'anonymous')
  const handle: CacheHandle = {
    name,
    kind,
    engine: 'disabled',
    path: undefined,
    store: undefined,
    stats: () => counters.snapshot(name, 'disabled', 0),
    clear: () => counters.reset(),
    delete: () => false,
    has: () => false,
  }
  function uncached(this: unknown) {
    counters.misses++
    return fn.apply(this, arguments as unknown as unknown[])
  }
  return finishWrapper(uncached, fn, handle)
}
