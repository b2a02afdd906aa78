/**
 * The local store of acache: the memory chain (lru-cache · lfu / rr / mru · Map) seen as an AsyncEngine. It is
 * the default store of acache and the fallback when a keyv package is missing. Reads can be answered synchronously
 * (`getSync`), so acache's hit path is one lookup and no promise hop: keyv's memory store costs ~10× more per hit.
 */
import type { CacheConfig } from '../../options/config.js'
import type { AsyncEngine, EngineContext, MemoryEngine, Miss } from '../contract.js'
import { createMemoryEngine } from '../memory/chain.js'

/** An AsyncEngine over a memory engine; `memory` is the synchronous engine underneath (acache's fast path uses it). */
export interface MemoryAsyncEngine extends AsyncEngine {
  readonly memory: MemoryEngine
  readonly getSync: (key: string) => unknown | Miss
}

export const MEMORY_ASYNC = 'memory-async'

export function createMemoryAsyncEngine(config: CacheConfig, context: EngineContext): MemoryAsyncEngine {
  return wrapMemoryEngine(createMemoryEngine(config, context))
}

export function wrapMemoryEngine(memory: MemoryEngine): MemoryAsyncEngine {
  return {
    name: MEMORY_ASYNC,
    memory,
    store: memory.store,
    getSync: (key) => memory.get(key),
    get: (key) => Promise.resolve(memory.get(key)),
    set(key, value) {
      memory.set(key, value)
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
  }
}
