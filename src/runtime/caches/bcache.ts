/**
 * `bcache`: a persistent cache in a database on disk. Engines: better-sqlite3 · node:sqlite (Node 22.5+) · the
 * file engine · memory. Also the wrapping shared by the two disk caches (bcache, fcache).
 */
import { defineCacheFunction, type CacheFunction, type CacheKindDefinition } from '../api/define.js'
import type { CacheConfig } from '../options/config.js'
import { openDiskEngine, type DiskCacheKind } from '../engines/disk/chain.js'
import { cachingDisabled } from '../options/environment.js'
import { reportFault } from '../report/faults.js'
import { finishWrapper, type CacheHandle } from '../call/handle.js'
import { identify } from '../keys/function-identity.js'
import { memoizePersistent, persistentKey } from '../call/persistent.js'
import { passThrough } from '../call/disabled.js'
import { registerCache } from '../api/registry.js'
import { CacheCounters } from '../report/stats.js'
import { wrapInMemory } from './mcache.js'

type AnyFunction = (...args: any[]) => any

/** Wrap `fn` with the best disk engine of `kind`'s chain, or with memory when the chain ends there. */
export function wrapOnDisk(kind: DiskCacheKind, fn: AnyFunction, config: CacheConfig, register: boolean): AnyFunction {
  if (cachingDisabled()) return passThrough(kind, fn, config)
  const counters = new CacheCounters()
  const identity = identify(fn, config.name, config.version)
  const engine = openDiskEngine(kind, config, identity, counters)
  if (!engine) return wrapInMemory(kind, fn, config, register, undefined, counters)
  const name = identity.id
  const { strict, key: keyFn } = config
  /** Faults of handle operations follow the call path's rule: a warning and a neutral answer, or a throw in strict mode. */
  function guarded<T>(operation: string, body: () => T, fallback: T): T {
    try {
      return body()
    } catch (error) {
      reportFault(name, engine!.name, operation, error, counters, strict)
      return fallback
    }
  }
  const handle: CacheHandle = {
    name,
    kind,
    engine: engine.name,
    path: engine.path,
    get store() {
      return engine.store
    },
    stats: () => counters.snapshot(name, engine.name, guarded('count entries', () => engine.size(), 0)),
    clear() {
      counters.reset()
      guarded('clear', () => engine.clear(), undefined)
    },
    delete: (...args) => guarded('delete', () => engine.delete(persistentKey(keyFn, undefined, args)), false),
    has: (...args) => guarded('read', () => engine.has(persistentKey(keyFn, undefined, args)), false),
  }
  if (register) registerCache(handle)
  return finishWrapper(memoizePersistent(fn, engine, counters, { name, strict, keyFn }), fn, handle)
}

const definition: CacheKindDefinition = {
  kind: 'bcache',
  wrap: (fn, config, register) => wrapOnDisk('bcache', fn, config, register),
  // One cache for all instances: entries outlive the instances, so they are keyed by the arguments only.
  perInstance: () => false,
}

/**
 * Cache `fn`'s results in a SQLite database on disk, shared by every process using the same folder.
 * @example const report = bcache(buildReport, { folderName: 'reports', ttl: '1d' })
 * @example class Reports { @bcache({ ttl: '1d' }) build(id: string) {…} }
 */
export const bcache: CacheFunction<CacheHandle> = defineCacheFunction<CacheHandle>(definition)
