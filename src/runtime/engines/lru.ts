/**
 * The lru-cache engine: policies `lru`, `fifo` (reads do not refresh recency: `peek`) and `ttl`.
 */
import type { LRUCache } from 'lru-cache'
import { MISS, type EngineContext, type MemoryEngine } from './contract.js'
import { UNDEFINED_BOX } from './undefined-box.js'

type LruModule = { LRUCache: typeof LRUCache }

export interface LruEngineOptions {
  readonly maxsize: number | null
  readonly ttlMs: number
  readonly fifo: boolean
}

export function createLruEngine(module: LruModule, options: LruEngineOptions, context: EngineContext): MemoryEngine {
  const { counters } = context
  // Unbounded entries with a ttl: expired entries must be purged on a timer or they would pile up.
  const limits = options.maxsize !== null ? { max: options.maxsize } : { ttlAutopurge: true }
  const store = new module.LRUCache<{}, {}>({
    ...limits,
    ...(options.ttlMs > 0 ? { ttl: options.ttlMs } : {}),
    dispose: (_value: {}, _key: {}, reason: string) => {
      if (reason === 'evict') counters.evictions++
    },
  } as LRUCache.Options<{}, {}, unknown>)
  const read = options.fifo ? store.peek.bind(store) : store.get.bind(store)
  return {
    name: 'lru-cache',
    store,
    get(key) {
      const value = read(key as {})
      if (value === undefined) return MISS
      return value === UNDEFINED_BOX ? undefined : value
    },
    set(key, value) {
      store.set(key as {}, value === undefined ? UNDEFINED_BOX : (value as {}))
    },
    delete: (key) => store.delete(key as {}),
    has: (key) => store.has(key as {}),
    clear: () => store.clear(),
    size: () => store.size,
  }
}
