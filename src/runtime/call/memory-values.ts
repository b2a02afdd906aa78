/**
 * What a memory cache stores for a result and what a hit hands out. By default both are the result itself, and
 * the compositions skip this stage entirely (the fast paths never see it). Two variants, chosen when the cache is
 * created:
 *
 * - `clone: true` stores a structured copy of the first result and hands every hit a copy of that, so a caller
 *   that changes what it got changes nobody else's answer. A result a copy would not reproduce (a function, a
 *   class instance, a Buffer) is returned but not cached, reported once like a result a disk cache cannot store.
 * - `TWAT_CACHE_CHECK=1` stores the result itself with a fingerprint, and checks the fingerprint on every hit: a
 *   result some caller changed is reported once (TWAT_CACHE_MUTATED), dropped, and computed again.
 *
 * The fingerprint is a hash of the result's type-tagged key encoding (keys/encode.ts), not a structured copy
 * compared deeply: the encoding already reads every kind of value the keys read (objects, arrays, Maps, Sets,
 * Dates, typed arrays, URLs, Errors…), it costs one string per store and per hit instead of a second copy of
 * every cached value held for the cache's life, and the hash (53 bits, platform/text-hash.ts) keeps one number per
 * entry; a change is missed only when its hash collides, about once in 9·10^15. A result the
 * encoding cannot read (functions, cycles, hidden state) is not checked; changes that only reorder the entries of
 * a Map, a Set or an object's properties are not seen (the encoding sorts them).
 */
import { assertClonable } from '../engines/disk/storable.js'
import { encodeArguments } from '../keys/encode.js'
import { textHash } from '../platform/text-hash.js'
import { isThenable } from '../platform/thenable.js'
import { SerializationError, describeValue } from '../report/errors.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { writeFailed } from './settled-stores.js'

/** `keep`'s answer for a result that is returned but not stored. */
export const NOT_KEPT: unique symbol = Symbol('twat-cache.not-kept')
/** `hand`'s answer for a stored result that a caller changed: drop the entry and compute again. */
export const CHANGED: unique symbol = Symbol('twat-cache.changed')

export interface MemoryValues {
  /**
   * What to store for a fresh result (the caller gets the result itself), or NOT_KEPT. `forget` removes the entry
   * again, for a promise whose settled value turns out not to be keepable.
   */
  keep(result: unknown, forget: () => void): unknown
  /** What a hit returns for `stored`, or CHANGED. `args` are the call's, for the report. */
  hand(stored: unknown, args: ArrayLike<unknown>): unknown
}

/** Who reports: the cache's name, counters, strict or not. */
export interface ValuesPolicy {
  readonly name: string
  readonly counters: CacheCounters
  readonly strict: boolean
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null

/** A structured copy that is the same kind of value as `value`. @throws SerializationError */
function faithfulCopy(value: unknown): unknown {
  if (!isObject(value)) return value
  assertClonable(value)
  try {
    return structuredClone(value)
  } catch (error) {
    // What the walk lets through but structuredClone refuses (a Proxy, a host object in a plain object).
    throw new SerializationError(
      `the result cannot be cloned for clone: true (${error instanceof Error ? error.message : String(error)}). It was returned but not cached`,
      { cause: error },
    )
  }
}

/** A faithful copy of `value`, or `value` itself when it has none (then it is shared, as without clone). */
export function copyOrSame(value: unknown): unknown {
  try {
    return faithfulCopy(value)
  } catch {
    return value
  }
}

/** `clone: true`. */
export function cloningValues(policy: ValuesPolicy): MemoryValues {
  const failure = { ...policy, engine: () => 'memory' }
  /** Settled values of promises that could not be copied: their in-flight hits get them as they are. */
  const uncopied = new WeakSet<object>()
  const copyOnHit = (value: unknown): unknown => (isObject(value) && !uncopied.has(value) ? structuredClone(value) : value)
  return {
    keep(result, forget) {
      if (!isThenable(result)) {
        try {
          return faithfulCopy(result)
        } catch (error) {
          writeFailed(failure, error)
          return NOT_KEPT
        }
      }
      return Promise.resolve(result).then((value) => {
        try {
          return faithfulCopy(value)
        } catch (error) {
          forget()
          if (isObject(value)) uncopied.add(value)
          writeFailed(failure, error)
          return value
        }
      })
    },
    hand: (stored) => (isThenable(stored) ? (stored as Promise<unknown>).then(copyOnHit) : copyOnHit(stored)),
  }
}

/** The fingerprint of a value, or undefined when the key encoding cannot read it (then it is not checked). */
function fingerprint(value: unknown): number | undefined {
  if (!isObject(value)) return undefined
  try {
    return textHash(encodeArguments([value]))
  } catch {
    return undefined
  }
}

/** "(1, {"a":1})", shortened. */
function summary(args: ArrayLike<unknown>): string {
  const text = Array.from(args, describeValue).join(', ')
  return `(${text.length > 120 ? `${text.slice(0, 117)}...` : text})`
}

/** `TWAT_CACHE_CHECK=1`. */
export function checkedValues(policy: ValuesPolicy): MemoryValues {
  /** Stored result (or the promise stored for it) → the value it stands for and that value's fingerprint. */
  const prints = new WeakMap<object, { readonly value: unknown; readonly print: number }>()
  const record = (stored: object, value: unknown) => {
    const print = fingerprint(value)
    if (print !== undefined) prints.set(stored, { value, print })
  }
  return {
    keep(result) {
      if (isThenable(result)) {
        result.then(
          (value) => record(result, value),
          () => undefined,
        )
      } else if (isObject(result)) {
        record(result, result)
      }
      return result
    },
    hand(stored, args) {
      if (!isObject(stored)) return stored
      const found = prints.get(stored)
      if (found === undefined || fingerprint(found.value) === found.print) return stored
      prints.delete(stored)
      warnOnce(
        WarningCode.mutated,
        `Cache ${policy.name}: the cached result of the call ${summary(args)} was changed after the cache handed it ` +
          'out, so every later hit would have returned the changed value. The entry was dropped and the call ' +
          'computed again. Copy a cached result before changing it, or pass clone: true.',
        `mutated:${policy.name}`,
      )
      return CHANGED
    },
  }
}
