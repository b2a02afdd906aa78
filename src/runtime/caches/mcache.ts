/**
 * `mcache`: in-process memory cache. Engines: lru-cache (lru, fifo, ttl) · in-house lfu / rr / mru · built-in Map.
 */
import { defineCacheFunction, type CacheFunction, type CacheKindDefinition } from '../api/define.js'
import type { CacheConfig } from '../options/config.js'
import type { MemoryEngine } from '../engines/contract.js'
import { createMemoryEngine } from '../engines/memory/chain.js'
import { cachingDisabled } from '../options/environment.js'
import { finishWrapper, type CacheHandle, type CacheKind } from '../call/handle.js'
import { memoryKey } from '../keys/encode.js'
import { memoizeInMemory } from '../call/memory.js'
import { registerCache } from '../api/registry.js'
import { CacheCounters } from '../report/stats.js'
import { passThrough } from '../call/disabled.js'

type AnyFunction = (...args: any[]) => any

/** Wrap `fn` with an in-memory engine; shared by mcache and by the memory links of the other chains. */
export function wrapInMemory(
  kind: CacheKind,
  fn: AnyFunction,
  config: CacheConfig,
  register: boolean,
  engine?: MemoryEngine,
  counters: CacheCounters = new CacheCounters(),
): AnyFunction {
  if (cachingDisabled()) return passThrough(kind, fn, config)
  const chosen = engine ?? createMemoryEngine(config, { counters, clock: config.clock })
  const name = config.name ?? (fn.name || 'anonymous')
  const keyFn = config.key
  const keyOf = (self: unknown, args: unknown[]) => memoryKey(keyFn ? [keyFn.apply(self, args)] : args)
  const handle: CacheHandle = {
    name,
    kind,
    engine: chosen.name,
    path: undefined,
    store: chosen.store,
    stats: () => counters.snapshot(name, chosen.name, chosen.size()),
    clear() {
      chosen.clear()
      counters.reset()
    },
    delete(...args) {
      return chosen.delete(keyOf(undefined, args))
    },
    has(...args) {
      return chosen.has(keyOf(undefined, args))
    },
  }
  if (register) registerCache(handle)
  return finishWrapper(memoizeInMemory(fn, chosen, counters, keyFn), fn, handle)
}

const definition: CacheKindDefinition = {
  kind: 'mcache',
  wrap: (fn, config, register) => wrapInMemory('mcache', fn, config, register),
  perInstance: () => true,
}

/**
 * Cache `fn`'s results in memory.
 * @example const price = mcache(fetchPrice, { maxsize: 500, ttl: '10m' })
 * @example class Prices { @mcache({ maxsize: 100 }) of(sku: string) {…} }
 */
export const mcache: CacheFunction<CacheHandle> = defineCacheFunction<CacheHandle>(definition)
