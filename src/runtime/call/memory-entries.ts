/**
 * The composition of memory caches that keep entries with a life: those with stale windows, refreshAhead or time
 * limits in their options, and those whose computation asked for more than a ttl (`cacheTag`, `cacheLife` with
 * windows; the plain composition switches over then). Each entry is the result as it was returned (a promise while
 * it computes, so concurrent calls share it), its windows, its tags, and the invalidation epoch its computation
 * started in: a tag check is one comparison until an invalidation happens.
 */
import { MISS, physicalExpiry, type MemoryEngine, type StoredEntry } from '../engines/contract.js'
import { isBypass } from '../keys/call-key.js'
import { isThenable } from '../platform/thenable.js'
import { currentEpoch, epochVerdict } from '../tags/registry.js'
import { bypassCall } from './bypass.js'
import type { Computation } from './computation.js'
import type { EntryAccess } from './entry-operations.js'
import { expiredAt, judge, lifeOf, newEntry, tagsOf, type Freshness } from './freshness.js'
import { CHANGED, NOT_KEPT, type MemoryValues } from './memory-values.js'
import { computeIn, keepResult, type CallPlan, type EntriesMode } from './pipeline.js'
import { Refresher } from './refresh.js'
import { orStaleAfter, rejectAfter } from './timeouts.js'
import { currentTrace, noteStaleIfError, noteStatus } from './tracing.js'

/** A memory entry: a stored entry, and the epoch its computation started in. */
export interface MemoryEntry extends StoredEntry {
  readonly epoch: number
}

/**
 * A stored entry with its epoch, written out field by field: V8 reads the fields of an object made by a spread
 * (`{ ...entry, epoch }`) several times slower, and every hit of this composition reads them (bench/freshness.mjs).
 */
function memoryEntry(entry: StoredEntry, epoch: number): MemoryEntry {
  const { value, promise, created, freshUntil, staleUntil, errorUntil, tags } = entry
  return { value, promise, created, freshUntil, staleUntil, errorUntil, tags, epoch }
}

export interface EntriesPlan extends CallPlan {
  /** The engine the entries are kept in. */
  readonly engine: MemoryEngine
  /** What is stored and handed out when it is not the result itself (clone, mutation check). */
  readonly values?: MemoryValues | undefined
}

/** The entries composition, and what the handle needs of it (its entry operations: entry-operations.ts). */
export interface MemoryEntries extends EntriesMode, Omit<EntryAccess, 'bypass'> {
  /** The entry of `key` and what it is worth now, or undefined; `count` an invalidation found (calls do, peeks do not). */
  find(key: unknown, count?: boolean): { entry: MemoryEntry; worth: Freshness } | undefined
  /** Replace an entry. */
  replace(key: unknown, entry: MemoryEntry): void
}

/** What a provisional entry is stored with: nothing asked for yet. */
const NO_REQUESTS: Computation = Object.freeze({ life: undefined, tags: undefined, noStore: false })

export function memoryEntries(plan: EntriesPlan): MemoryEntries {
  const { keys, engine, counters, asyncResults, config, values } = plan
  const { clock } = config
  const refresher = new Refresher(clock, plan.site)

  /** What to store for a computed result (values stage), or NOT_KEPT. */
  const keep = (key: unknown, result: unknown): unknown =>
    values
      ? values.keep(result, () => {
          const current = engine.get(key)
          if (current !== MISS && (current as MemoryEntry).value === kept) engine.delete(key)
        })
      : result
  // `keep`'s forget compares with the value it returned; it is set right after (one call at a time).
  let kept: unknown

  /** What a hit hands out for an entry, or CHANGED (the values stage found it changed: drop it). */
  const handOut = (key: unknown, entry: MemoryEntry, args: ArrayLike<unknown>): unknown => {
    if (!values) return entry.value
    const handed = values.hand(entry.value, args)
    if (handed === CHANGED) engine.delete(key)
    return handed
  }

  /** Keep and store a computed result; the caller gets the result itself. */
  function keepAndPut(key: unknown, result: unknown, computation: Computation, epoch: number, count = true): void {
    kept = keep(key, result)
    if (kept !== NOT_KEPT) put(key, kept, computation, epoch, count)
  }

  /** Store `value` (the result as returned) as the entry of `key`; `count` it as a set unless it replaces its own provisional entry. */
  function put(key: unknown, value: unknown, computation: Computation, epoch: number, count = true): void {
    const now = clock.now()
    // Tags are judged by the epoch; the windows run from when the value is stored.
    const entry = memoryEntry(newEntry(value, false, now, lifeOf(config, computation.life), tagsOf(config, computation.tags)), epoch)
    const expiry = physicalExpiry(entry)
    engine.set(key, entry, expiry > 0 ? Math.max(1, expiry - now) : undefined)
    if (count) counters.sets++
  }

  function find(key: unknown, count = true): { entry: MemoryEntry; worth: Freshness } | undefined {
    const found = engine.get(key)
    if (found === MISS) return undefined
    const entry = found as MemoryEntry
    const verdict = entry.tags.length ? epochVerdict(entry.tags, entry.epoch) : 'valid'
    if (verdict === 'invalid' && count) counters.invalidations++
    return { entry, worth: judge(entry, clock.now(), verdict, config.refreshAhead) }
  }

  /** A recomputation nobody waits for: a stale entry's, or refreshAhead's. A failure keeps the old entry. */
  function refreshInBackground(self: unknown, args: ArrayLike<unknown>, key: unknown): void {
    refresher.inBackground(
      key,
      () => {
        const epoch = currentEpoch()
        const { result, computation } = computeIn(plan, self, args)
        const store = (settled: unknown) => {
          if (!keepResult(plan, settled, computation, args)) return
          keepAndPut(key, isThenable(result) ? result : settled, computation, epoch)
          counters.refreshes++
        }
        return isThenable(result) ? Promise.resolve(result).then(store) : store(result)
      },
      () => counters.errors++,
    )
  }

  /**
   * A recomputation the caller waits for. With `stale` (an entry in its staleIfError window) a failure answers
   * with the stale value, and, with a `timeout`, so does a slow one (it goes on and stores its result).
   */
  function recompute(self: unknown, args: ArrayLike<unknown>, key: unknown, stale?: MemoryEntry): unknown {
    counters.misses++
    noteStatus('miss', key)
    const trace = currentTrace()
    const epoch = currentEpoch()
    let computed: { result: unknown; computation: Computation }
    try {
      computed = computeIn(plan, self, args)
    } catch (error) {
      if (!stale) throw error
      refresher.failed(key)
      counters.staleIfError++
      noteStaleIfError(trace)
      return stale.value
    }
    const { result, computation } = computed
    if (!isThenable(result)) {
      if (keepResult(plan, result, computation, args)) keepAndPut(key, result, computation, epoch)
      refresher.succeeded(key)
      return result
    }
    const original = result as Promise<unknown>
    if (stale) {
      // The old entry stays until the recomputation succeeds; concurrent calls share this one.
      original.then(
        (value) => {
          refresher.succeeded(key)
          if (keepResult(plan, value, computation, args)) keepAndPut(key, original, computation, epoch)
        },
        () => undefined,
      )
      let answer = original.catch(() => {
        refresher.failed(key)
        counters.staleIfError++
        noteStaleIfError(trace)
        return stale.value
      })
      answer = orStaleAfter(
        answer,
        config.timeoutMs,
        () => stale.value,
        () => {
          counters.staleIfError++
          noteStaleIfError(trace)
        },
      )
      return refresher.track(
        key,
        rejectAfter(answer, config.hardTimeoutMs, plan.name, () => undefined),
      )
    }
    // Concurrent calls share the call in flight through a provisional entry with the cache's own life; once it
    // settles it is replaced by the entry the computation asked for, or removed. With a values stage the entry
    // holds what the stage keeps (a copy, for clone) and the caller gets the result itself.
    const isProvisional = () => {
      const current = engine.get(key)
      return current !== MISS && (current as MemoryEntry).value === provisional
    }
    const answer: Promise<unknown> = rejectAfter(original, config.hardTimeoutMs, plan.name, () => {
      if (isProvisional()) engine.delete(key)
    })
    kept = keep(key, original)
    const provisional = values ? kept : answer
    if (provisional === NOT_KEPT) return answer
    original.then(
      (value) => {
        if (!isProvisional()) return // cleared or replaced meanwhile
        if (keepResult(plan, value, computation, args)) put(key, provisional, computation, epoch, false)
        else engine.delete(key)
      },
      () => {
        if (isProvisional()) engine.delete(key)
      },
    )
    put(key, provisional, NO_REQUESTS, epoch)
    return answer
  }

  function call(this: unknown): unknown {
    let key: unknown
    try {
      key = keys.keyOf(this, arguments)
    } catch (error) {
      if (asyncResults) return Promise.reject(error)
      throw error
    }
    if (isBypass(key)) return bypassCall(plan, this, arguments, key)
    const found = find(key)
    if (found === undefined) return recompute(this, arguments, key)
    const { entry, worth } = found
    if (worth === 'gone') return recompute(this, arguments, key)
    const value = handOut(key, entry, arguments)
    if (value === CHANGED) return recompute(this, arguments, key)
    switch (worth) {
      case 'fresh':
        counters.hits++
        noteStatus('hit', key)
        return value
      case 'ahead':
        counters.hits++
        noteStatus('hit', key)
        refreshInBackground(this, arguments, key)
        return value
      case 'stale':
        counters.stale++
        noteStatus('stale', key)
        refreshInBackground(this, arguments, key)
        return value
      case 'error-only': {
        const shared = refresher.shared(key)
        if (shared) {
          noteStatus('hit', key) // joins the recomputation in flight, as a call in flight is joined
          return shared
        }
        if (refresher.backingOff(key)) {
          counters.staleIfError++
          noteStatus('stale-if-error', key)
          return value
        }
        return recompute(this, arguments, key, { ...entry, value })
      }
    }
  }

  function replace(key: unknown, entry: MemoryEntry): void {
    const expiry = physicalExpiry(entry)
    engine.set(key, entry, expiry > 0 ? Math.max(1, expiry - clock.now()) : undefined)
  }

  /**
   * `.cache.refresh()`: compute and store now (not counted as a call). The entry there stays until the result is
   * stored: a failure leaves it, and reaches the caller.
   */
  function refresh(self: unknown, args: ArrayLike<unknown>, key: unknown): unknown {
    const epoch = currentEpoch()
    const { result, computation } = computeIn(plan, self, args)
    if (!isThenable(result)) {
      if (keepResult(plan, result, computation, args)) keepAndPut(key, result, computation, epoch)
      refresher.succeeded(key)
      return result
    }
    const original = result as Promise<unknown>
    const stored = original.then((value) => {
      refresher.succeeded(key)
      if (keepResult(plan, value, computation, args)) keepAndPut(key, original, computation, epoch)
      return value
    })
    return rejectAfter(stored, config.hardTimeoutMs, plan.name, () => undefined)
  }

  return {
    call,
    find,
    replace,
    refresh,
    peek(key, args) {
      const found = find(key, false)
      if (found === undefined || found.worth === 'gone') return undefined
      const value = handOut(key, found.entry, args)
      return value === CHANGED ? undefined : { value, worth: found.worth }
    },
    expire(key) {
      const found = find(key, false)
      if (found === undefined) return false
      const expired = found.worth === 'gone' ? undefined : expiredAt(found.entry, clock.now())
      if (expired === undefined) {
        engine.delete(key)
        return found.worth !== 'gone'
      }
      replace(key, memoryEntry(expired, found.entry.epoch))
      return true
    },
    storeResult(key, result, computation, epoch) {
      put(key, result, computation, epoch)
    },
  }
}
