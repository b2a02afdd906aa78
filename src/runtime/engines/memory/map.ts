/**
 * The built-in Map engine: the last link of every memory chain, always available. With a maxsize it evicts the
 * oldest insertion (FIFO), which a Map's insertion order gives for free.
 */
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'
import { UNDEFINED_BOX } from './undefined-box.js'

export function createMapEngine(maxsize: number | null, ttlMs: number, context: EngineContext): MemoryEngine {
  const { counters, clock } = context
  const store = new Map<unknown, unknown>()
  // Expiry times, when there is a default ttl or once an entry brings its own.
  let expiries = ttlMs > 0 ? new Map<unknown, number>() : undefined
  return {
    name: 'map',
    store,
    get(key) {
      const value = store.get(key)
      if (value === undefined) return MISS
      const expiry = expiries?.get(key)
      if (expiry !== undefined && expiry <= clock.now()) {
        store.delete(key)
        expiries!.delete(key)
        return MISS
      }
      return value === UNDEFINED_BOX ? undefined : value
    },
    set(key, value, lifeMs) {
      if (maxsize !== null && !store.has(key) && store.size >= maxsize) {
        const oldest = store.keys().next().value
        store.delete(oldest)
        expiries?.delete(oldest)
        counters.evictions++
      }
      store.set(key, value === undefined ? UNDEFINED_BOX : value)
      const life = lifeMs !== undefined && lifeMs > 0 ? lifeMs : ttlMs
      if (life > 0) (expiries ??= new Map()).set(key, clock.now() + life)
      else expiries?.delete(key)
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
