/**
 * The memory caches' fast paths: hits answered before the general composition (pipeline.ts `memoryCall`) runs,
 * derived from the same key stage (`isOwnKey`, the key index) and engine. A hit with one primitive argument must
 * cost about what a hand-written lru-cache memo costs, so the function every call enters is kept as small as
 * possible: V8 inlines it, and lru-cache's `get` inside it, only while the whole stays under its inlining budget
 * (adding the miss handling to it made hits with 1,000 warm keys markedly slower: bench/README.md). Everything else
 * (other argument lists, misses, a cached `undefined`) leaves through `general.apply(this, arguments)`, which V8
 * forwards without allocating an `arguments` object, so the hit path allocates nothing. A one-argument miss
 * therefore looks the key up twice; that costs far less than a miss does anyway.
 *
 * While anyone listens to the trace channel (tracing.ts), a hit is not answered here: the call goes on to `general`,
 * which hands it to the traced general composition. The flag is read on the hit branch only (where the value load
 * hides it); that read is all tracing costs a hit when nobody listens (bench/tracing.mjs).
 *
 * Composite keys go through the key index (keys/key-index.ts), which hands back the same interned key text for the
 * same arguments instead of building it again. Memory keys are never hashed by us: the store's Map hashes them.
 */
import { MISS } from '../engines/contract.js'
import { directLruStore } from '../engines/memory/lru.js'
import { UNDEFINED_BOX } from '../engines/memory/undefined-box.js'
import { isOwnKey, type MemoryKeyStage } from '../keys/call-key.js'
import { memoryCall, memoryMiss, type MemoryCallPlan } from './pipeline.js'
import { tracedCall, tracing, withTracing } from './tracing.js'

export interface MemoryFastPlan extends MemoryCallPlan {
  readonly keys: MemoryKeyStage
}

/**
 * The cached function of a memory cache: its fast paths in front of the general composition. Chosen once, at
 * creation: a cache with a values stage (clone, mutation check) or keys the index does not give (a key function,
 * identity keys) has no fast path, so the fast paths of every other cache stay as they are.
 */
export function memoryCachedCall(plan: MemoryFastPlan): Function {
  const generalCall = memoryCall(plan)
  const { keys, engine, counters, mode } = plan
  // A cache that keeps entries with a life from the start has no bare results to answer from.
  if (mode.entries) return withTracing(plan.site, mode.entries.call)
  const index = keys.index
  if (!index || plan.values) return withTracing(plan.site, generalCall)
  const traced = tracedCall(plan.site, generalCall)
  // Read through this closure's own binding: an imported one is checked for initialisation at each read.
  const flag = tracing
  if (plan.asyncResults) return oneKeyFastPath(plan, generalCall, traced)

  /**
   * One primitive, two or three primitives, and one plain object or array (the common cases) are handled from
   * named parameters, never touching `arguments` beyond its length, so that V8 does not allocate it; anything
   * else goes to the general composition as it is.
   */
  function general(this: unknown, a: unknown, b: unknown, c: unknown) {
    if (flag.on) return traced.apply(this, arguments)
    if (mode.entries) return mode.entries.call.apply(this, arguments)
    const arity = arguments.length
    let key: unknown
    if (arity === 3) key = index!.three(a, b, c)
    else if (arity === 2) key = index!.two(a, b)
    else if (arity === 1) key = isOwnKey(a) ? a : index!.one(a)
    if (key === undefined) return generalCall.apply(this, arguments)
    const value = engine.get(key)
    if (value !== MISS) {
      counters.hits++
      return value
    }
    return memoryMiss(plan, this, key, arguments)
  }

  // The fast path: a hit with one argument that is its own key (isOwnKey, written out: this function must stay
  // tiny), read straight from the LRUCache when there is one (see directLruStore).
  const store = directLruStore(engine)
  if (store) {
    return function cached(this: unknown, first: unknown) {
      if (arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))) {
        const value = store.get(first)
        if (value !== undefined && value !== UNDEFINED_BOX && !flag.on) {
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
      if (value !== MISS && !flag.on) {
        counters.hits++
        return value
      }
    }
    return (general as Function).apply(this, arguments)
  }
}

/** acache's local store: one number or string argument is its own key; the stored promise is the answer. */
function oneKeyFastPath(plan: MemoryFastPlan, generalCall: Function, traced: Function): Function {
  const { engine, counters, mode } = plan
  return function cached(this: unknown, first: unknown) {
    if (tracing.on) return traced.apply(this, arguments)
    if (mode.entries) return mode.entries.call.apply(this, arguments)
    if (arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))) {
      const value = engine.get(first)
      if (value !== MISS) {
        counters.hits++
        return value
      }
      return memoryMiss(plan, this, first, arguments)
    }
    return generalCall.apply(this, arguments)
  }
}
