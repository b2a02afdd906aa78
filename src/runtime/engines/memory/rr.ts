/**
 * Random-replacement engine: when full, a uniformly random entry is evicted. O(1) with a key array and
 * swap-removal. In-house because no well-kept npm package offers random replacement.
 */
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'

interface Slot {
  value: unknown
  index: number
}

export function createRrEngine(maxsize: number, context: EngineContext, random: () => number = Math.random): MemoryEngine {
  const { counters } = context
  const slots = new Map<unknown, Slot>()
  const keys: unknown[] = []

  function removeAt(index: number): void {
    const last = keys.pop()
    if (index < keys.length) {
      keys[index] = last
      slots.get(last)!.index = index
    }
  }

  return {
    name: 'rr',
    store: slots,
    get(key) {
      const slot = slots.get(key)
      return slot ? slot.value : MISS
    },
    set(key, value) {
      const existing = slots.get(key)
      if (existing) {
        existing.value = value
        return
      }
      if (slots.size >= maxsize) {
        const index = Math.floor(random() * keys.length)
        slots.delete(keys[index])
        removeAt(index)
        counters.evictions++
      }
      slots.set(key, { value, index: keys.length })
      keys.push(key)
    },
    delete(key) {
      const slot = slots.get(key)
      if (!slot) return false
      slots.delete(key)
      removeAt(slot.index)
      return true
    },
    has: (key) => slots.has(key),
    clear() {
      slots.clear()
      keys.length = 0
    },
    size: () => slots.size,
  }
}
