/**
 * The local store of acache: the memory chain (lru-cache · lfu / rr / mru · Map) seen as an AsyncEngine. It is
 * the default store of acache and the fallback when a keyv package is missing. acache's hit path reads `memory`, the
 * synchronous engine underneath, so a hit is one lookup and no promise hop.
 */
import type { CacheConfig } from '../../options/config.js'
import type { Clock } from '../../platform/clock.js'
import { currentEpoch, epochVerdict } from '../../tags/registry.js'
import { physicalExpiry, type AsyncEngine, type EngineContext, type MemoryEngine, type Miss, type StoredEntry } from '../contract.js'
import { createMemoryEngine } from '../memory/chain.js'

/** An AsyncEngine over a memory engine; `memory` is the synchronous engine underneath (acache's fast path uses it). */
export interface MemoryAsyncEngine extends AsyncEngine {
  readonly memory: MemoryEngine
}

export const MEMORY_ASYNC = 'memory-async'

export function createMemoryAsyncEngine(config: CacheConfig, context: EngineContext): MemoryAsyncEngine {
  return wrapMemoryEngine(createMemoryEngine(config, context), context.clock)
}

/** A memory engine as an AsyncEngine of whole entries (acache's store after a keyv fallback). */
export function wrapMemoryEngine(memory: MemoryEngine, clock: Clock): MemoryAsyncEngine {
  return {
    name: MEMORY_ASYNC,
    memory,
    store: memory.store,
    get: (key) => Promise.resolve(memory.get(key) as StoredEntry | Miss),
    set(key, entry) {
      const expiry = physicalExpiry(entry)
      // Stamped with the invalidation epoch, which judges its tags (this store keeps no book of times).
      memory.set(key, { ...entry, epoch: currentEpoch() }, expiry > 0 ? Math.max(1, expiry - clock.now()) : undefined)
      return Promise.resolve()
    },
    delete: (key) => Promise.resolve(memory.delete(key)),
    has: (key) => Promise.resolve(memory.has(key)),
    clear() {
      memory.clear()
      return Promise.resolve()
    },
    size: () => memory.size(),
    close: () => Promise.resolve(),
    tagVerdict: (entry) => Promise.resolve(epochVerdict(entry.tags, (entry as { epoch?: number }).epoch ?? 0)),
  }
}
