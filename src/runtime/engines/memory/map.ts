/**
 * The built-in Map engine: the last link of every memory chain, always available. With a maxsize it evicts the
 * oldest insertion (FIFO), which a Map's insertion order gives for free.
 */
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'
import { UNDEFINED_BOX } from './undefined-box.js'

export function createMapEngine(maxsize: number | null, ttlMs: number, context: EngineContext): MemoryEngine {
  const { counters, clock } = context
  const store = new Map<unknown, unknown>()
  const expiries = ttlMs > 0 ? new Map<unknown, number>() : undefined
  return {
    name: 'map',
    store,
    get(key) {
      const value = store.get(key)
      if (value === undefined) return MISS
      if (expiries && expiries.get(key)! <= clock.now()) {
        store.delete(key)
        expiries.delete(key)
        return MISS
      }
      return value === UNDEFINED_BOX ? undefined : value
    },
    set(key, value) {
      if (maxsize !== null && !store.has(key) && store.size >= maxsize) {
        const oldest = store.keys().next().value
        store.delete(oldest)
        expiries?.delete(oldest)
        counters.evictions++
      }
      store.set(key, value === undefined ? UNDEFINED_BOX : value)
      expiries?.set(key, clock.now() + ttlMs)
    },
    delete(key) {
      expiries?.delete(key)
      return store.delete(key)
    },
    has(key) {
      return this.get(key) !== MISS
    },
    clear() {
      store.clear()
      expiries?.clear()
    },
    size: () => store.size,
  }
}
