/**
 * Least-frequently-used engine, O(1) per operation: entries grouped in insertion-ordered buckets by use count;
 * eviction takes the oldest entry of the lowest count. In-house because no well-kept npm package offers LFU.
 */
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'

interface Slot {
  value: unknown
  count: number
}

export function createLfuEngine(maxsize: number, context: EngineContext): MemoryEngine {
  const { counters } = context
  const slots = new Map<unknown, Slot>()
  const buckets = new Map<number, Set<unknown>>()
  let lowest = 0

  function bump(key: unknown, slot: Slot): void {
    const bucket = buckets.get(slot.count)!
    bucket.delete(key)
    if (bucket.size === 0) {
      buckets.delete(slot.count)
      if (lowest === slot.count) lowest++
    }
    slot.count++
    let next = buckets.get(slot.count)
    if (!next) buckets.set(slot.count, (next = new Set()))
    next.add(key)
  }

  function unlink(key: unknown, slot: Slot): void {
    const bucket = buckets.get(slot.count)!
    bucket.delete(key)
    if (bucket.size === 0) buckets.delete(slot.count)
  }

  return {
    name: 'lfu',
    store: slots,
    get(key) {
      const slot = slots.get(key)
      if (!slot) return MISS
      bump(key, slot)
      return slot.value
    },
    set(key, value) {
      const existing = slots.get(key)
      if (existing) {
        existing.value = value
        bump(key, existing)
        return
      }
      if (slots.size >= maxsize) {
        // The lowest bucket may be stale after deletes; find the real lowest (rare: only after delete()).
        while (!buckets.has(lowest)) lowest = Math.min(...buckets.keys())
        const victims = buckets.get(lowest)!
        const victim = victims.values().next().value
        unlink(victim, slots.get(victim)!)
        slots.delete(victim)
        counters.evictions++
      }
      slots.set(key, { value, count: 1 })
      let first = buckets.get(1)
      if (!first) buckets.set(1, (first = new Set()))
      first.add(key)
      lowest = 1
    },
    delete(key) {
      const slot = slots.get(key)
      if (!slot) return false
      unlink(key, slot)
      return slots.delete(key)
    },
    has: (key) => slots.has(key),
    clear() {
      slots.clear()
      buckets.clear()
      lowest = 0
    },
    size: () => slots.size,
  }
}
