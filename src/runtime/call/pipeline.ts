/**
 * The call pipeline: the stages one cached call passes, in every cache —
 *
 *   key (→ bypass) → lookup → freshness → de-duplicate → lease → compute → store → report
 *
 * Each stage is written once: the key stage in keys/call-key.ts, the bypass of calls that cannot be keyed in
 * bypass.ts, lookup and store in settled-stores.ts (memory engines need neither fault handling nor
 * serialization), what memory caches store and hand out (clone, mutation check) in memory-values.ts, freshness in
 * freshness.ts (with refresh.ts and timeouts.ts), the cross-process lease of a miss in leases.ts (settled values
 * only), compute in compute.ts with the computation context of
 * computation.ts, counting and faults in report/. This module and memory-entries.ts compose them, for the two
 * kinds of store:
 *
 * - Memory engines keep the result itself, a promise included, so the store is also the de-duplication: a second
 *   call with the key finds the first call's promise (a promise that rejects is removed, so a rejection is never
 *   cached). A memory cache without stale windows keeps bare results and has fast paths (memory-fast-path.ts);
 *   one with them, or whose computation asks for them (`cacheTag`, `cacheLife` with windows), keeps entries with
 *   their life (memory-entries.ts).
 * - Persistent and shared engines keep settled entries only, so calls in flight are de-duplicated in a map until
 *   they settle. With an asynchronous engine the lookup itself is in flight too: concurrent calls share one
 *   lookup-and-compute.
 */
import { MISS, type MemoryEngine, type StoredEntry } from '../engines/contract.js'
import { isBypass, type KeyStage } from '../keys/call-key.js'
import type { CacheConfig } from '../options/config.js'
import { isThenable } from '../platform/thenable.js'
import { reportFault } from '../report/faults.js'
import type { CacheCounters } from '../report/stats.js'
import { currentEpoch, stamp, type TagVerdict } from '../tags/registry.js'
import { bypassCall } from './bypass.js'
import { compute, computeAsync } from './compute.js'
import { newComputation, runComputation, type Computation } from './computation.js'
import { judge, lifeOf, needsWindows, newEntry, tagsOf, type Freshness } from './freshness.js'
import { NOT_YET, leasedMiss } from './leases.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { CHANGED, NOT_KEPT, copyOrSame, type MemoryValues } from './memory-values.js'
import { Refresher } from './refresh.js'
import { FAULT, then, type ReadResult, type SettledStore } from './settled-stores.js'
import { orStaleAfter, rejectAfter } from './timeouts.js'
import { currentTrace, noteStaleIfError, noteStatus, resumeTrace, withTracing, type TraceSite } from './tracing.js'

/** What every composition needs. */
export interface CallPlan {
  readonly fn: Function
  /** The cache's name, for messages. */
  readonly name: string
  readonly keys: KeyStage
  readonly counters: CacheCounters
  /** Every call returns a promise (acache), a synchronous throw becoming a rejection. */
  readonly asyncResults: boolean
  readonly config: CacheConfig
  /** Keep the computation context across `await`s: the function's own source calls cacheLife, cacheTag or noStore. */
  readonly acrossAwaits: boolean
  /** The cache as trace events name it (the tracing stage, tracing.ts). */
  readonly site: TraceSite
}

/** A memory cache's state: bare results, until a computation asks for entries with a life. */
export interface MemoryMode {
  /** The entries composition, once the cache keeps entries. */
  entries: EntriesMode | undefined
  /** Keep entries from now on (the bare results are dropped): returns the entries composition. */
  switchToEntries(): EntriesMode
}

/** What the plain composition needs of the entries composition it may switch to (memory-entries.ts). */
export interface EntriesMode {
  readonly call: Function
  /** Store a computed result as an entry (the plain composition switching over mid-call). */
  storeResult(key: unknown, result: unknown, computation: Computation, epoch: number, args: ArrayLike<unknown>): void
}

export interface MemoryCallPlan extends CallPlan {
  readonly engine: MemoryEngine
  readonly mode: MemoryMode
  /** What is stored and handed out when it is not the result itself (clone, mutation check); see memory-values.ts. */
  readonly values?: MemoryValues
}

export interface SettledCallPlan extends CallPlan {
  readonly store: SettledStore
  /** What the store's tag invalidations say about an entry (persistent and shared stores keep their own). */
  tagVerdict(entry: StoredEntry): TagVerdict | Promise<TagVerdict>
  readonly clock: CacheConfig['clock']
  /** Give calls that join a call in flight their own structured copy of its result (`clone: true`). */
  readonly cloneShared?: boolean
}

/** Run the function as the call asked, in a fresh computation context. */
export function computeIn(plan: CallPlan, self: unknown, args: ArrayLike<unknown>): { result: unknown; computation: Computation } {
  const computation = newComputation()
  const result = runComputation(computation, plan.acrossAwaits, () =>
    plan.asyncResults ? computeAsync(plan.fn, self, args) : compute(plan.fn, self, args),
  )
  return { result, computation }
}

/** Whether a settled result is to be stored: not after `noStore()`, not when `shouldCache` says no. */
export function keepResult(plan: CallPlan, value: unknown, computation: Computation, args: ArrayLike<unknown>): boolean {
  if (computation.noStore) return false
  const { shouldCache } = plan.config
  if (!shouldCache) return true
  try {
    return shouldCache(value, ...Array.from(args)) !== false
  } catch (error) {
    // A failing predicate is the cache's fault to report, not the caller's result to lose: not stored.
    reportFault(plan.name, 'shouldCache', 'decide whether to store the result', error, plan.counters, plan.config.strict)
    return false
  }
}

/** A rejected promise is removed from a memory store, so the next call tries again. */
export function forgetOnRejection(engine: MemoryEngine, key: unknown, promise: PromiseLike<unknown>): void {
  promise.then(undefined, () => {
    if (engine.get(key) === promise) engine.delete(key)
  })
}

/** Whether what the computation asked for needs entries with a life (tags, stale windows). */
function wantsEntries(computation: Computation): boolean {
  return (computation.tags?.length ?? 0) > 0 || needsWindows(computation.life)
}

/** Store a bare result in a plain memory cache, or hand it to the entries composition when it asks for more. */
function storeBare(
  plan: MemoryCallPlan,
  key: unknown,
  result: unknown,
  computation: Computation,
  epoch: number,
  args: ArrayLike<unknown>,
): void {
  if (wantsEntries(computation)) {
    plan.mode.switchToEntries().storeResult(key, result, computation, epoch, args)
    return
  }
  plan.engine.set(key, result, computation.life?.ttlMs)
  plan.counters.sets++
}

/**
 * The miss of a plain memory cache: compute, store the result as it is (a promise at once), count. The fast paths
 * call it on a miss; it is large enough that V8 does not inline it into them, which would take their inlining budget.
 */
export function memoryMiss(plan: MemoryCallPlan, self: unknown, key: unknown, args: ArrayLike<unknown>): unknown {
  const { engine, counters } = plan
  counters.misses++
  noteStatus('miss', key)
  const epoch = currentEpoch()
  const { result, computation } = computeIn(plan, self, args)
  if (!isThenable(result)) {
    if (keepResult(plan, result, computation, args)) storeBare(plan, key, result, computation, epoch, args)
    return result
  }
  // The promise itself is stored, so that concurrent calls share it; what the computation asked for (noStore,
  // cacheLife, cacheTag, shouldCache) is known once it settles, and applied then.
  engine.set(key, result)
  counters.sets++
  const promise = result as Promise<unknown>
  promise.then(
    (value) => {
      if (engine.get(key) !== promise) return
      if (!keepResult(plan, value, computation, args)) engine.delete(key)
      else if (wantsEntries(computation)) {
        engine.delete(key)
        plan.mode.switchToEntries().storeResult(key, promise, computation, epoch, args)
      } else if (computation.life?.ttlMs !== undefined) engine.set(key, promise, computation.life.ttlMs)
    },
    () => {
      if (engine.get(key) === promise) engine.delete(key)
    },
  )
  return result
}

/** The miss of a memory cache with a values stage: the caller gets the result, the store what the stage keeps. */
function memoryMissKept(plan: MemoryCallPlan, values: MemoryValues, self: unknown, key: unknown, args: ArrayLike<unknown>): unknown {
  const { engine, counters } = plan
  counters.misses++
  noteStatus('miss', key)
  const epoch = currentEpoch()
  const { result, computation } = computeIn(plan, self, args)
  if (!isThenable(result) && !keepResult(plan, result, computation, args)) return result
  const stored = values.keep(result, () => {
    if (engine.get(key) === stored) engine.delete(key)
  })
  if (stored === NOT_KEPT) return result
  if (!isThenable(stored)) {
    storeBare(plan, key, stored, computation, epoch, args)
    return result
  }
  engine.set(key, stored)
  counters.sets++
  forgetOnRejection(engine, key, stored)
  ;(stored as Promise<unknown>).then(
    (value) => {
      if (engine.get(key) === stored && !keepResult(plan, value, computation, args)) engine.delete(key)
    },
    () => undefined,
  )
  return result
}

/** The general composition of plain memory caches: every call the fast paths leave to it, and every call with a values stage. */
export function memoryCall(plan: MemoryCallPlan): Function {
  const { keys, engine, counters, asyncResults, mode, values } = plan
  return function cached(this: unknown) {
    if (mode.entries) return mode.entries.call.apply(this, arguments)
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
        noteStatus('hit', key)
        return value
      }
      const handed = values.hand(value, arguments)
      if (handed !== CHANGED) {
        counters.hits++
        noteStatus('hit', key)
        return handed
      }
      engine.delete(key)
    }
    return values === undefined ? memoryMiss(plan, this, key, arguments) : memoryMissKept(plan, values, this, key, arguments)
  }
}

/**
 * `.cache.refresh()` of a plain memory cache: the miss stage computes and stores the result over the entry there.
 * A refresh is not a call, so the miss that stage counts is taken back; a promise that rejects puts the entry it
 * replaced back (the rejection reaches the caller), as a failed refresh leaves a persistent entry as it was.
 */
export function memoryRefresh(plan: MemoryCallPlan, self: unknown, key: unknown, args: ArrayLike<unknown>): unknown {
  const { engine, counters, values } = plan
  const previous = engine.get(key)
  let result: unknown
  try {
    result = values === undefined ? memoryMiss(plan, self, key, args) : memoryMissKept(plan, values, self, key, args)
  } finally {
    counters.misses--
  }
  if (previous !== MISS && isThenable(result)) {
    ;(result as Promise<unknown>).then(undefined, () => {
      // The miss stage removed the rejected promise first (its handler was attached first).
      if (!engine.has(key)) engine.set(key, previous)
    })
  }
  return result
}

/** The composition of persistent and shared caches. */
export function settledCall(plan: SettledCallPlan): Function {
  return settledComposition(plan).call
}

/** The settled composition: its cached function, and `.cache.refresh()` on its calls in flight. */
export interface SettledComposition {
  readonly call: Function
  refresh(self: unknown, args: ArrayLike<unknown>, key: unknown): unknown
}

export function settledComposition(plan: SettledCallPlan): SettledComposition {
  const { keys, store, counters, asyncResults, config, clock, cloneShared } = plan
  const inFlight = new Map<unknown, Promise<unknown>>()
  const refresher = new Refresher(clock, plan.site)
  /** Misses take a lease on their key in the store (leases.ts), where the store has them and `lock` is not false. */
  const leasing = config.lock && store.lease !== undefined
  /** Whether a wait for another process's lease may return a promise: the function returns promises. */
  let promises = asyncResults || Object.prototype.toString.call(plan.fn) === '[object AsyncFunction]'

  /**
   * The promise of an entry's value, one per entry object: a memory tier hands out the same entry on every hit, so
   * its hits share one settled promise (as mcache hits share the stored one) instead of making one each.
   */
  const promised = new WeakMap<StoredEntry, Promise<unknown>>()
  /** The promise `answer` gave last: a value found synchronously (a memory-tier hit) is not a call in flight. */
  let answered: unknown
  const answer = (entry: StoredEntry): unknown => {
    if (!asyncResults && !entry.promise) return entry.value
    let promise = promised.get(entry)
    if (promise === undefined) promised.set(entry, (promise = Promise.resolve(entry.value)))
    return (answered = promise)
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

  /**
   * The entry to store for a computed value, or undefined when it is not to be stored. It is stamped with the time
   * its computation started, so a tag invalidated while it computed makes it invalid.
   */
  function entryFor(
    value: unknown,
    promised: boolean,
    computation: Computation,
    args: ArrayLike<unknown>,
    started: number,
  ): StoredEntry | undefined {
    if (!keepResult(plan, value, computation, args)) return undefined
    return newEntry(value, promised, started, lifeOf(config, computation.life), tagsOf(config, computation.tags))
  }

  /**
   * Compute and store. The write waits for a promise to settle, and is skipped after a failed read. With `stale`
   * (an entry in its staleIfError window), a failure answers with the stale value instead, and so does, with a
   * `timeout`, a slow recomputation (which goes on and stores its result). `hardTimeout` rejects the call and frees
   * its slot, so the next call starts afresh.
   */
  function recompute(
    self: unknown,
    args: ArrayLike<unknown>,
    k: unknown,
    skipWrite: boolean,
    stale?: StoredEntry,
    lease?: string,
  ): unknown {
    const trace = currentTrace()
    const started = stamp(clock)
    /** A lease held for this computation is given up when nothing is stored (the write gives it up otherwise). */
    const giveUp = () => (lease === undefined ? undefined : store.unlease?.(k, lease))
    let computed: { result: unknown; computation: Computation }
    try {
      computed = computeIn(plan, self, args)
    } catch (error) {
      giveUp()
      if (!stale) throw error
      refresher.failed(k)
      counters.staleIfError++
      noteStaleIfError(trace)
      return answer(stale)
    }
    const { result, computation } = computed
    if (!isThenable(result)) {
      const entry = skipWrite ? undefined : entryFor(result, false, computation, args, started)
      if (entry) store.write(k, entry, lease)
      else giveUp()
      refresher.succeeded(k)
      return result
    }
    promises = true
    let settled = Promise.resolve(result).then(
      (value) => {
        refresher.succeeded(k)
        const entry = skipWrite ? undefined : entryFor(value, true, computation, args, started)
        return entry ? then(store.write(k, entry, lease), () => value) : then(giveUp(), () => value)
      },
      (error) => then(giveUp(), () => Promise.reject(error)),
    )
    if (stale) {
      settled = settled.catch(() => {
        refresher.failed(k)
        counters.staleIfError++
        noteStaleIfError(trace)
        return stale.value
      })
      settled = orStaleAfter(
        settled,
        config.timeoutMs,
        () => stale.value,
        () => {
          counters.staleIfError++
          noteStaleIfError(trace)
        },
      )
    }
    // A rejection frees the call's slot in `inFlight` (track), so the next call starts afresh.
    return rejectAfter(settled, config.hardTimeoutMs, plan.name, () => undefined)
  }

  /** A background refresh: recompute and store, keeping the old entry when it fails. */
  function refreshInBackground(self: unknown, args: ArrayLike<unknown>, k: unknown): void {
    refresher.inBackground(
      k,
      () => {
        const started = stamp(clock)
        const { result, computation } = computeIn(plan, self, args)
        const store1 = (value: unknown, promised: boolean) => {
          const entry = entryFor(value, promised, computation, args, started)
          counters.refreshes++
          return entry ? store.write(k, entry) : undefined
        }
        return isThenable(result) ? Promise.resolve(result).then((value) => store1(value, true)) : store1(result, false)
      },
      () => counters.errors++,
    )
  }

  /** An entry read while waiting for another process's lease answers the call when it is fresh. */
  function waitedFor(found: ReadResult): unknown {
    if (found === MISS || found === FAULT) return NOT_YET
    const entry = found as StoredEntry
    const verdict = entry.tags.length ? plan.tagVerdict(entry) : 'valid'
    return then(verdict, (v) => {
      const worth = judge(entry, clock.now(), v, config.refreshAhead)
      return worth === 'fresh' || worth === 'ahead' ? answer(entry) : NOT_YET
    })
  }

  /** A miss (nothing stored, or `stale` in its staleIfError window): under a lease on the key where there is one. */
  function miss(self: unknown, args: ArrayLike<unknown>, k: unknown, stale?: StoredEntry): unknown {
    if (!leasing) return recompute(self, args, k, false, stale)
    // The lease may be taken after an await: the computation goes on in this call's trace.
    const trace = currentTrace()
    return leasedMiss({
      store,
      key: k,
      timeoutMs: config.lockTimeoutMs,
      asynchronous: promises,
      compute: (lease) => resumeTrace(trace, () => recompute(self, args, k, false, stale, lease)),
      usable: waitedFor,
      tookOver: () =>
        warnOnce(
          WarningCode.leaseExpired,
          `Cache ${plan.name}: a lease on a missing key ran out before its holder stored the value (the holder died, ` +
            `or computed for longer than lockTimeout, ${config.lockTimeoutMs} ms); this process computed it. If the ` +
            'function takes that long, raise lockTimeout.',
          `lease:${plan.name}`,
        ),
    })
  }

  /** What to do with an entry found in the store, by what it is worth now. */
  function act(self: unknown, args: ArrayLike<unknown>, k: unknown, entry: StoredEntry, worth: Freshness): unknown {
    switch (worth) {
      case 'fresh':
        counters.hits++
        noteStatus('hit', k)
        return answer(entry)
      case 'ahead':
        counters.hits++
        noteStatus('hit', k)
        refreshInBackground(self, args, k)
        return answer(entry)
      case 'stale':
        counters.stale++
        noteStatus('stale', k)
        refreshInBackground(self, args, k)
        return answer(entry)
      case 'error-only':
        if (refresher.backingOff(k)) {
          counters.staleIfError++
          noteStatus('stale-if-error', k)
          return answer(entry)
        }
        counters.misses++
        noteStatus('miss', k)
        return miss(self, args, k, entry)
      case 'gone':
        counters.misses++
        noteStatus('miss', k)
        return miss(self, args, k)
    }
  }

  /** Judge a found entry (its tags may need the store's verdict, asynchronously for shared stores). */
  function settle(self: unknown, args: ArrayLike<unknown>, k: unknown, found: ReadResult): unknown {
    if (found === FAULT) {
      counters.misses++
      noteStatus('miss', k)
      return recompute(self, args, k, true)
    }
    if (found === MISS) {
      counters.misses++
      noteStatus('miss', k)
      return miss(self, args, k)
    }
    const entry = found as StoredEntry
    const verdict = entry.tags.length ? plan.tagVerdict(entry) : 'valid'
    const decide = (v: TagVerdict) => {
      if (v === 'invalid') counters.invalidations++
      // An entry that never goes stale needs no clock reading (a hit's dearest step after the read).
      return act(self, args, k, entry, judge(entry, entry.freshUntil === 0 ? 0 : clock.now(), v, config.refreshAhead))
    }
    if (!isThenable(verdict)) return decide(verdict as TagVerdict)
    const trace = currentTrace()
    return (verdict as Promise<TagVerdict>).then((v) => resumeTrace(trace, () => decide(v)))
  }

  /**
   * `.cache.refresh()`: recompute and store now. After a call in flight for the key, so that it cannot store an
   * older result over the refresh; calls meanwhile join the refresh. A failure leaves the entry as it was.
   */
  function refresh(self: unknown, args: ArrayLike<unknown>, k: unknown): unknown {
    const pending = inFlight.get(k)
    if (pending === undefined) {
      const result = recompute(self, args, k, false)
      return isThenable(result) ? track(k, result as Promise<unknown>) : result
    }
    const after = () => recompute(self, args, k, false)
    return track(k, pending.then(after, after))
  }

  const call = function cached(this: unknown) {
    let k: unknown
    try {
      k = keys.keyOf(this, arguments)
    } catch (error) {
      if (asyncResults) return Promise.reject(error)
      throw error
    }
    if (isBypass(k)) return bypassCall(plan, this, arguments, k)
    const pending = inFlight.get(k)
    if (pending !== undefined) {
      counters.hits++
      noteStatus('hit', k)
      // Hits read back from the store are fresh values already; a call in flight is one value for all who join it.
      return cloneShared ? pending.then(copyOrSame) : pending
    }
    const found = store.read(k)
    const args = arguments
    if (isThenable(found)) {
      const trace = currentTrace()
      return track(
        k,
        (found as Promise<ReadResult>).then((result) => resumeTrace(trace, () => settle(this, args, k, result))),
      )
    }
    const result = settle(this, args, k, found as ReadResult)
    return isThenable(result) && result !== answered ? track(k, result as Promise<unknown>) : result
  }
  return { call: withTracing(plan.site, call), refresh }
}
