/**
 * The `.cache` handle every cached function carries: name, engine, stats, clear, delete, has, the store.
 */
import type { CacheStatsSnapshot } from '../report/stats.js'

export type CacheKind = 'mcache' | 'bcache' | 'fcache' | 'acache' | 'ucache'

/** Handle of a synchronous cache (mcache, bcache, fcache). */
export interface CacheHandle<A extends unknown[] = any[]> {
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
}

/** Handle of an asynchronous cache (acache): the same, with promises. */
export interface AsyncCacheHandle<A extends unknown[] = any[]> {
  readonly name: string
  readonly kind: CacheKind
  readonly engine: string
  readonly path: string | undefined
  readonly store: unknown
  stats(): CacheStatsSnapshot
  clear(): Promise<void>
  delete(...args: A): Promise<boolean>
  has(...args: A): Promise<boolean>
}

export type AnyCacheHandle = CacheHandle | AsyncCacheHandle

/** A cached function: the same call signature, plus `.cache`. */
export type Cached<F extends (...args: any[]) => any> = F & { readonly cache: CacheHandle<Parameters<F>> }
/** A function cached by acache. */
export type AsyncCached<F extends (...args: any[]) => any> = F & { readonly cache: AsyncCacheHandle<Parameters<F>> }

/** Give `wrapper` the wrapped function's name and length, and attach its handle. */
export function finishWrapper<F extends Function>(wrapper: Function, fn: Function, handle: AnyCacheHandle): F {
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true })
  Object.defineProperty(wrapper, 'length', { value: fn.length, configurable: true })
  Object.defineProperty(wrapper, 'cache', { value: handle, enumerable: false })
  return wrapper as F
}
