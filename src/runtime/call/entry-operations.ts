/**
 * The `.cache` handle's operations on one entry — `peek`, `expire`, `refresh` — and `warm`, written once over what
 * each call composition gives ({@link EntryAccess}: settled stores, memory entries, plain memory results; see
 * entry-access.ts). Arguments are keyed by the cache's own key stage with the handle's `this`, as `has` and
 * `delete` are, so an operation reaches exactly the entry a call made.
 *
 * - `peek` computes nothing and counts nothing (no hit, no miss); like a call it respects tags and invalidations.
 *   It is a read: memory and SQLite engines count it as a use for their eviction order.
 * - `expire` makes the entry stale now: served under staleWhileRevalidate while one refresh runs (and under
 *   staleIfError when a recomputation fails), else gone at once.
 * - `refresh` computes now, stores and returns the result; a refresh is not a call (no hit, no miss; the store
 *   counts the set). A failed refresh leaves the entry as it was and gives the error to the caller.
 * - `warm` refreshes every argument list that has no fresh entry, a few at a time.
 */
import { isBypass, type KeyStage } from '../keys/call-key.js'
import type { Unkeyable } from '../keys/unkeyable.js'
import { isThenable } from '../platform/thenable.js'
import { ValidationError, describeValue } from '../report/errors.js'
import type { Freshness } from './freshness.js'

/** What `peek` says of an entry: fresh, or stale (past its ttl, kept for staleWhileRevalidate or staleIfError). */
export type PeekStatus = 'fresh' | 'stale'

/** What `.cache.peek(...args)` finds: the value a call would return now, and whether it is fresh. */
export interface CachePeek<R> {
  readonly value: R
  readonly status: PeekStatus
}

export interface WarmOptions {
  /** How many computations run at once (for functions that return promises). @default 4 */
  readonly concurrency?: number
}

/** What `.cache.warm()` did: argument lists computed and stored, already fresh (not computed), and failed. */
export interface WarmReport {
  readonly computed: number
  readonly skipped: number
  readonly failed: number
}

export const DEFAULT_WARM_CONCURRENCY = 4

/** An entry as a composition hands it to the handle: what a call would answer, and what it is worth now. */
export interface Peeked {
  readonly value: unknown
  readonly worth: Freshness
}

/** What a composition provides for the entry operations, on keys its key stage made. */
export interface EntryAccess {
  /** The entry of `key` as a call would answer it now, counting nothing; undefined when there is none (or it is gone). */
  peek(key: unknown, args: ArrayLike<unknown>): Peeked | undefined | Promise<Peeked | undefined>
  /** Make the entry of `key` stale now (or remove it when it has no window to be served in); whether it was there. */
  expire(key: unknown): boolean | Promise<boolean>
  /** Compute with (`self`, `args`), store under `key` and return what a call returns. */
  refresh(self: unknown, args: ArrayLike<unknown>, key: unknown): unknown
  /** Arguments that cannot be keyed: run uncached, as a call would. */
  bypass(self: unknown, args: ArrayLike<unknown>, unkeyable: Unkeyable): unknown
}

/** The entry operations of a HandleSource, on (this, arguments). */
export interface EntryOperations {
  peek(self: unknown, args: ArrayLike<unknown>): CachePeek<unknown> | undefined | Promise<CachePeek<unknown> | undefined>
  expire(self: unknown, args: ArrayLike<unknown>): boolean | Promise<boolean>
  refresh(self: unknown, args: ArrayLike<unknown>): unknown
  warm(self: unknown, argsList: unknown, options: unknown): Promise<WarmReport>
}

const STATUS: Readonly<Record<Freshness, PeekStatus | undefined>> = {
  fresh: 'fresh',
  ahead: 'fresh',
  stale: 'stale',
  'error-only': 'stale',
  gone: undefined,
}

/** Run `next` on a value that may be a promise, synchronously when it is not. */
function then<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(value) ? (value as Promise<T>).then(next) : next(value as T)
}

/** `run()`, as a promise for asynchronous handles (a throw becoming a rejection). */
function answer<T>(async: boolean, run: () => T | Promise<T>): T | Promise<T> {
  if (!async) return run()
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * The argument lists and concurrency `warm` was given, checked. Throws ValidationError naming the value and the fix.
 */
export function warmArguments(argsList: unknown, options: unknown): { lists: unknown[][]; concurrency: number } {
  const iterable =
    argsList !== null && typeof argsList === 'object' && typeof (argsList as Iterable<unknown>)[Symbol.iterator] === 'function'
  if (!iterable) {
    throw new ValidationError(
      'warm(argsList)',
      argsList,
      'expected an array (or iterable) of argument lists, e.g. f.cache.warm([[1], [2]]) for f(1) and f(2)',
    )
  }
  const lists = Array.from(argsList as Iterable<unknown>)
  lists.forEach((args, i) => {
    if (!Array.isArray(args)) {
      throw new ValidationError(
        `warm(argsList)[${i}]`,
        args,
        `expected the arguments of one call as an array: f.cache.warm([[${describeValue(args)}]]) warms f(${describeValue(args)})`,
      )
    }
  })
  let concurrency = DEFAULT_WARM_CONCURRENCY
  if (options !== undefined) {
    if (options === null || typeof options !== 'object')
      throw new ValidationError('warm options', options, 'expected { concurrency } or nothing')
    for (const name of Object.keys(options)) {
      if (name !== 'concurrency')
        throw new ValidationError(
          `warm options.${name}`,
          (options as Record<string, unknown>)[name],
          'unknown option: warm takes { concurrency }',
        )
    }
    const given = (options as WarmOptions).concurrency
    if (given !== undefined) {
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
        throw new ValidationError(
          'warm concurrency',
          given,
          `expected a whole number ≥ 1: how many computations run at once (default ${DEFAULT_WARM_CONCURRENCY})`,
        )
      }
      concurrency = given
    }
  }
  return { lists: lists as unknown[][], concurrency }
}

/**
 * Run `task` on every item, at most `concurrency` at a time, never stopping for a failure (each task reports its
 * own). Hand-written: ten lines, where a pool package would be a dependency of every program's runtime.
 */
async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await task(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

/** `peek`, `expire`, `refresh` and `warm` of a handle, from a composition's entry access and its key stage. */
export function entryOperations(keys: KeyStage, access: EntryAccess, async: boolean): EntryOperations {
  /** What peek hands out: asynchronous handles answer with the settled value (undefined if it rejects). */
  const view = (found: Peeked | undefined): CachePeek<unknown> | undefined | Promise<CachePeek<unknown> | undefined> => {
    const status = found && STATUS[found.worth]
    if (!found || !status) return undefined
    if (async && isThenable(found.value))
      return (found.value as Promise<unknown>).then(
        (value) => ({ value, status }),
        () => undefined,
      )
    return { value: found.value, status }
  }

  const peek = (self: unknown, args: ArrayLike<unknown>) =>
    answer(async, () => {
      const key = keys.keyOf(self, args)
      return isBypass(key) ? undefined : then(access.peek(key, args), view)
    })

  const refresh = (self: unknown, args: ArrayLike<unknown>) =>
    answer(async, () => {
      const key = keys.keyOf(self, args)
      return isBypass(key) ? access.bypass(self, args, key) : access.refresh(self, args, key)
    })

  return {
    peek,
    refresh,
    expire: (self, args) =>
      answer(async, () => {
        const key = keys.keyOf(self, args)
        return isBypass(key) ? false : access.expire(key)
      }),
    async warm(self, argsList, options) {
      const { lists, concurrency } = warmArguments(argsList, options)
      let computed = 0
      let skipped = 0
      let failed = 0
      await eachLimited(lists, concurrency, async (args) => {
        try {
          const key = keys.keyOf(self, args)
          // Arguments that cannot be keyed cannot be stored: warming them fails (a call would run uncached).
          if (isBypass(key)) {
            failed++
            return
          }
          const found = await access.peek(key, args)
          if (found !== undefined && STATUS[found.worth] === 'fresh') {
            skipped++
            return
          }
          await access.refresh(self, args, key)
          computed++
        } catch {
          failed++
        }
      })
      return { computed, skipped, failed }
    },
  }
}
