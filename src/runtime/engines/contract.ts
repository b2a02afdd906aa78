/**
 * The engine contracts. Every engine of a kind implements the same interface and passes the same shared test
 * suite (test/support/engine-contract.ts), so caches can swap engines along their fallback chain.
 */
import type { Codec } from './disk/codec.js'
import type { Clock } from '../platform/clock.js'
import type { CacheCounters } from '../report/stats.js'
import type { TagVerdict } from '../tags/registry.js'

export type { TagVerdict }

/** Returned by `get` when there is no entry (since `undefined` is a value that can be cached). */
export const MISS: unique symbol = Symbol('twat-cache.miss')
export type Miss = typeof MISS

/** What an engine is given when it is created. */
export interface EngineContext {
  /** Counters to bump on evictions and faults. */
  readonly counters: CacheCounters
  /** The time source for expiry: engines never read `Date.now()` themselves. */
  readonly clock: Clock
}

/** In-process, synchronous engine; keys are primitives or composite key strings. */
export interface MemoryEngine {
  readonly name: string
  get(key: unknown): unknown | Miss
  /**
   * Store `value`; `lifeMs` > 0 is this entry's own time to live (an entry with stale windows, or a `cacheLife`),
   * else the engine's default. Engines without expiry (lfu, rr, mru) ignore it.
   */
  set(key: unknown, value: unknown, lifeMs?: number): void
  delete(key: unknown): boolean
  has(key: unknown): boolean
  clear(): void
  size(): number
  /** The underlying store (an LRUCache, a Map…), for direct access. */
  readonly store: unknown
}

/**
 * A value read back from a persistent or shared engine, with its life: `promise` says the function had returned a
 * promise of it. Times are ms since the epoch on the cache's clock; `freshUntil` 0 means it never goes stale (and
 * the other two are then 0 too).
 */
export interface StoredEntry {
  readonly value: unknown
  readonly promise: boolean
  /** When the value was computed. */
  readonly created: number
  /** Fresh until: a hit before, stale after. */
  readonly freshUntil: number
  /** Served stale while one refresh runs, until (≥ freshUntil). */
  readonly staleUntil: number
  /** Served when a recomputation fails, until (0: not). */
  readonly errorUntil: number
  /** Tags, for invalidateTag / revalidateTag. */
  readonly tags: readonly string[]
}

/** When a stored entry may go: the end of its last window, or 0 for never. */
export function physicalExpiry(entry: Pick<StoredEntry, 'freshUntil' | 'staleUntil' | 'errorUntil'>): number {
  return entry.freshUntil === 0 ? 0 : Math.max(entry.freshUntil, entry.staleUntil, entry.errorUntil)
}

/**
 * What other processes changed in a store since it was last asked, for a memory tier in front of it
 * (call/memory-tier.ts): nothing (undefined), possibly anything ('all'), or the keys for which `changed` is true.
 */
export type ForeignChanges = undefined | 'all' | { changed(key: string): boolean }

/**
 * The invalidation bus of a shared store (Redis pub/sub), seen by one cache: key names of its own slice (hashes,
 * never values) published by other processes, and whether it is to be trusted now.
 */
export interface InvalidationBus {
  /** Whether the bus proved itself alive recently enough that no message can have been missed for long. */
  trusted(): boolean
  /** Changes whenever messages may have been lost (the bus went down or came back): forget everything. */
  epoch(): number
  /** Tell other processes that these keys (or all of this cache's keys) changed. */
  publish(keys: readonly string[] | 'all'): void
  /** Hear what other processes published for this cache; returns the unsubscribe. */
  listen(listener: (keys: readonly string[] | 'all') => void): () => void
}

/**
 * What taking a lease on a missing key gave (call/leases.ts): `taken`, the lease is the caller's; `expired`, it is
 * the caller's after a holder let it run out (died, or computed longer than lockTimeout); `held`, another holder's.
 */
export type LeaseTake = 'taken' | 'expired' | 'held'

/** Synchronous persistent engine (SQLite, files); keys are the type-tagged argument text. */
export interface PersistentEngine {
  readonly name: string
  get(key: string): StoredEntry | Miss
  /**
   * Store an entry; with `unlease`, also give up the lease of that token on the key, in the same write. Throws
   * SerializationError for a value it cannot store.
   */
  set(key: string, entry: StoredEntry, unlease?: string): void
  delete(key: string): boolean
  has(key: string): boolean
  clear(): void
  size(): number
  readonly store: unknown
  /** Where the entries live on disk. */
  readonly path: string
  close(): void
  /** What the store's tag invalidations (from any process) say about an entry it returned. */
  tagVerdict?(entry: StoredEntry): TagVerdict
  /** What other processes changed since the last ask; cheap, but asked at most every few tens of ms. */
  foreignChanges?(): ForeignChanges
  /** Take a lease on a missing key for `ms`, under `token` (engines that have no lease primitive leave it out). */
  lease?(key: string, token: string, ms: number): LeaseTake
  /** Give up the lease of `token` on the key; nothing when it is no longer that token's. */
  unlease?(key: string, token: string): void
}

/** Asynchronous engine (keyv stores, or the in-process store of acache). */
export interface AsyncEngine {
  readonly name: string
  get(key: string): Promise<StoredEntry | Miss>
  set(key: string, entry: StoredEntry): Promise<void>
  delete(key: string): Promise<boolean>
  has(key: string): Promise<boolean>
  clear(): Promise<void>
  size(): number
  readonly store: unknown
  close?(): Promise<void>
  /** What the store's tag invalidations (from any process) say about an entry it returned. */
  tagVerdict?(entry: StoredEntry): Promise<TagVerdict>
  /** The store's invalidation bus for this cache's keys (Redis), opened on first ask; undefined when it has none. */
  invalidationBus?(): InvalidationBus | undefined
  /** Whether this engine can take leases now (a Redis store can; another keyv store cannot). */
  readonly leases?: boolean
  /** Take a lease on a missing key for `ms`, under `token`. */
  lease?(key: string, token: string, ms: number): Promise<LeaseTake>
  /** Give up the lease of `token` on the key; nothing when it is no longer that token's. */
  unlease?(key: string, token: string): Promise<void>
}

/** What a disk engine (SQLite, files) is opened with. */
export interface DiskEngineOptions {
  /** The cache folder (root/folderName); it must exist. */
  readonly folder: string
  readonly id: string
  readonly version: string
  readonly ttlMs: number
  readonly maxsize: number | null
  readonly maxBytes: number | null
  readonly secure: boolean
  readonly codec: Codec
}
