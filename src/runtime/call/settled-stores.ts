/**
 * The lookup and store stages of caches that keep settled values (persistent and shared engines): reads and
 * writes with engine faults turned into misses and one warning (or a CacheFaultError in strict mode), and results
 * that cannot be stored returned to the caller and reported once (or a SerializationError in strict mode). A cache
 * fault never costs the caller its result.
 */
import type { MISS, AsyncEngine, PersistentEngine, StoredEntry } from '../engines/contract.js'
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

/** Where a cache keeps settled values. Sync engines answer at once; async engines with promises. */
export interface SettledStore {
  read(key: unknown): ReadResult | Promise<ReadResult>
  /** Store a settled entry. Settles when stored. */
  write(key: unknown, entry: StoredEntry): void | Promise<void>
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
  return {
    read(key) {
      try {
        return engine.get(key as string)
      } catch (error) {
        reportFault(policy.name, engine.name, 'read', error, policy.counters, policy.strict)
        return FAULT
      }
    },
    write(key, entry) {
      try {
        engine.set(key as string, entry)
        policy.counters.sets++
      } catch (error) {
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
    async write(key, entry) {
      const engine = await engineFor()
      try {
        await engine.set(key as string, entry)
        policy.counters.sets++
      } catch (error) {
        writeFailed(policy, error)
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
