/**
 * `acache`: cache for async functions, local or shared. Engines: a keyv 5 store when one is configured (`store`,
 * `url`, `backend`, or preferredEngine 'keyv') · the local store `memory-async` (the memory chain, always there).
 *
 * acache is for functions that return promises. A function that returns a plain value still gets a promise back
 * (and a synchronous throw becomes a rejection): every call of an acache'd function returns a promise.
 */
import { defineCacheFunction, type CacheKindDefinition } from '../api/define.js'
import type { CacheConfig, CacheOptions, EngineName } from '../options/config.js'
import type { AsyncEngine } from '../engines/contract.js'
import { keyPart } from '../engines/async/keyv/engine.js'
import { openKeyvEngine } from '../engines/async/keyv/connections.js'
import { keyvEngineName, resolveKeyvTarget, type KeyvTarget } from '../engines/async/keyv/target.js'
import { createMemoryAsyncEngine, type MemoryAsyncEngine } from '../engines/async/memory-async.js'
import { cachingDisabled } from '../options/environment.js'
import { ValidationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import { finishWrapper, type AsyncCacheHandle } from '../call/handle.js'
import { identify } from '../keys/function-identity.js'
import { memoryKey } from '../keys/encode.js'
import { memoizeAsyncLocal, memoizeAsyncShared, sharedKey, type SharedStore } from '../call/async.js'
import { registerCache } from '../api/registry.js'
import { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'

type AnyFunction = (...args: any[]) => any

/** The handle of an acache'd function: AsyncCacheHandle plus `close()`. */
export interface AcacheHandle<A extends unknown[] = any[]> extends AsyncCacheHandle<A> {
  /**
   * Release the connection this cache opened (Redis, memcached; closed when the last cache using it is closed).
   * Idle connections never keep a process alive, so this is for tests and graceful shutdowns. A later call reconnects.
   */
  close(): Promise<void>
}

/** What an acache'd function returns: always a promise. */
export type AsyncResult<F extends AnyFunction> =
  ReturnType<F> extends PromiseLike<unknown> ? F : (this: ThisParameterType<F>, ...args: Parameters<F>) => Promise<ReturnType<F>>

/** A function cached by acache. */
export type AcacheCached<F extends AnyFunction> = AsyncResult<F> & { readonly cache: AcacheHandle<Parameters<F>> }

/** `acache(fn, options?)`, `acache(options?)(fn)` and `@acache(options?)` on a method. */
export interface AsyncCacheFunction {
  <F extends AnyFunction>(fn: F, options?: CacheOptions): AcacheCached<F>
  (options?: CacheOptions): <F extends AnyFunction>(fn: F, context?: ClassMethodDecoratorContext) => AcacheCached<F>
}

const DISK_ENGINES: readonly EngineName[] = ['better-sqlite3', 'node:sqlite', 'file']

function checkEngine(config: CacheConfig): void {
  if (config.preferredEngine && DISK_ENGINES.includes(config.preferredEngine)) {
    throw new ValidationError(
      'preferredEngine',
      config.preferredEngine,
      'acache runs on keyv stores or in memory (keyv, memory-async, lru-cache, lfu, rr, mru, map); for a disk cache ' +
        'use bcache, or pass store: a keyv SQLite adapter',
    )
  }
}

function cacheName(fn: AnyFunction, config: CacheConfig): string {
  return config.name ?? (fn.name || 'anonymous')
}

/** TWAT_CACHE_DISABLE=1: call through, still returning promises. */
function wrapDisabled(fn: AnyFunction, config: CacheConfig): AnyFunction {
  const counters = new CacheCounters()
  const name = cacheName(fn, config)
  const handle: AcacheHandle = {
    name,
    kind: 'acache',
    engine: 'disabled',
    path: undefined,
    store: undefined,
    stats: () => counters.snapshot(name, 'disabled', 0),
    clear: async () => counters.reset(),
    delete: async () => false,
    has: async () => false,
    close: async () => {},
  }
  function uncached(this: unknown) {
    counters.misses++
    try {
      return Promise.resolve(fn.apply(this, arguments as unknown as unknown[]))
    } catch (error) {
      return Promise.reject(error)
    }
  }
  return finishWrapper(uncached, fn, handle)
}

/** The local store: promises kept in the memory chain. */
function wrapLocal(fn: AnyFunction, config: CacheConfig, register: boolean): AnyFunction {
  const counters = new CacheCounters()
  const engine = createMemoryAsyncEngine(config, { counters, clock: config.clock })
  const { memory } = engine
  const name = cacheName(fn, config)
  const keyFn = config.key
  const keyOf = (args: unknown[]) => memoryKey(keyFn ? [keyFn.apply(undefined, args)] : args)
  const handle: AcacheHandle = {
    name,
    kind: 'acache',
    engine: engine.name,
    path: undefined,
    store: engine.store,
    stats: () => counters.snapshot(name, engine.name, memory.size()),
    async clear() {
      memory.clear()
      counters.reset()
    },
    delete: async (...args) => memory.delete(keyOf(args)),
    has: async (...args) => memory.has(keyOf(args)),
    close: async () => {},
  }
  if (register) registerCache(handle)
  return finishWrapper(memoizeAsyncLocal(fn, memory, counters, keyFn), fn, handle)
}

function packagesFor(target: KeyvTarget, missing: string): string {
  if (target.kind === 'redis') return 'keyv @keyv/redis'
  if (target.kind === 'memcache') return 'keyv @keyv/memcache'
  return missing
}

/** A keyv store, opened on the first call (or the first handle operation). */
function wrapShared(fn: AnyFunction, config: CacheConfig, register: boolean, target: KeyvTarget): AnyFunction {
  const counters = new CacheCounters()
  const name = cacheName(fn, config)
  const { id, version } = identify(fn, config.name, config.version)
  const versionPart = keyPart(version)
  const keyFn = config.key
  const intended = keyvEngineName(target)
  let engine: AsyncEngine | undefined
  let opening: Promise<SharedStore> | undefined
  let local: { readonly engine: MemoryAsyncEngine; readonly call: Function } | undefined

  function fallBack(message: string, dedupeKey: string): SharedStore {
    warnOnce(WarningCode.fallback, message, dedupeKey)
    const memoryEngine = createMemoryAsyncEngine(config, { counters, clock: config.clock })
    local = { engine: memoryEngine, call: memoizeAsyncLocal(fn, memoryEngine.memory, counters, keyFn) }
    return { local: local.call }
  }

  async function open(): Promise<SharedStore> {
    try {
      const result = await openKeyvEngine(target, { id, ttlMs: config.ttlMs }, { counters, clock: config.clock })
      if ('missing' in result) {
        return fallBack(
          `${result.missing} could not be loaded (${result.error.message.split('\n')[0]}); acache uses its local memory ` +
            `store (memory-async) instead of ${intended}. Install it to use the shared store: npm install ${packagesFor(target, result.missing)}`,
          `fallback:${result.missing}`,
        )
      }
      engine = result.engine
      return { engine }
    } catch (error) {
      // A store that cannot even be set up (a malformed URL…) will not get better: report it, run locally.
      reportFault(name, intended, 'open its store', error, counters, config.strict)
      return fallBack(`acache ${name}: ${intended} could not be opened; it uses its local memory store (memory-async)`, `fallback:open:${name}`)
    } finally {
      opening = undefined
    }
  }

  function resolveStore(): Promise<SharedStore> {
    if (local) return Promise.resolve({ local: local.call })
    if (engine) return Promise.resolve({ engine })
    return (opening ??= open())
  }

  /** Run a handle operation on the store; faults follow the same rule as calls (a warning, or strict). */
  async function onStore<T>(operation: string, remote: (engine: AsyncEngine) => Promise<T>, onLocal: (engine: MemoryAsyncEngine) => T, failed: T): Promise<T> {
    const store = await resolveStore()
    if ('local' in store) return onLocal(local!.engine)
    try {
      return await remote(store.engine)
    } catch (error) {
      reportFault(name, store.engine.name, operation, error, counters, config.strict)
      return failed
    }
  }
  const localKey = (args: unknown[]) => memoryKey(keyFn ? [keyFn.apply(undefined, args)] : args)

  const handle: AcacheHandle = {
    name,
    kind: 'acache',
    get engine() {
      return local ? local.engine.name : (engine?.name ?? intended)
    },
    path: undefined,
    get store() {
      return local ? local.engine.store : (engine?.store ?? config.store)
    },
    stats: () => counters.snapshot(name, handle.engine, local ? local.engine.size() : (engine?.size() ?? 0)),
    async clear() {
      await onStore('clear', (e) => e.clear(), (l) => l.memory.clear(), undefined)
      counters.reset()
    },
    async delete(...args) {
      const key = sharedKey(versionPart, keyFn, undefined, args)
      return onStore('delete', (e) => e.delete(key), (l) => l.memory.delete(localKey(args)), false)
    },
    async has(...args) {
      const key = sharedKey(versionPart, keyFn, undefined, args)
      return onStore('read', (e) => e.has(key), (l) => l.memory.has(localKey(args)), false)
    },
    async close() {
      const current = engine
      engine = undefined
      await current?.close?.()
    },
  }
  if (register) registerCache(handle)

  const sharedCall = memoizeAsyncShared(fn, resolveStore, counters, { name, strict: config.strict, keyFn, versionPart })
  function cachedAsync(this: unknown) {
    return (local ? local.call : sharedCall).apply(this, arguments)
  }
  return finishWrapper(cachedAsync, fn, handle)
}

function wrapAcache(fn: AnyFunction, config: CacheConfig, register: boolean): AnyFunction {
  checkEngine(config)
  const target = resolveKeyvTarget(config)
  if (cachingDisabled()) return wrapDisabled(fn, config)
  return target ? wrapShared(fn, config, register, target) : wrapLocal(fn, config, register)
}

const definition: CacheKindDefinition = {
  kind: 'acache',
  wrap: wrapAcache,
  // The local store is per instance, like mcache; a shared store is one cache for all instances.
  perInstance: (config) => resolveKeyvTarget(config) === undefined,
}

/**
 * Cache an async function's results, in process (default) or in a shared keyv store (Redis, memcached…).
 * @example const user = acache(fetchUser, { ttl: '30s' })
 * @example const user = acache(fetchUser, { url: 'redis://127.0.0.1:6379', ttl: '10m' })
 * @example class Users { @acache({ backend: 'redis' }) async byId(id: string) {…} }
 */
export const acache: AsyncCacheFunction = defineCacheFunction<AcacheHandle>(definition) as unknown as AsyncCacheFunction
