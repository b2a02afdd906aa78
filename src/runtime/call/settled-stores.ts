/**
 * The lookup and store stages of caches that keep settled values (persistent and shared engines): reads and
 * writes with engine faults turned into misses and one warning (or a CacheFaultError in strict mode), and results
 * that cannot be stored returned to the caller and reported once (or a SerializationError in strict mode). A cache
 * fault never costs the caller its result.
 */
import type { MISS, AsyncEngine, LeaseTake, PersistentEngine, StoredEntry } from '../engines/contract.js'
import { isThenable } from '../platform/thenable.js'
import { SerializationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'

/** What a read returns when the engine failed: the call is a miss, and its write is skipped (the engine is failing). */
export const FAULT: unique symbol = Symbol('twat-cache.fault')
export type Fault = typeof FAULT

/** An entry as read back, MISS, or FAULT. */
export type ReadResult = StoredEntry | typeof MISS | Fault

/** What taking a lease gave (call/leases.ts): the engine's answer, or `none` (no lease primitive, or it failed). */
export type LeaseResult = LeaseTake | 'none'

/** Where a cache keeps settled values. Sync engines answer at once; async engines with promises. */
export interface SettledStore {
  read(key: unknown): ReadResult | Promise<ReadResult>
  /** Store a settled entry, and give up the lease of `unlease` on its key in the same write. Settles when stored. */
  write(key: unknown, entry: StoredEntry, unlease?: string): void | Promise<void>
  /** Take a lease on a missing key (absent: the store has no leases). */
  lease?(key: unknown, token: string, ms: number): LeaseResult | Promise<LeaseResult>
  /** Give up a lease; never throws (a lease left behind runs out by itself). */
  unlease?(key: unknown, token: string): void | Promise<void>
  /** Store `entry` in place of the entry there, with its life changed (`.cache.expire()`): not counted as a set. */
  replace(key: unknown, entry: StoredEntry): void | Promise<void>
  /** Remove an entry; whether there was one (false after a fault). */
  remove(key: unknown): boolean | Promise<boolean>
}

/** Who reports a fault, and how: the cache's name, its engine, its counters, strict or not. */
export interface FaultPolicy {
  readonly name: string
  readonly strict: boolean
  readonly counters: CacheCounters
  engine(): string
}

/** A failed write: values that cannot be stored are reported as such, anything else as an engine fault. */
export function writeFailed(policy: FaultPolicy, error: unknown): void {
  if (!(error instanceof SerializationError)) {
    reportFault(policy.name, policy.engine(), 'write', error, policy.counters, policy.strict)
    return
  }
  policy.counters.errors++
  if (policy.strict) throw error
  warnOnce(WarningCode.serialization, `Cache ${policy.name}: ${error.message}`, `serialization:${policy.name}`)
}

/** A synchronous persistent engine (SQLite, files, or memory at the end of a disk chain). */
export function persistentStore(engine: PersistentEngine, policy: FaultPolicy): SettledStore {
  const unleaseQuietly = (key: unknown, token: string) => {
    try {
      engine.unlease?.(key as string, token)
    } catch {
      // the lease runs out by itself; the write's own fault is the one reported
    }
  }
  const store: SettledStore = {
    read(key) {
      try {
        return engine.get(key as string)
      } catch (error) {
        reportFault(policy.name, engine.name, 'read', error, policy.counters, policy.strict)
        return FAULT
      }
    },
    write(key, entry, unlease) {
      try {
        engine.set(key as string, entry, unlease)
        policy.counters.sets++
      } catch (error) {
        if (unlease !== undefined) unleaseQuietly(key, unlease)
        writeFailed(policy, error)
      }
    },
    replace(key, entry) {
      try {
        engine.set(key as string, entry)
      } catch (error) {
        writeFailed(policy, error)
      }
    },
    remove(key) {
      try {
        return engine.delete(key as string)
      } catch (error) {
        reportFault(policy.name, engine.name, 'delete', error, policy.counters, policy.strict)
        return false
      }
    },
  }
  if (engine.lease) {
    const lease = engine.lease.bind(engine)
    store.lease = (key, token, ms) => {
      try {
        return lease(key as string, token, ms)
      } catch (error) {
        reportFault(policy.name, engine.name, 'take a lease', error, policy.counters, policy.strict)
        return 'none'
      }
    }
    store.unlease = unleaseQuietly
  }
  return store
}

/** An asynchronous engine (a keyv store), resolved on first use by `engineFor` (which may fall back to memory). */
export function asyncStore(engineFor: () => Promise<AsyncEngine>, policy: FaultPolicy): SettledStore {
  return {
    async read(key) {
      const engine = await engineFor()
      try {
        return await engine.get(key as string)
      } catch (error) {
        reportFault(policy.name, engine.name, 'read', error, policy.counters, policy.strict)
        return FAULT
      }
    },
    async write(key, entry, unlease) {
      const engine = await engineFor()
      // Started together, the write and the release go out in one round trip (node-redis sends what was issued in
      // one turn of the event loop as one pipeline), so a leased miss costs one round trip more, not two.
      const released = unlease !== undefined && engine.unlease ? engine.unlease(key as string, unlease).catch(() => undefined) : undefined
      try {
        await engine.set(key as string, entry)
        policy.counters.sets++
      } catch (error) {
        writeFailed(policy, error)
      } finally {
        await released
      }
    },
    async lease(key, token, ms) {
      const engine = await engineFor()
      if (!engine.leases || !engine.lease) return 'none'
      try {
        return await engine.lease(key as string, token, ms)
      } catch (error) {
        reportFault(policy.name, engine.name, 'take a lease', error, policy.counters, policy.strict)
        return 'none'
      }
    },
    async unlease(key, token) {
      const engine = await engineFor()
      try {
        await engine.unlease?.(key as string, token)
      } catch {
        // the lease runs out by itself
      }
    },
    async replace(key, entry) {
      const engine = await engineFor()
      try {
        await engine.set(key as string, entry)
      } catch (error) {
        writeFailed(policy, error)
      }
    },
    async remove(key) {
      const engine = await engineFor()
      try {
        return await engine.delete(key as string)
      } catch (error) {
        reportFault(policy.name, engine.name, 'delete', error, policy.counters, policy.strict)
        return false
      }
    },
  }
}

/** Run `next` on a value that may be a promise, synchronously when it is not. */
export function then<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(value) ? (value as Promise<T>).then(next) : next(value as T)
}
