/**
 * Assembling a cached function: its key stage, its call composition (pipeline.ts) and its handle (handle.ts), for
 * the two kinds of store. The caches (caches/) choose the engine; this is everything that comes after.
 */
import type { MemoryEngine, StoredEntry } from '../engines/contract.js'
import { memoryKeyStage, type KeyStage } from '../keys/call-key.js'
import type { CacheConfig } from '../options/config.js'
import { mutationCheckEnabled } from '../options/environment.js'
import type { CacheCounters } from '../report/stats.js'
import { createHandle, finishWrapper, keyedOperations, type CacheKind, type KeyedOperations } from './handle.js'
import { listenForTags, type TagListener, type TagVerdict } from '../tags/registry.js'
import { callsContextFunctions } from './computation.js'
import { memoryEntryAccess, settledEntryAccess } from './entry-access.js'
import { entryOperations } from './entry-operations.js'
import { needsEntries } from './freshness.js'
import { memoryEntries, type MemoryEntries } from './memory-entries.js'
import { memoryCachedCall } from './memory-fast-path.js'
import { checkedValues, cloningValues, type MemoryValues } from './memory-values.js'
import { settledComposition, type MemoryMode } from './pipeline.js'
import { memoryTier, type ChangeSource } from './memory-tier.js'
import { then, type SettledStore } from './settled-stores.js'

type AnyFunction = (...args: any[]) => any

/** The name of a cache: the `name` option (the build step injects the function id), else the function's name. */
export function cacheName(fn: Function, config: CacheConfig): string {
  return config.name ?? (fn.name || 'anonymous')
}

export interface MemoryAssembly {
  readonly engine: MemoryEngine
  /** Another engine of the same kind, for a cache that starts keeping entries with a life while running. */
  newEngine(): MemoryEngine
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
  const site = { name, kind, engine: () => engineName }
  const base = {
    fn,
    name,
    keys,
    counters,
    asyncResults,
    config,
    acrossAwaits: callsContextFunctions(fn),
    site,
    ...(values ? { values } : {}),
  }
  let entries: MemoryEntries | undefined
  let entriesEngine: MemoryEngine | undefined
  const mode: MemoryMode = {
    entries: undefined,
    switchToEntries() {
      if (!entries) {
        // A cache created with stale windows keeps entries in its engine from the start; one switching over gets
        // a second engine (the fast paths keep reading the first, now empty, and fall through).
        entriesEngine = needsEntries(config) ? engine : assembly.newEngine()
        if (entriesEngine !== engine) engine.clear()
        entries = memoryEntries({ ...base, engine: entriesEngine })
        mode.entries = entries
      }
      return entries
    },
  }
  if (needsEntries(config)) mode.switchToEntries()
  const plan = { ...base, engine, mode }
  const call = memoryCachedCall(plan)
  // Memory caches whose tags are all their own (the `tags` option) are cleared when one of them is invalidated;
  // entries remember their epoch instead. The listener lives as long as the cached function (it holds it).
  const tagListener: TagListener | undefined = config.tags.length
    ? {
        tags: new Set(config.tags),
        onTags: () => {
          if (!mode.entries) engine.clear()
        },
      }
    : undefined
  if (tagListener) listenForTags(tagListener)
  const live = (key: unknown) => {
    if (!entries) return engine.has(key)
    const found = entries.find(key)
    return found !== undefined && found.worth !== 'gone'
  }
  const handle = createHandle(
    {
      name,
      kind,
      counters,
      engine: () => engineName,
      path: () => undefined,
      store: () => (entriesEngine ?? engine).store,
      size: () => engine.size() + (entriesEngine && entriesEngine !== engine ? entriesEngine.size() : 0),
      ...keyedOperations(keys, { has: live, delete: (key) => engine.delete(key) || (entriesEngine?.delete(key) ?? false) }, asyncResults),
      ...entryOperations(
        keys,
        memoryEntryAccess(plan, () => entries),
        asyncResults,
      ),
      clear: () => {
        engine.clear()
        entriesEngine?.clear()
      },
      close: () => Promise.resolve(),
    },
    asyncResults,
  )
  Object.defineProperty(call, TAG_LISTENER, { value: tagListener })
  return finishWrapper(call, fn, handle)
}

/** Where a cached function keeps its tag listener alive. */
const TAG_LISTENER = Symbol('twat-cache.tagListener')

export interface SettledAssembly {
  readonly name: string
  readonly keys: KeyStage
  readonly store: SettledStore
  readonly counters: CacheCounters
  readonly asyncResults: boolean
  readonly config: CacheConfig
  /** What the store's own tag invalidations say about an entry. */
  tagVerdict(entry: StoredEntry): TagVerdict | Promise<TagVerdict>
  engine(): string
  path(): string | undefined
  storeObject(): unknown
  size(): number
  /** Handle operations on keys, with faults already handled. */
  readonly operations: KeyedOperations & { clear(): void | Promise<void> }
  close?(): Promise<void>
  /** Where a memory tier (the `memory` option) learns what other processes changed, and the store slice it fronts. */
  readonly changes?: { readonly slice: string; readonly source: ChangeSource }
}

/** The store and handle operations a call sees: the assembly's own, or with a memory tier in front (memory-tier.ts). */
function tiered(assembly: SettledAssembly): Pick<SettledAssembly, 'store' | 'operations' | 'close'> {
  const { config, changes } = assembly
  if (!config.memory || !changes) return assembly
  const tier = memoryTier(assembly.store, {
    config: config.memory,
    counters: assembly.counters,
    clock: config.clock,
    clone: config.clone,
    slice: changes.slice,
    source: changes.source,
  })
  const { operations } = assembly
  return {
    store: tier.store,
    operations: {
      has: operations.has,
      delete: (key) =>
        then(operations.delete(key), (deleted) => {
          tier.deleted(key)
          return deleted
        }),
      clear: () => then(operations.clear(), () => tier.cleared()),
    },
    close: () => {
      tier.close()
      return assembly.close ? assembly.close() : Promise.resolve()
    },
  }
}

/** A function cached in a store of settled values (persistent or shared). */
export function assembleInSettledStore(kind: CacheKind, fn: AnyFunction, assembly: SettledAssembly): AnyFunction {
  const { name, keys, counters, asyncResults, config } = assembly
  const { store, operations, close } = tiered(assembly)
  const { call, refresh } = settledComposition({
    fn,
    name,
    keys,
    store,
    counters,
    asyncResults,
    config,
    clock: config.clock,
    acrossAwaits: callsContextFunctions(fn),
    site: { name, kind, engine: assembly.engine },
    tagVerdict: assembly.tagVerdict,
    cloneShared: config.clone,
  })
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
      ...entryOperations(
        keys,
        settledEntryAccess({
          name,
          fn,
          counters,
          asyncResults,
          store,
          clock: config.clock,
          refreshAhead: config.refreshAhead,
          tagVerdict: assembly.tagVerdict,
          refresh,
        }),
        asyncResults,
      ),
      clear: () => operations.clear(),
      close: close ?? (() => Promise.resolve()),
    },
    asyncResults,
  )
  return finishWrapper(call, fn, handle)
}
