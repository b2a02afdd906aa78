/**
 * The call path of persistent caches (bcache, fcache): type-tagged keys, engine faults turned into misses, values
 * that cannot be stored returned but not cached, and promise results stored once resolved (concurrent calls with the
 * same key share one in-flight promise; a rejection is never stored).
 */
import { MISS, type PersistentEngine, type StoredEntry } from '../engines/contract.js'
import { SerializationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import { encodeArguments } from '../keys/encode.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { isThenable } from '../platform/thenable.js'

export interface PersistentCallOptions {
  readonly name: string
  readonly strict: boolean
  readonly keyFn: ((...args: any[]) => unknown) | undefined
}

/** The persistent key of a call: the key function's result, or the arguments, as type-tagged text. */
export function persistentKey(keyFn: PersistentCallOptions['keyFn'], self: unknown, args: ArrayLike<unknown>): string {
  return keyFn ? encodeArguments([keyFn.apply(self, args as unknown[])]) : encodeArguments(args)
}

export function memoizePersistent(fn: Function, engine: PersistentEngine, counters: CacheCounters, options: PersistentCallOptions): Function {
  const { name, strict, keyFn } = options
  const inFlight = new Map<string, Promise<unknown>>()

  function read(key: string): StoredEntry | typeof MISS {
    try {
      return engine.get(key)
    } catch (error) {
      reportFault(name, engine.name, 'read', error, counters, strict)
      return MISS
    }
  }

  function write(key: string, value: unknown, promise: boolean): void {
    try {
      engine.set(key, value, promise)
      counters.sets++
    } catch (error) {
      if (error instanceof SerializationError) {
        counters.errors++
        if (strict) throw error
        warnOnce(WarningCode.serialization, `Cache ${name}: ${error.message}`, `serialization:${name}`)
      } else {
        reportFault(name, engine.name, 'write', error, counters, strict)
      }
    }
  }

  return function cached(this: unknown) {
    const key = persistentKey(keyFn, this, arguments)
    const entry = read(key)
    if (entry !== MISS) {
      counters.hits++
      return entry.promise ? Promise.resolve(entry.value) : entry.value
    }
    const pending = inFlight.get(key)
    if (pending) {
      counters.hits++
      return pending
    }
    counters.misses++
    const result = fn.apply(this, arguments)
    if (!isThenable(result)) {
      write(key, result, false)
      return result
    }
    const shared = Promise.resolve(result).then(
      (value) => {
        inFlight.delete(key)
        write(key, value, true)
        return value
      },
      (error: unknown) => {
        inFlight.delete(key)
        throw error
      },
    )
    inFlight.set(key, shared)
    return shared
  }
}
