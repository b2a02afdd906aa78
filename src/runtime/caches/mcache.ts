/**
 * `mcache`: in-process memory cache. Engines: lru-cache (lru, fifo, ttl) · in-house lfu / rr / mru · built-in Map.
 */
import { ValidationError } from '../report/errors.js'
import { defineCacheFunction, type CacheFunction, type CacheKindDefinition } from '../api/define.js'
import { assembleInMemory } from '../call/assemble.js'
import { disabledCache } from '../call/disabled.js'
import type { CacheKind } from '../call/handle.js'
import { createMemoryEngine } from '../engines/memory/chain.js'
import type { CacheConfig } from '../options/config.js'
import { cachingDisabled } from '../options/environment.js'
import { CacheCounters } from '../report/stats.js'

type AnyFunction = (...args: any[]) => any

/** `fn` cached in the memory chain: mcache, and the memory link at the end of the other caches' chains. */
export function cacheInMemory(kind: CacheKind, fn: AnyFunction, config: CacheConfig, counters = new CacheCounters()): AnyFunction {
  const context = { counters, clock: config.clock }
  const engine = createMemoryEngine(config, context)
  return assembleInMemory(kind, fn, config, { engine, newEngine: () => createMemoryEngine(config, context), counters, asyncResults: false })
}

const definition: CacheKindDefinition = {
  kind: 'mcache',
  wrap(fn, config) {
    if (config.memory) {
      throw new ValidationError(
        'memory',
        true,
        'mcache keeps its entries in memory already (memory is for bcache, fcache, and acache on a shared store): drop it',
      )
    }
    return cachingDisabled() ? disabledCache('mcache', fn, config, false) : cacheInMemory('mcache', fn, config)
  },
  perInstance: () => true,
  asyncResults: () => false,
}

/**
 * Cache `fn`'s results in memory.
 * @example const price = mcache(fetchPrice, { maxsize: 500, ttl: '10m' })
 * @example class Prices { @mcache({ maxsize: 100 }) of(sku: string) {…} }
 */
export const mcache: CacheFunction = defineCacheFunction(definition)
