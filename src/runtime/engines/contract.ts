/**
 * The engine contracts. Every engine of a kind implements the same interface and passes the same shared test
 * suite (test/support/engine-contract.ts), so caches can swap engines along their fallback chain.
 */
import type { Codec } from './disk/codec.js'
import type { Clock } from '../platform/clock.js'
import type { CacheCounters } from '../report/stats.js'

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
  set(key: unknown, value: unknown): void
  delete(key: unknown): boolean
  has(key: unknown): boolean
  clear(): void
  size(): number
  /** The underlying store (an LRUCache, a Map…), for direct access. */
  readonly store: unknown
}

/** A value read back from a persistent engine; `promise` says the function had returned a promise of it. */
export interface StoredEntry {
  readonly value: unknown
  readonly promise: boolean
}

/** Synchronous persistent engine (SQLite, files); keys are the type-tagged argument text. */
export interface PersistentEngine {
  readonly name: string
  get(key: string): StoredEntry | Miss
  /** Store a value; `promise` marks a value that a returned promise resolved to. Throws SerializationError. */
  set(key: string, value: unknown, promise: boolean): void
  delete(key: string): boolean
  has(key: string): boolean
  clear(): void
  size(): number
  readonly store: unknown
  /** Where the entries live on disk. */
  readonly path: string
  close(): void
}

/** Asynchronous engine (keyv stores, or the in-process store of acache). */
export interface AsyncEngine {
  readonly name: string
  get(key: string): Promise<unknown | Miss>
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<boolean>
  has(key: string): Promise<boolean>
  clear(): Promise<void>
  size(): number
  readonly store: unknown
  close?(): Promise<void>
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
