/**
 * Assembling a cached function: its key stage, its call composition (pipeline.ts) and its handle (handle.ts), for
 * the two kinds of store. The caches (caches/) choose the engine; this is everything that comes after.
 */
import type { MemoryEngine } from '../engines/contract.js'
import { memoryKeyStage, type KeyStage } from '../keys/call-key.js'
import type { CacheConfig } from '../options/config.js'
import { mutationCheckEnabled } from '../options/environment.js'
import type { CacheCounters } from '../report/stats.js'
import { createHandle, finishWrapper, keyedOperations, type CacheKind, type KeyedOperations } from './handle.js'
import { memoryCachedCall } from './memory-fast-path.js'
import { checkedValues, cloningValues, type MemoryValues } from './memory-values.js'
import { settledCall } from './pipeline.js'
import type { SettledStore } from './settled-stores.js'

type AnyFunction = (...args: any[]) => any

/** The name of a cache: the `name` option (the build step injects the function id), else the function's name. */
export function cacheName(fn: Function, config: CacheConfig): string {
  return config.name ?? (fn.name || 'anonymous')
}

export interface MemoryAssembly {
  readonly engine: MemoryEngine
  readonly counters: CacheCounters
  /** Every call returns a promise (acache's local store). */
  readonly asyncResults: boolean
  /** The name `.cache.engine` reports, when not the engine's own (acache's local store says 'memory-async'). */
  readonly engineName?: string
}

/**
 * What a memory cache stores and hands out, when it is not the result itself: copies (`clone`), or checked
 * results (`TWAT_CACHE_CHECK=1`, read now, at creation). Copies cannot be changed by a caller, so they need no check.
 */
function memoryValues(config: CacheConfig, name: string, counters: CacheCounters): MemoryValues | undefined {
  const policy = { name, counters, strict: config.strict }
  if (config.clone) return cloningValues(policy)
  return mutationCheckEnabled() ? checkedValues(policy) : undefined
}

/** A function cached in a memory engine. */
export function assembleInMemory(kind: CacheKind, fn: AnyFunction, config: CacheConfig, assembly: MemoryAssembly): AnyFunction {
  const { engine, counters, asyncResults } = assembly
  const engineName = assembly.engineName ?? engine.name
  const name = cacheName(fn, config)
  const keys = memoryKeyStage(config, () => engine.size())
  const values = memoryValues(config, name, counters)
  const call = memoryCachedCall({ name, fn, keys, engine, counters, asyncResults, ...(values ? { values } : {}) })
  const handle = createHandle(
    {
      name,
      kind,
      counters,
      engine: () => engineName,
      path: () => undefined,
      store: () => engine.store,
      size: () => engine.size(),
      ...keyedOperations(keys, { has: (key) => engine.has(key), delete: (key) => engine.delete(key) }, asyncResults),
      clear: () => engine.clear(),
      close: () => Promise.resolve(),
    },
    asyncResults,
  )
  return finishWrapper(call, fn, handle)
}

export interface SettledAssembly {
  readonly name: string
  readonly keys: KeyStage
  readonly store: SettledStore
  readonly counters: CacheCounters
  readonly asyncResults: boolean
  /** `clone: true`: calls that join a call in flight get their own copy (hits are decoded afresh anyway). */
  readonly clone: boolean
  engine(): string
  path(): string | undefined
  storeObject(): unknown
  size(): number
  /** Handle operations on keys, with faults already handled. */
  readonly operations: KeyedOperations & { clear(): void | Promise<void> }
  close?(): Promise<void>
}

/** A function cached in a store of settled values (persistent or shared). */
export function assembleInSettledStore(kind: CacheKind, fn: AnyFunction, assembly: SettledAssembly): AnyFunction {
  const { name, keys, store, counters, asyncResults, operations } = assembly
  const call = settledCall({ name, fn, keys, store, counters, asyncResults, cloneShared: assembly.clone })
  const handle = createHandle(
    {
      name,
      kind,
      counters,
      engine: assembly.engine,
      path: assembly.path,
      store: assembly.storeObject,
      size: assembly.size,
      ...keyedOperations(keys, operations, asyncResults),
      clear: () => operations.clear(),
      close: assembly.close ?? (() => Promise.resolve()),
    },
    asyncResults,
  )
  return finishWrapper(call, fn, handle)
}
