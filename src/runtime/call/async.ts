/**
 * The call paths of acache.
 *
 * Local store: the result promise itself is what is stored, so a hit is one synchronous lookup returning the stored
 * promise (settled or still in flight): no async function, no await, no new promise. A promise that rejects is
 * removed, so a rejection is never cached and every caller that shared it sees it.
 *
 * Shared (keyv) stores: keys are `<version>:<sha-256 of the type-tagged arguments>`, stable across processes;
 * concurrent calls with one key share one in-flight lookup-and-compute; store faults are misses with one warning
 * (or CacheFaultError in strict mode), so the caller's result is never lost.
 */
import { MISS, type AsyncEngine, type MemoryEngine } from '../engines/contract.js'
import { SerializationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import { digest } from '../keys/function-identity.js'
import { memoryKey } from '../keys/encode.js'
import { persistentKey } from './persistent.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'

type KeyFunction = ((...args: any[]) => unknown) | undefined

const FAULT: unique symbol = Symbol('twat-cache.fault')

/** Start a computation and store its promise; a synchronous throw becomes a rejection (and is not cached). */
function start(fn: Function, self: unknown, args: IArguments | unknown[], memory: MemoryEngine, counters: CacheCounters, key: unknown): Promise<unknown> {
  let promise: Promise<unknown>
  try {
    const result = fn.apply(self, args)
    promise = result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
  memory.set(key, promise)
  promise.then(
    () => {
      counters.sets++
    },
    () => {
      if (memory.get(key) === promise) memory.delete(key)
    },
  )
  return promise
}

/** acache on its local store. `memory` holds promises. */
export function memoizeAsyncLocal(fn: Function, memory: MemoryEngine, counters: CacheCounters, keyFn: KeyFunction): Function {
  if (keyFn) {
    return function cachedWithKey(this: unknown) {
      let key: unknown
      try {
        key = memoryKey([keyFn.apply(this, arguments as unknown as unknown[])])
      } catch (error) {
        return Promise.reject(error)
      }
      const value = memory.get(key)
      if (value !== MISS) {
        counters.hits++
        return value
      }
      counters.misses++
      return start(fn, this, arguments, memory, counters, key)
    }
  }
  return function cached(this: unknown) {
    const first = arguments[0]
    let key: unknown
    // Fast path: one number or string argument is its own key (composite keys start with \u0001).
    if (arguments.length === 1 && (typeof first === 'number' || (typeof first === 'string' && first.charCodeAt(0) !== 1))) {
      key = first
    } else {
      try {
        key = memoryKey(arguments)
      } catch (error) {
        return Promise.reject(error)
      }
    }
    const value = memory.get(key)
    if (value !== MISS) {
      counters.hits++
      return value
    }
    counters.misses++
    return start(fn, this, arguments, memory, counters, key)
  }
}

/** The key of a call in a shared store: `<version>:<hash>`, the same in every process. */
export function sharedKey(versionPart: string, keyFn: KeyFunction, self: unknown, args: ArrayLike<unknown>): string {
  return `${versionPart}:${digest(persistentKey(keyFn, self, args), 32)}`
}

/** Where a shared cache's calls go: the keyv engine, or (after a fallback) the local call path. */
export type SharedStore = { readonly engine: AsyncEngine } | { readonly local: Function }

export interface SharedCallOptions {
  readonly name: string
  readonly strict: boolean
  readonly keyFn: KeyFunction
  /** The function version, made key-safe. */
  readonly versionPart: string
}

/** acache on a keyv store, which `resolveStore` opens on the first call. */
export function memoizeAsyncShared(
  fn: Function,
  resolveStore: () => Promise<SharedStore>,
  counters: CacheCounters,
  options: SharedCallOptions,
): Function {
  const { name, strict, keyFn, versionPart } = options
  const inFlight = new Map<string, Promise<unknown>>()

  /** The stored value, MISS, or FAULT when the store failed (the call then skips the write too). */
  async function read(engine: AsyncEngine, key: string): Promise<unknown> {
    try {
      return await engine.get(key)
    } catch (error) {
      reportFault(name, engine.name, 'read', error, counters, strict)
      return FAULT
    }
  }

  async function write(engine: AsyncEngine, key: string, value: unknown): Promise<void> {
    try {
      await engine.set(key, value)
      counters.sets++
    } catch (error) {
      if (!(error instanceof SerializationError)) {
        reportFault(name, engine.name, 'write', error, counters, strict)
        return
      }
      counters.errors++
      if (strict) throw error
      warnOnce(WarningCode.serialization, `Cache ${name}: ${error.message}`, `serialization:${name}`)
    }
  }

  async function lookupOrCompute(self: unknown, args: IArguments, key: string): Promise<unknown> {
    try {
      const store = await resolveStore()
      if ('local' in store) return await store.local.apply(self, args)
      const { engine } = store
      const stored = await read(engine, key)
      if (stored !== MISS && stored !== FAULT) {
        counters.hits++
        return stored
      }
      counters.misses++
      const value = await fn.apply(self, args)
      // Awaited (bounded by the engine): once a call resolves, other processes can see its entry.
      if (stored !== FAULT) await write(engine, key, value)
      return value
    } finally {
      inFlight.delete(key)
    }
  }

  return function cachedShared(this: unknown) {
    let key: string
    try {
      key = sharedKey(versionPart, keyFn, this, arguments)
    } catch (error) {
      return Promise.reject(error)
    }
    const pending = inFlight.get(key)
    if (pending) {
      counters.hits++
      return pending
    }
    const promise = lookupOrCompute(this, arguments, key)
    inFlight.set(key, promise)
    return promise
  }
}
