/**
 * `openCache()`: a cache used directly by key — get / set / delete / has / clear — instead of wrapping a function.
 * The counterpart of Python twat-cache's CacheContext; closes its engine on `using` (Symbol.dispose). Built from the
 * same stages as the cached functions: a key is keyed as a one-argument call would be, and engine faults are misses
 * with one warning (or CacheFaultError in strict mode).
 */
import { createHandle, keyedOperations, type CacheHandle } from '../call/handle.js'
import { lifeOf, newEntry, tagsOf } from '../call/freshness.js'
import { copyOrSame } from '../call/memory-values.js'
import { FAULT, persistentStore } from '../call/settled-stores.js'
import { MISS, type PersistentEngine } from '../engines/contract.js'
import { createPersistentEngine } from '../engines/disk/chain.js'
import { createMemoryEngine } from '../engines/memory/chain.js'
import { memoryKeyStage, textKeyStage, type KeyStage } from '../keys/call-key.js'
import { createCacheConfig, type CacheOptions } from '../options/config.js'
import { identityKeysError } from '../options/schema.js'
import { ValidationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import { CacheCounters, type CacheStatsSnapshot } from '../report/stats.js'

export interface OpenCacheOptions extends CacheOptions {
  /** Which cache: memory, SQLite or files. @default 'bcache' when folderName or cacheDir is given, else 'mcache' */
  readonly kind?: 'mcache' | 'bcache' | 'fcache'
}

export interface OpenCache<V = unknown> extends Disposable {
  readonly name: string
  readonly engine: string
  readonly path: string | undefined
  /** The value stored under `key`, or undefined (use `has` to tell a stored undefined from a miss). */
  get(key: unknown): V | undefined
  set(key: unknown, value: V): void
  delete(key: unknown): boolean
  has(key: unknown): boolean
  clear(): void
  stats(): CacheStatsSnapshot
  /** Release the engine (database connection, timers). Also called by `using`. */
  close(): void
}

/**
 * Open a cache for direct use. Keys are any value a cached function's arguments could be (keyed by value).
 * @example
 * using cache = openCache<Report>({ kind: 'bcache', name: 'reports', folderName: 'reports' })
 * cache.set({ year: 2024 }, report)
 */
export function openCache<V = unknown>(options: OpenCacheOptions = {}): OpenCache<V> {
  const { kind: requested, ...cacheOptions } = options
  const kind = requested ?? (options.folderName !== undefined || options.cacheDir !== undefined ? 'bcache' : 'mcache')
  if (kind !== 'mcache' && kind !== 'bcache' && kind !== 'fcache') {
    throw new ValidationError('kind', kind, 'expected mcache, bcache or fcache')
  }
  const config = createCacheConfig(cacheOptions)
  const counters = new CacheCounters()
  const name = config.name ?? `open-${kind}`
  const context = { counters, clock: config.clock }
  // The caller chose the key itself, and there is no call to run uncached: an unkeyable key is a CacheKeyError.
  const keyRules = { strict: true, keyBy: config.keyBy }
  if (kind !== 'mcache') {
    const identity = identityKeysError(config.keyBy, `openCache kind ${kind} keeps entries on disk`)
    if (identity) throw identity
  }
  let keys: KeyStage
  let engine: {
    readonly name: string
    readonly store: unknown
    size(): number
    has(key: unknown): boolean
    delete(key: unknown): boolean
    clear(): void
  }
  let read: (key: unknown) => unknown
  let write: (key: unknown, value: unknown) => void
  let persistent: PersistentEngine | undefined
  if (kind === 'mcache') {
    const memory = createMemoryEngine(config, context)
    engine = memory
    keys = memoryKeyStage(keyRules, () => memory.size())
    // clone: what is stored and what get returns are copies, as for a cached function's results.
    read = (key) => {
      const value = memory.get(key)
      return config.clone && value !== MISS ? copyOrSame(value) : value
    }
    write = (key, value) => {
      memory.set(key, config.clone ? copyOrSame(value) : value)
      counters.sets++
    }
  } else {
    const disk = createPersistentEngine(kind, config, { id: name, version: config.version ?? '' }, counters)
    persistent = disk
    keys = textKeyStage(keyRules)
    const store = persistentStore(disk, { name, strict: config.strict, counters, engine: () => disk.name })
    const guarded = <T>(operation: string, body: () => T, fallback: T): T => {
      try {
        return body()
      } catch (error) {
        reportFault(name, disk.name, operation, error, counters, config.strict)
        return fallback
      }
    }
    engine = {
      name: disk.name,
      store: disk.store,
      size: () => guarded('count entries', () => disk.size(), 0),
      has: (key) => guarded('read', () => disk.has(key as string), false),
      delete: (key) => guarded('delete', () => disk.delete(key as string), false),
      clear: () => guarded('clear', () => disk.clear(), undefined),
    }
    read = (key) => {
      const entry = store.read(key)
      return entry === MISS || entry === FAULT ? MISS : (entry as { value: unknown }).value
    }
    // An entry with the cache's ttl and tags, as a call's result would get.
    write = (key, value) =>
      store.write(key, newEntry(value, false, config.clock.now(), lifeOf(config, undefined), tagsOf(config, undefined)))
  }
  const handle = createHandle(
    {
      name,
      kind,
      counters,
      engine: () => engine.name,
      path: () => persistent?.path || undefined,
      store: () => engine.store,
      size: () => engine.size(),
      ...keyedOperations(keys, engine, false),
      clear: () => engine.clear(),
    },
    false,
  ) as CacheHandle<[key: unknown]>
  const one = (key: unknown) => keys.keyOf(undefined, [key])
  const cache: OpenCache<V> = {
    name,
    engine: engine.name,
    path: handle.path,
    get(key) {
      const value = read(one(key))
      if (value === MISS) {
        counters.misses++
        return undefined
      }
      counters.hits++
      return value as V
    },
    set: (key, value) => write(one(key), value),
    delete: (key) => handle.delete(key),
    has: (key) => handle.has(key),
    clear: () => handle.clear(),
    stats: () => handle.stats(),
    close() {
      persistent?.close()
    },
    [Symbol.dispose]() {
      cache.close()
    },
  }
  return cache
}
