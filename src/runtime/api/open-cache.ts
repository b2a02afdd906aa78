/**
 * `openCache()`: a cache used directly by key — get / set / delete / has / clear — instead of wrapping a function.
 * The counterpart of Python twat-cache's CacheContext; closes its engine on `using` (Symbol.dispose).
 */
import { createCacheConfig, type CacheOptions } from '../options/config.js'
import { MISS, type PersistentEngine } from '../engines/contract.js'
import { createPersistentEngine } from '../engines/disk/chain.js'
import { createMemoryEngine } from '../engines/memory/chain.js'
import { ValidationError } from '../report/errors.js'
import { encodeArguments, memoryKey } from '../keys/encode.js'
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
  let engineName: string
  let path: string | undefined
  let read: (key: unknown) => unknown
  let write: (key: unknown, value: unknown) => void
  let persistent: PersistentEngine | undefined
  let remove: (key: unknown) => boolean
  let contains: (key: unknown) => boolean
  let wipe: () => void
  let size: () => number
  if (kind === 'mcache') {
    const engine = createMemoryEngine(config, { counters, clock: config.clock })
    engineName = engine.name
    read = (key) => engine.get(memoryKey([key]))
    write = (key, value) => engine.set(memoryKey([key]), value)
    remove = (key) => engine.delete(memoryKey([key]))
    contains = (key) => engine.has(memoryKey([key]))
    wipe = () => engine.clear()
    size = () => engine.size()
  } else {
    const engine = createPersistentEngine(kind, config, { id: name, version: config.version ?? '' }, counters)
    persistent = engine
    engineName = engine.name
    path = engine.path || undefined
    read = (key) => {
      const entry = engine.get(encodeArguments([key]))
      return entry === MISS ? MISS : entry.value
    }
    write = (key, value) => engine.set(encodeArguments([key]), value, false)
    remove = (key) => engine.delete(encodeArguments([key]))
    contains = (key) => engine.has(encodeArguments([key]))
    wipe = () => engine.clear()
    size = () => engine.size()
  }
  const handle: OpenCache<V> = {
    name,
    engine: engineName,
    path,
    get(key) {
      const value = read(key)
      if (value === MISS) {
        counters.misses++
        return undefined
      }
      counters.hits++
      return value as V
    },
    set(key, value) {
      write(key, value)
      counters.sets++
    },
    delete: (key) => remove(key),
    has: (key) => contains(key),
    clear() {
      wipe()
      counters.reset()
    },
    stats: () => counters.snapshot(name, engineName, size()),
    close() {
      persistent?.close()
    },
    [Symbol.dispose]() {
      handle.close()
    },
  }
  return handle
}
