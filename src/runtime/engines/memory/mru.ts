/**
 * Most-recently-used engine: when full, the entry used last is evicted (good for cyclic scans larger than the
 * cache). Only the last-used key needs tracking. In-house because no well-kept npm package offers MRU.
 */
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'

const NONE = Symbol('none')

export function createMruEngine(maxsize: number, context: EngineContext): MemoryEngine {
  const { counters } = context
  const store = new Map<unknown, { value: unknown }>()
  let lastUsed: unknown = NONE

  return {
    name: 'mru',
    store,
    get(key) {
      const slot = store.get(key)
      if (!slot) return MISS
      lastUsed = key
      return slot.value
    },
    set(key, value) {
      const existing = store.get(key)
      if (existing) {
        existing.value = value
      } else {
        if (store.size >= maxsize) {
          // After a delete() the last-used key may be gone: then any entry will do.
          const victim = store.has(lastUsed) ? lastUsed : store.keys().next().value
          store.delete(victim)
          counters.evictions++
        }
        store.set(key, { value })
      }
      lastUsed = key
    },
    delete: (key) => store.delete(key),
    has: (key) => store.has(key),
    clear() {
      store.clear()
      lastUsed = NONE
    },
    size: () => store.size,
  }
}
