/**
 * The call pipeline: the stages one cached call passes, in every cache —
 *
 *   key (→ bypass) → lookup → de-duplicate → compute → store → report
 *
 * Each stage is written once: the key stage in keys/call-key.ts, the bypass of calls that cannot be keyed in
 * bypass.ts, lookup and store in settled-stores.ts (memory engines need neither fault handling nor
 * serialization), what memory caches store and hand out (clone, mutation check) in memory-values.ts, compute in
 * compute.ts, counting and faults in report/. This module composes them. There are two compositions because there
 * are two kinds of store:
 *
 * - Memory engines keep the result itself, a promise included, so the store is also the de-duplication: a second
 *   call with the key finds the first call's promise (a promise that rejects is removed, so a rejection is never
 *   cached). The memory fast paths (memory-fast-path.ts) answer the common hits before this composition runs.
 * - Persistent and shared engines keep settled values only, so calls in flight are de-duplicated in a map until
 *   they settle. With an asynchronous engine the lookup itself is in flight too: concurrent calls share one
 *   lookup-and-compute.
 */
import { MISS, type MemoryEngine, type StoredEntry } from '../engines/contract.js'
import { isBypass, type KeyStage } from '../keys/call-key.js'
import { isThenable } from '../platform/thenable.js'
import type { CacheCounters } from '../report/stats.js'
import { bypassCall } from './bypass.js'
import { compute, computeAsync } from './compute.js'
import { CHANGED, NOT_KEPT, copyOrSame, type MemoryValues } from './memory-values.js'
import { FAULT, then, type ReadResult, type SettledStore } from './settled-stores.js'

/** What every composition needs. */
export interface CallPlan {
  /** The cache's name, for reports. */
  readonly name: string
  readonly fn: Function
  readonly keys: KeyStage
  readonly counters: CacheCounters
  /** Every call returns a promise (acache), a synchronous throw becoming a rejection. */
  readonly asyncResults: boolean
}

export interface MemoryCallPlan extends CallPlan {
  readonly engine: MemoryEngine
  /** What is stored and handed out when it is not the result itself (clone, mutation check); see memory-values.ts. */
  readonly values?: MemoryValues
}

export interface SettledCallPlan extends CallPlan {
  readonly store: SettledStore
  /** Give calls that join a call in flight their own structured copy of its result (`clone: true`). */
  readonly cloneShared?: boolean
}

/** A rejected promise is removed from a memory store, so the next call tries again. */
export function forgetOnRejection(engine: MemoryEngine, key: unknown, promise: PromiseLike<unknown>): void {
  promise.then(undefined, () => {
    if (engine.get(key) === promise) engine.delete(key)
  })
}

/**
 * The miss of a memory cache: compute, store the result as it is, count. The fast paths call it, and code added
 * here counts against V8's inlining budget for them, so the values stage has a miss of its own ({@link memoryMissKept}).
 */
export function memoryMiss(plan: MemoryCallPlan, self: unknown, key: unknown, args: ArrayLike<unknown>): unknown {
  const { engine, counters } = plan
  counters.misses++
  let result: unknown
  if (plan.asyncResults) {
    result = computeAsync(plan.fn, self, args)
    // A synchronous throw is a rejection that was never the function's result to share: not stored.
  } else {
    result = compute(plan.fn, self, args)
  }
  engine.set(key, result)
  counters.sets++
  if (isThenable(result)) forgetOnRejection(engine, key, result)
  return result
}

/** The miss of a memory cache with a values stage: the caller gets the result, the store what the stage keeps. */
function memoryMissKept(plan: MemoryCallPlan, values: MemoryValues, self: unknown, key: unknown, args: ArrayLike<unknown>): unknown {
  const { engine, counters } = plan
  counters.misses++
  const result = plan.asyncResults ? computeAsync(plan.fn, self, args) : compute(plan.fn, self, args)
  const stored = values.keep(result, () => {
    if (engine.get(key) === stored) engine.delete(key)
  })
  if (stored === NOT_KEPT) return result
  engine.set(key, stored)
  counters.sets++
  if (isThenable(stored)) forgetOnRejection(engine, key, stored)
  return result
}

/** The general composition of memory caches: every call the fast paths leave to it, and every call with a values stage. */
export function memoryCall(plan: MemoryCallPlan): Function {
  const { keys, engine, counters, asyncResults, values } = plan
  return function cached(this: unknown) {
    let key: unknown
    try {
      key = keys.keyOf(this, arguments)
    } catch (error) {
      if (asyncResults) return Promise.reject(error)
      throw error
    }
    if (isBypass(key)) return bypassCall(plan, this, arguments, key)
    const value = engine.get(key)
    if (value !== MISS) {
      if (values === undefined) {
        counters.hits++
        return value
      }
      const handed = values.hand(value, arguments)
      if (handed !== CHANGED) {
        counters.hits++
        return handed
      }
      engine.delete(key)
    }
    return values === undefined ? memoryMiss(plan, this, key, arguments) : memoryMissKept(plan, values, this, key, arguments)
  }
}

/** The composition of persistent and shared caches. */
export function settledCall(plan: SettledCallPlan): Function {
  const { fn, keys, store, counters, asyncResults, cloneShared } = plan
  const inFlight = new Map<unknown, Promise<unknown>>()

  const deliver = (entry: StoredEntry): unknown => {
    counters.hits++
    return asyncResults || entry.promise ? Promise.resolve(entry.value) : entry.value
  }

  /** Keep `promise` as the call in flight for `key` until it settles; concurrent calls get it. */
  const track = (key: unknown, promise: Promise<unknown>): Promise<unknown> => {
    inFlight.set(key, promise)
    const done = () => {
      if (inFlight.get(key) === promise) inFlight.delete(key)
    }
    promise.then(done, done)
    return promise
  }

  /** Compute and store; the write waits for a promise to settle, and is skipped after a failed read. */
  function miss(self: unknown, args: ArrayLike<unknown>, key: unknown, skipWrite: boolean): unknown {
    counters.misses++
    const result = asyncResults ? computeAsync(fn, self, args) : compute(fn, self, args)
    if (!isThenable(result)) {
      if (!skipWrite) store.write(key, result, false)
      return result
    }
    return Promise.resolve(result).then((value) => (skipWrite ? value : then(store.write(key, value, true), () => value)))
  }

  const settle = (self: unknown, args: ArrayLike<unknown>, key: unknown, found: ReadResult): unknown =>
    found === MISS || found === FAULT ? miss(self, args, key, found === FAULT) : deliver(found)

  return function cached(this: unknown) {
    let key: unknown
    try {
      key = keys.keyOf(this, arguments)
    } catch (error) {
      if (asyncResults) return Promise.reject(error)
      throw error
    }
    if (isBypass(key)) return bypassCall(plan, this, arguments, key)
    const pending = inFlight.get(key)
    if (pending !== undefined) {
      counters.hits++
      // Hits read back from the store are fresh values already; a call in flight is one value for all who join it.
      return cloneShared ? pending.then(copyOrSame) : pending
    }
    const found = store.read(key)
    if (isThenable(found)) {
      const self = this
      const args = arguments
      return track(key, (found as Promise<ReadResult>).then((result) => settle(self, args, key, result)))
    }
    if (found !== MISS && found !== FAULT) return deliver(found as StoredEntry)
    const result = miss(this, arguments, key, found === FAULT)
    return isThenable(result) ? track(key, result as Promise<unknown>) : result
  }
}
