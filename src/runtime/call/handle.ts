/**
 * The `.cache` handle every cached function carries, built by one factory ({@link createHandle}) for every cache,
 * for methods, for the disabled wrapper and for openCache. Its `has`, `delete`, `peek`, `expire` and `refresh` key
 * their arguments with the cache's own key stage and the same `this` as a call (`bind(self)` gives a handle for one
 * instance), so they reach exactly the entry a call made (the entry operations: entry-operations.ts).
 */
import { isBypass, type KeyStage } from '../keys/call-key.js'
import type { CacheCounters, CacheStatsSnapshot } from '../report/stats.js'
import { audit } from '../report/audit.js'
import type { CachePeek, EntryOperations, WarmOptions, WarmReport } from './entry-operations.js'

export type { CachePeek, PeekStatus, WarmOptions, WarmReport } from './entry-operations.js'

export type CacheKind = 'mcache' | 'bcache' | 'fcache' | 'acache' | 'ucache'

/**
 * Handle of a synchronous cache (mcache, bcache, fcache).
 * @typeParam A - the cached function's parameters: `has` and `delete` take the same arguments as a call.
 * @typeParam R - the cached function's result.
 */
export interface CacheHandle<A extends unknown[] = any[], R = unknown> {
  /** The cache's name (the function id for persistent caches). */
  readonly name: string
  /** Which cache built it. */
  readonly kind: CacheKind
  /** The engine that actually runs (after any fallback), e.g. 'lru-cache', 'better-sqlite3', 'file', 'map'. */
  readonly engine: string
  /** Folder or database file of a persistent cache. */
  readonly path: string | undefined
  /** The underlying store (LRUCache, Map, better-sqlite3 Database, keyv instance…), for direct access. */
  readonly store: unknown
  stats(): CacheStatsSnapshot
  /** Remove every entry of this cache (and reset its counters). */
  clear(): void
  /** Remove the entry for these arguments; true when there was one. */
  delete(...args: A): boolean
  /** Whether there is a live entry for these arguments. */
  has(...args: A): boolean
  /**
   * Make the entry for these arguments stale now: with `staleWhileRevalidate` the next call gets it at once while
   * one refresh runs; without, the next call computes. True when there was a live entry.
   */
  expire(...args: A): boolean
  /** Compute the result for these arguments now, store it and return it (the entry there stays if this fails). */
  refresh(...args: A): R
  /**
   * The value a call with these arguments would return now, and whether it is fresh or stale; undefined when
   * there is no live entry. Computes nothing and counts nothing (tags and invalidations apply, as for a call).
   */
  peek(...args: A): CachePeek<R> | undefined
  /**
   * Fill the cache ahead of use: compute and store every argument list that has no fresh entry, at most
   * `concurrency` (default 4) at a time; a failure does not stop the others.
   * @example await price.cache.warm([['sku-1'], ['sku-2']], { concurrency: 8 }) // { computed: 2, skipped: 0, failed: 0 }
   */
  warm(argsList: Iterable<Readonly<A>>, options?: WarmOptions): Promise<WarmReport>
  /**
   * This handle as seen from `self`: `has`/`delete` key their arguments with `this` = `self`, as a call of
   * `self.method(…)` does (a `key` option that reads `this`, or a method's per-instance memory cache).
   * @example Reports.prototype.build.cache.bind(reports).delete('2024')
   */
  bind(self: unknown): CacheHandle<A, R>
}

/** Handle of an asynchronous cache (acache): the same, with promises, and `close()`. */
export interface AsyncCacheHandle<A extends unknown[] = any[], R = unknown> {
  readonly name: string
  readonly kind: CacheKind
  readonly engine: string
  readonly path: string | undefined
  readonly store: unknown
  stats(): CacheStatsSnapshot
  clear(): Promise<void>
  delete(...args: A): Promise<boolean>
  has(...args: A): Promise<boolean>
  expire(...args: A): Promise<boolean>
  refresh(...args: A): Promise<R>
  peek(...args: A): Promise<CachePeek<R> | undefined>
  warm(argsList: Iterable<Readonly<A>>, options?: WarmOptions): Promise<WarmReport>
  bind(self: unknown): AsyncCacheHandle<A, R>
  /**
   * Release the connection this cache opened (Redis, memcached; closed when the last cache using it is closed).
   * Idle connections never keep a process alive, so this is for tests and graceful shutdowns. A later call reconnects.
   */
  close(): Promise<void>
}

export type AnyCacheHandle = CacheHandle | AsyncCacheHandle

/**
 * What a handle is built from: the cache's identity, counters, and its operations on (this, arguments). The entry
 * operations (peek, expire, refresh, warm) are there for every cached function (openCache's internal handle has
 * none).
 */
export interface HandleSource extends Partial<EntryOperations> {
  readonly name: string
  readonly kind: CacheKind
  readonly counters: CacheCounters
  engine(): string
  path(): string | undefined
  store(): unknown
  size(): number
  has(self: unknown, args: ArrayLike<unknown>): boolean | Promise<boolean>
  delete(self: unknown, args: ArrayLike<unknown>): boolean | Promise<boolean>
  clear(): void | Promise<void>
  /** For asynchronous handles. */
  close?(): Promise<void>
  /** A handle for one `this`, when it is not just the same operations with `self` (per-instance caches). */
  bound?(self: unknown): AnyCacheHandle
  /** Statistics, when they are not this source's counters (per-instance caches sum theirs). */
  stats?(): CacheStatsSnapshot
}

/** Operations on keys, and the key stage that turns (this, arguments) into them: the common HandleSource shape. */
export interface KeyedOperations {
  has(key: unknown): boolean | Promise<boolean>
  delete(key: unknown): boolean | Promise<boolean>
}

/**
 * `has`/`delete` of a HandleSource from key operations and the cache's key stage. Arguments that cannot be keyed
 * have no entry: both answer false (in strict mode the key stage throws CacheKeyError, as a call would).
 */
export function keyedOperations(keys: KeyStage, operations: KeyedOperations, async: boolean): Pick<HandleSource, 'has' | 'delete'> {
  const run = (operation: (key: unknown) => boolean | Promise<boolean>, self: unknown, args: ArrayLike<unknown>) => {
    const key = keys.keyOf(self, args)
    return isBypass(key) ? false : operation(key)
  }
  const keyed =
    (operation: (key: unknown) => boolean | Promise<boolean>) =>
    (self: unknown, args: ArrayLike<unknown>): boolean | Promise<boolean> => {
      if (!async) return run(operation, self, args)
      try {
        return Promise.resolve(run(operation, self, args))
      } catch (error) {
        return Promise.reject(error)
      }
    }
  return { has: keyed((key) => operations.has(key)), delete: keyed((key) => operations.delete(key)) }
}

/** The one handle factory. `async` handles answer with promises (acache). */
export function createHandle(source: HandleSource, async: boolean, self?: unknown): AnyCacheHandle {
  const handle = {
    name: source.name,
    kind: source.kind,
    get engine() {
      return source.engine()
    },
    get path() {
      return source.path()
    },
    get store() {
      return source.store()
    },
    stats: () => (source.stats ? source.stats() : source.counters.snapshot(source.name, source.engine(), source.size())),
    clear() {
      audit('clear', source.name, 'clear() on the cache handle')
      const cleared = source.clear()
      if (!async) {
        source.counters.reset()
        return undefined
      }
      return Promise.resolve(cleared).then(() => source.counters.reset())
    },
    delete: (...args: unknown[]) => source.delete(self, args),
    has: (...args: unknown[]) => source.has(self, args),
    ...(source.expire ? entryMethods(source as HandleSource & EntryOperations, self) : {}),
    bind: (other: unknown) => (source.bound ? source.bound(other) : createHandle(source, async, other)),
    ...(async ? { close: () => source.close?.() ?? Promise.resolve() } : {}),
  }
  return handle as unknown as AnyCacheHandle
}

/** The handle's entry operations, for `this` = `self`. */
function entryMethods(source: EntryOperations, self: unknown) {
  return {
    expire: (...args: unknown[]) => source.expire(self, args),
    refresh: (...args: unknown[]) => source.refresh(self, args),
    peek: (...args: unknown[]) => source.peek(self, args),
    warm: (argsList: unknown, options?: unknown) => source.warm(self, argsList, options),
  }
}

/** Give `wrapper` the wrapped function's name and length, and attach its handle. */
export function finishWrapper<F extends Function>(wrapper: Function, fn: Function, handle: AnyCacheHandle): F {
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true })
  Object.defineProperty(wrapper, 'length', { value: fn.length, configurable: true })
  Object.defineProperty(wrapper, 'cache', { value: handle, enumerable: false })
  return wrapper as F
}
