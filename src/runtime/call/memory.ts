/**
 * The call path of in-memory caches. A hit with one primitive argument must cost about what a hand-written
 * lru-cache memo costs (10–30 ns on the 2-core machine of bench/README.md), so the function every call enters is
 * kept as small as possible: V8 inlines it,
 * and lru-cache's `get` inside it, only while the whole stays under its inlining budget (measured: adding the miss
 * handling to it made hits with 1,000 warm keys ~40% slower). Everything else (other argument lists, misses,
 * a cached `undefined`) leaves through `general.apply(this, arguments)`, which V8 forwards without allocating an
 * `arguments` object, so the hit path allocates nothing. A one-argument miss therefore looks the key up twice; that
 * costs far less than a miss does anyway.
 *
 * Composite keys go through a KeyIndex (see keys/encode.ts), which hands back the same interned key text for the same
 * arguments instead of building it again (measured with 1,000 warm keys: three primitives ~400 → ~100 ns, one
 * object ~1,400 → ~400 ns). Memory keys are never hashed by us: the store's Map hashes them as it does any key.
 */
import { MISS, type MemoryEngine } from '../engines/contract.js'
import { directLruStore } from '../engines/memory/lru.js'
import { UNDEFINED_BOX } from '../engines/memory/undefined-box.js'
import { KeyIndex, memoryKey } from '../keys/encode.js'
import type { CacheCounters } from '../report/stats.js'
import { isThenable } from '../platform/thenable.js'

/** A cached promise that rejects is removed, so the next call tries again (a rejection is never cached). */
function forgetOnRejection(engine: MemoryEngine, key: unknown, promise: PromiseLike<unknown>): void {
  promise.then(undefined, () => {
    if (engine.get(key) === promise) engine.delete(key)
  })
}

/** One number, or one string that cannot be mistaken for a composite key (those start with \u0001), is its own key. */
function isOwnKey(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.charCodeAt(0) !== 1)
}

export function memoizeInMemory(
  fn: Function,
  engine: MemoryEngine,
  counters: CacheCounters,
  keyFn: ((...args: any[]) => unknown) | undefined,
): Function {
  function miss(self: unknown, key: unknown, args: IArguments): unknown {
    counters.misses++
    const result = fn.apply(self, args)
    engine.set(key, result)
    counters.sets++
    if (isThenable(result)) forgetOnRejection(engine, key, result)
    return result
  }

  if (keyFn) {
    return function cachedWithKey(this: unknown) {
      const key = memoryKey([keyFn.apply(this, arguments as unknown as unknown[])])
      const value = engine.get(key)
      if (value !== MISS) {
        counters.hits++
        return value
      }
      return miss(this, key, arguments)
    }
  }

  const keys = new KeyIndex(() => engine.size())
  /** Every other argument list: keyed by the index, or by text (memoryKey) when it cannot be indexed. */
  function anyArguments(this: unknown) {
    const key = keys.key(arguments)
    const value = engine.get(key)
    if (value !== MISS) {
      counters.hits++
      return value
    }
    return miss(this, key, arguments)
  }
  /**
   * Every call the fast path below does not answer: misses, a cached `undefined`, and other argument lists. One
   * primitive, two or three primitives, and one plain object or array (the common cases) are handled from named
   * parameters, never touching `arguments` beyond its length, so that V8 does not allocate it; anything else is
   * forwarded as is.
   */
  function general(this: unknown, a: unknown, b: unknown, c: unknown) {
    const arity = arguments.length
    let key: unknown
    if (arity === 3) key = keys.three(a, b, c)
    else if (arity === 2) key = keys.two(a, b)
    else if (arity === 1) key = isOwnKey(a) ? a : keys.one(a)
    if (key === undefined) return (anyArguments as Function).apply(this, arguments)
    const value = engine.get(key)
    if (value !== MISS) {
      counters.hits++
      return value
    }
    counters.misses++
    const result = arity === 3 ? fn.call(this, a, b, c) : arity === 2 ? fn.call(this, a, b) : fn.call(this, a)
    engine.set(key, result)
    counters.sets++
    if (isThenable(result)) forgetOnRejection(engine, key, result)
    return result
  }

  // The fast path: a hit with one argument that is its own key (isOwnKey, written out: this function must stay
  // tiny), read straight from the LRUCache when there is one (see directLruStore).
  const store = directLruStore(engine)
  if (store) {
    return function cached(this: unknown, first: unknown) {
      if (arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))) {
        const value = store.get(first)
        if (value !== undefined && value !== UNDEFINED_BOX) {
          counters.hits++
          return value
        }
      }
      return (general as Function).apply(this, arguments)
    }
  }
  return function cached(this: unknown, first: unknown) {
    if (arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))) {
      const value = engine.get(first)
      if (value !== MISS) {
        counters.hits++
        return value
      }
    }
    return (general as Function).apply(this, arguments)
  }
}
