/**
 * What the two disk caches (bcache, fcache) share: the best engine of their chain (engines/disk/chain.ts), then the
 * settled-value pipeline over it; or memory when the chain ends there. Handle operations follow the call path's
 * fault rule: a warning and a neutral answer, or a throw in strict mode.
 */
import { assembleInSettledStore } from '../call/assemble.js'
import { disabledCache } from '../call/disabled.js'
import { persistentStore } from '../call/settled-stores.js'
import { openDiskEngine, type DiskCacheKind } from '../engines/disk/chain.js'
import { identify } from '../keys/function-identity.js'
import { textKeyStage } from '../keys/call-key.js'
import type { CacheConfig } from '../options/config.js'
import { cachingDisabled } from '../options/environment.js'
import { identityKeysError } from '../options/schema.js'
import { reportFault } from '../report/faults.js'
import { CacheCounters } from '../report/stats.js'
import { cacheInMemory } from './mcache.js'

type AnyFunction = (...args: any[]) => any

export function cacheOnDisk(kind: DiskCacheKind, fn: AnyFunction, config: CacheConfig): AnyFunction {
  const identity = identityKeysError(config.keyBy, `${kind} keeps entries on disk`)
  if (identity) throw identity
  if (cachingDisabled()) return disabledCache(kind, fn, config, false)
  const counters = new CacheCounters()
  const functionIdentity = identify(fn, config.name, config.version)
  const engine = openDiskEngine(kind, config, functionIdentity, counters)
  if (!engine) return cacheInMemory(kind, fn, config, counters)
  const name = functionIdentity.id
  const policy = { name, strict: config.strict, counters, engine: () => engine.name }
  function guarded<T>(operation: string, body: () => T, fallback: T): T {
    try {
      return body()
    } catch (error) {
      reportFault(name, engine!.name, operation, error, counters, config.strict)
      return fallback
    }
  }
  return assembleInSettledStore(kind, fn, {
    name,
    keys: textKeyStage(config),
    store: persistentStore(engine, policy),
    counters,
    asyncResults: false,
    config,
    tagVerdict: (entry) => guarded('read tags', () => engine.tagVerdict?.(entry) ?? 'valid', 'valid'),
    engine: () => engine.name,
    path: () => engine.path,
    storeObject: () => engine.store,
    size: () => guarded('count entries', () => engine.size(), 0),
    operations: {
      has: (key) => guarded('read', () => engine.has(key as string), false),
      delete: (key) => guarded('delete', () => engine.delete(key as string), false),
      clear: () => guarded('clear', () => engine.clear(), undefined),
    },
    changes: {
      slice: `${engine.path}\n${name}`,
      // A failed check drops the tier's entries ('all'): the store is failing, so nothing it said is sure.
      source: {
        kind: 'poll',
        foreignChanges: () => guarded('check for changes', () => (engine.foreignChanges ? engine.foreignChanges() : 'all'), 'all'),
      },
    },
  })
}
