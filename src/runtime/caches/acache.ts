/**
 * `acache`: cache for async functions, local or shared. Engines: a keyv 5 store when one is configured (`store`,
 * `url`, `backend`, or preferredEngine 'keyv') · the local store `memory-async` (the memory chain, always there).
 *
 * acache is for functions that return promises. A function that returns a plain value still gets a promise back
 * (and a synchronous throw becomes a rejection): every call of an acache'd function returns a promise.
 */
import { defineCacheFunction, type AsyncCacheFunction, type CacheKindDefinition } from '../api/define.js'
import { assembleInMemory, assembleInSettledStore } from '../call/assemble.js'
import { disabledCache } from '../call/disabled.js'
import { asyncStore } from '../call/settled-stores.js'
import type { AsyncEngine, InvalidationBus } from '../engines/contract.js'
import { openAsyncChain } from '../engines/async/chain.js'
import { resolveKeyvTarget, type KeyvTarget } from '../engines/async/keyv/target.js'
import { createMemoryAsyncEngine } from '../engines/async/memory-async.js'
import { sharedKeyStage } from '../keys/call-key.js'
import { identify } from '../keys/function-identity.js'
import { keyPart } from '../keys/store-key.js'
import type { CacheConfig, EngineName } from '../options/config.js'
import { cachingDisabled } from '../options/environment.js'
import { identityKeysError } from '../options/schema.js'
import { ValidationError } from '../report/errors.js'
import { reportFault } from '../report/faults.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { CacheCounters } from '../report/stats.js'

type AnyFunction = (...args: any[]) => any

const DISK_ENGINES: readonly EngineName[] = ['better-sqlite3', 'node:sqlite', 'file']

function checkEngine(config: CacheConfig): void {
  if (config.preferredEngine && DISK_ENGINES.includes(config.preferredEngine)) {
    throw new ValidationError(
      'preferredEngine',
      config.preferredEngine,
      'acache runs on keyv stores or in memory (keyv, memory-async, lru-cache, lfu, rr, mru, map); for a disk cache ' +
        'use bcache, or pass store: a keyv SQLite adapter',
    )
  }
}

/** The local store: the result promises, kept in the memory chain. */
function cacheLocally(fn: AnyFunction, config: CacheConfig): AnyFunction {
  const counters = new CacheCounters()
  const context = { counters, clock: config.clock }
  const { memory } = createMemoryAsyncEngine(config, context)
  return assembleInMemory('acache', fn, config, {
    engine: memory,
    newEngine: () => createMemoryAsyncEngine(config, context).memory,
    counters,
    asyncResults: true,
    engineName: 'memory-async',
  })
}

/**
 * The invalidation bus of an opened engine, for the memory tier. A store without one (memcached, keyv's memory
 * store, other adapters) cannot tell this process what others changed: the tier stays off, said once.
 */
function busOf(engine: AsyncEngine | undefined, id: string): InvalidationBus | undefined {
  if (engine === undefined) return undefined
  const bus = engine.invalidationBus?.()
  if (bus === undefined) {
    warnOnce(
      WarningCode.memoryTier,
      `acache ${id}: memory is set, but ${engine.name} has no invalidation bus to keep a memory tier coherent across ` +
        'processes, so every call reads the store. Use url: "redis://…", backend: "redis" or a @keyv/redis store ' +
        '(they have one), or drop memory.',
      `memory-tier:${id}`,
    )
  }
  return bus
}

/** A keyv store, opened on the first call (or the first handle operation). */
function cacheShared(fn: AnyFunction, config: CacheConfig, target: KeyvTarget): AnyFunction {
  const counters = new CacheCounters()
  const { id, version } = identify(fn, config.name, config.version)
  const chain = openAsyncChain(target, config, id, { counters, clock: config.clock }, version)
  const policy = { name: id, strict: config.strict, counters, engine: () => chain.name }
  /** The engine once opened, for the memory tier, which asks for its bus synchronously on a read. */
  let opened: AsyncEngine | undefined
  const open = () => chain.open().then((engine) => (opened = engine))
  /** Handle operations: faults follow the call path's rule (a warning, or strict). */
  async function onStore<T>(operation: string, run: (engine: AsyncEngine) => Promise<T>, failed: T): Promise<T> {
    const engine = await chain.open()
    try {
      return await run(engine)
    } catch (error) {
      reportFault(id, engine.name, operation, error, counters, config.strict)
      return failed
    }
  }
  return assembleInSettledStore('acache', fn, {
    name: id,
    keys: sharedKeyStage(config, keyPart(version)),
    store: asyncStore(open, policy),
    counters,
    asyncResults: true,
    config,
    tagVerdict: (entry) => onStore('read tags', async (e) => (e.tagVerdict ? e.tagVerdict(entry) : 'valid'), 'valid' as const),
    engine: () => chain.name,
    path: () => undefined,
    storeObject: () => chain.store,
    size: () => chain.size(),
    operations: {
      has: (key) => onStore('read', (e) => e.has(key as string), false),
      delete: (key) => onStore('delete', (e) => e.delete(key as string), false),
      clear: () => onStore('clear', (e) => e.clear(), undefined),
    },
    close: () => {
      opened = undefined
      return chain.close()
    },
    changes: { slice: `${chain.name}\n${config.url ?? ''}\n${id}`, source: { kind: 'bus', bus: () => busOf(opened, id) } },
  })
}

const definition: CacheKindDefinition = {
  kind: 'acache',
  wrap(fn, config) {
    checkEngine(config)
    const target = resolveKeyvTarget(config)
    const identity = target && identityKeysError(config.keyBy, 'acache on a shared store keeps entries for every process using it')
    if (identity) throw identity
    if (cachingDisabled()) return disabledCache('acache', fn, config, true)
    return target ? cacheShared(fn, config, target) : cacheLocally(fn, config)
  },
  // The local store is per instance, like mcache; a shared store is one cache for all instances.
  perInstance: (config) => resolveKeyvTarget(config) === undefined,
  asyncResults: () => true,
}

/**
 * Cache an async function's results, in process (default) or in a shared keyv store (Redis, memcached…).
 * @example const user = acache(fetchUser, { ttl: '30s' })
 * @example const user = acache(fetchUser, { url: 'redis://127.0.0.1:6379', ttl: '10m' })
 * @example class Users { @acache({ backend: 'redis' }) async byId(id: string) {…} }
 */
export const acache: AsyncCacheFunction = defineCacheFunction<AsyncCacheFunction>(definition)
