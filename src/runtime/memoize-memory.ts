/**
 * The call path of in-memory caches. Kept tiny and monomorphic: a hit with one primitive argument is a type check,
 * one store lookup and a counter increment.
 */
import { MISS, type MemoryEngine } from './engines/contract.js'
import { memoryKey } from './keys.js'
import type { CacheCounters } from './stats.js'

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
}

/** A cached promise that rejects is removed, so the next call tries again (a rejection is never cached). */
function forgetOnRejection(engine: MemoryEngine, key: unknown, promise: PromiseLike<unknown>): void {
  promise.then(undefined, () => {
    if (engine.get(key) === promise) engine.delete(key)
  })
}

export function memoizeInMemory(
  fn: Function,
  engine: MemoryEngine,
  counters: CacheCounters,
  keyFn: ((...args: any[]) => unknown) | undefined,
): Function {
  if (keyFn) {
    return function cachedWithKey(this: unknown) {
      const key = memoryKey([keyFn.apply(this, arguments as unknown as unknown[])])
      const value = engine.get(key)
      if (value !== MISS) {
        counters.hits++
        return value
      }
      counters.misses++
      const result = fn.apply(this, arguments)
      engine.set(key, result)
      counters.sets++
      if (isThenable(result)) forgetOnRejection(engine, key, result)
      return result
    }
  }
  return function cached(this: unknown) {
    const first = arguments[0]
    // Fast path: one number or string argument is its own key (composite keys start with \u0001).
    const key =
      arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))
        ? first
        : memoryKey(arguments)
    const value = engine.get(key)
    if (value !== MISS) {
      counters.hits++
      return value
    }
    counters.misses++
    const result = fn.apply(this, arguments)
    engine.set(key, result)
    counters.sets++
    if (isThenable(result)) forgetOnRejection(engine, key, result)
    return result
  }
}
