/**
 * Assembling a cached function: its key stage, its call composition (pipeline.ts) and its handle (handle.ts), for
 * the two kinds of store. The caches (caches/) choose the engine; this is everything that comes after.
 */
import type { MemoryEngine } from '../engines/contract.js'
import { memoryKeyStage, type KeyStage } from '../keys/call-key.js'
import type { CacheConfig } from '../options/config.js'
import type { CacheCounters } from '../report/stats.js'
import { createHandle, finishWrapper, keyedOperations, type CacheKind, type KeyedOperations } from './handle.js'
import { memoryCachedCall } from './memory-fast-path.js'
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

/** A function cached in a memory engine. */
export function assembleInMemory(kind: CacheKind, fn: AnyFunction, config: CacheConfig, assembly: MemoryAssembly): AnyFunction {
  const { engine, counters, asyncResults } = assembly
  const engineName = assembly.engineName ?? engine.name
  const keys = memoryKeyStage(config.key, () => engine.size())
  const call = memoryCachedCall({ fn, keys, engine, counters, asyncResults })
  const handle = createHandle(
    {
      name: cacheName(fn, config),
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
  const call = settledCall({ fn, keys, store, counters, asyncResults })
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
