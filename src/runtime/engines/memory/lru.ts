/**
 * The lru-cache engine: policies `lru`, `fifo` (reads do not refresh recency: `peek`) and `ttl`. lru-cache is a
 * dependency, imported statically so that every bundler bundles it.
 */
import { LRUCache } from 'lru-cache'
import { clockReadings, systemClock } from '../../platform/clock.js'
import { MISS, type EngineContext, type MemoryEngine } from '../contract.js'
import { UNDEFINED_BOX } from './undefined-box.js'

export interface LruEngineOptions {
  readonly maxsize: number | null
  readonly ttlMs: number
  readonly fifo: boolean
}

/**
 * The LRUCache of each engine whose reads are `get` (policies lru and ttl), for memoizeInMemory's hit path, which
 * reads it directly: going through `engine.get` measured ~40% slower with 1,000 warm keys, the extra call level
 * being enough for V8 to stop inlining lru-cache's own `get` into the caller. Its entries are what `set` stores:
 * a cached `undefined` is UNDEFINED_BOX, and `undefined` means no entry.
 */
const directStores = new WeakMap<MemoryEngine, LRUCache<{}, {}>>()

/** The LRUCache behind `engine` when a hit may be read straight from it (`store.get`), else undefined. */
export function directLruStore(engine: MemoryEngine): LRUCache<{}, {}> | undefined {
  return directStores.get(engine)
}

/**
 * lru-cache reads expiry time from its `perf` option (`{ now() }`, compared as `now - start > ttl`, a start of 0
 * meaning "no ttl") and, by default, keeps what `now()` returned for `ttlResolution` (1 ms) of real time, reset by a
 * timer. That is right for the system clock, whose time moves with the timers (fake timers move both). Another
 * clock can move without the timers, so it is read on every check (`ttlResolution: 0`): expiry then follows it
 * exactly, for a clock.now() per hit. So is the system clock in tests that move it without the timers.
 */
function clockOptions(context: EngineContext): Pick<LRUCache.Options<{}, {}, unknown>, 'perf' | 'ttlResolution'> {
  // Tests that set the time without running timers (vi.setSystemTime) ask for exact readings (clockReadings).
  return context.clock === systemClock && !clockReadings.exact ? { perf: systemClock } : { perf: context.clock, ttlResolution: 0 }
}

export function createLruEngine(options: LruEngineOptions, context: EngineContext): MemoryEngine {
  const { counters } = context
  // Unbounded entries with a ttl: expired entries must be purged on a timer or they would pile up.
  const limits = options.maxsize !== null ? { max: options.maxsize } : { ttlAutopurge: true }
  const store = new LRUCache<{}, {}>({
    ...limits,
    ...(options.ttlMs > 0 ? { ttl: options.ttlMs, ...clockOptions(context) } : {}),
    dispose: (_value: {}, _key: {}, reason: string) => {
      if (reason === 'evict') counters.evictions++
    },
  } as LRUCache.Options<{}, {}, unknown>)
  // `get` is the hit path of every memory cache. It calls the store's method directly rather than through a bound
  // function chosen at creation (`store.get.bind(store)`): each engine would hold a different bound function, the
  // call site that all engines share would see many targets, and V8 would stop inlining it (measured: a hit went from
  // ~25 to ~40 ns once a process had a few caches). Two literals, one per policy, keep each site monomorphic.
  // lru-cache's get(key, options = {}) and peek allocate their options object on every call that V8 does not inline
  // (then escape analysis removes it); one object per engine, passed every time, saves that allocation (measured:
  // three-argument hits 10–20% faster, where the lookup is not inlined). lru-cache records a diagnostics `status` in
  // it when someone subscribes to its channel, so it is cleared after each call: every call starts without one.
  const readOptions: LRUCache.GetOptions<{}, {}, unknown> = {}
  const get = options.fifo
    ? (key: unknown) => {
        const value = store.peek(key as {}, readOptions)
        readOptions.status = undefined
        if (value === undefined) return MISS
        return value === UNDEFINED_BOX ? undefined : value
      }
    : (key: unknown) => {
        const value = store.get(key as {}, readOptions)
        readOptions.status = undefined
        if (value === undefined) return MISS
        return value === UNDEFINED_BOX ? undefined : value
      }
  const engine: MemoryEngine = {
    name: 'lru-cache',
    store,
    get,
    set(key, value, lifeMs) {
      const stored = value === undefined ? UNDEFINED_BOX : (value as {})
      if (lifeMs !== undefined && lifeMs > 0) store.set(key as {}, stored, { ttl: lifeMs })
      else store.set(key as {}, stored)
    },
    delete: (key) => store.delete(key as {}),
    has: (key) => store.has(key as {}),
    clear: () => store.clear(),
    size: () => store.size,
  }
  if (!options.fifo) directStores.set(engine, store)
  return engine
}
