/**
 * Caches on methods. Memory caches keep one cache per `this` in a WeakMap, so a cache never keeps its instance
 * alive and two instances never share results (static methods: `this` is the class, so one cache per class).
 * Persistent and shared caches (bcache, fcache, acache on Redis…) keep one cache for all instances, keyed by the
 * arguments only: results must not depend on instance state, or a `key` option (called with `this`) must say how.
 */
import { createHandle, finishWrapper, type AnyCacheHandle, type CachePeek } from '../call/handle.js'
import { createCacheConfig, type CacheConfig, type CacheOptions } from '../options/config.js'
import { ValidationError } from '../report/errors.js'
import { CacheCounters, type CacheStatsSnapshot } from '../report/stats.js'
import { definitionOf, wrapRegistered, type CacheKindDefinition } from './kinds.js'
import { registerCache } from './registry.js'

type AnyFunction = (...args: any[]) => any
type CachedFunction = AnyFunction & { readonly cache: AnyCacheHandle }

function sumStats(name: string, snapshots: CacheStatsSnapshot[], engine: string): CacheStatsSnapshot {
  const total = new CacheCounters()
  let size = 0
  for (const s of snapshots) {
    total.hits += s.hits
    total.misses += s.misses
    total.sets += s.sets
    total.evictions += s.evictions
    total.errors += s.errors
    total.stale += s.stale
    total.refreshes += s.refreshes
    total.staleIfError += s.staleIfError
    total.invalidations += s.invalidations
    total.bypassed += s.bypassed
    total.l1Hits += s.l1Hits
    size += s.size
  }
  return total.snapshot(name, engine, size)
}

/**
 * The function to install as a method, cached by `cacheFunction` (mcache, acache…). The build step emits calls of
 * this for tagged methods; it is public for hand-written classes too.
 * @example class Prices { of = cachedMethod(mcache, function of(this: Prices, sku: string) {…}, { maxsize: 100 }) }
 */
export function cachedMethod<F extends AnyFunction>(cacheFunction: Function, method: F, options: CacheOptions = {}): F {
  return cacheMethod(definitionOf(cacheFunction), method, createCacheConfig(options)) as F
}

/** True when some result is a promise: then the answer is a promise of "any of them is true". */
function anyOf(results: Array<boolean | Promise<boolean>>): boolean | Promise<boolean> {
  if (results.some((r) => r instanceof Promise)) return Promise.all(results).then((all) => all.some(Boolean))
  return results.some(Boolean)
}

/** The first thing found (peek over every instance's cache). */
function firstOf<T>(results: Array<T | undefined | Promise<T | undefined>>): T | undefined | Promise<T | undefined> {
  if (results.some((r) => r instanceof Promise)) return Promise.all(results).then((all) => all.find((r) => r !== undefined))
  return (results as Array<T | undefined>).find((r) => r !== undefined)
}

/** refresh / warm on the unbound handle of a per-instance cache: which instance's? */
function needsInstance(operation: string, async: boolean): never | Promise<never> {
  const error = new ValidationError(
    `.cache.${operation}`,
    'unbound',
    `this method keeps one cache per instance, and computing needs the instance: ${operation} through its handle, ` +
      `e.g. Class.prototype.method.cache.bind(instance).${operation}(…)`,
  )
  if (async) return Promise.reject(error)
  throw error
}

export function cacheMethod(definition: CacheKindDefinition, method: AnyFunction, config: CacheConfig): AnyFunction {
  if (!definition.perInstance(config)) return wrapRegistered(definition, method, config)
  const perThis = new WeakMap<object, CachedFunction>()
  const live = new Set<WeakRef<CachedFunction>>()
  let shared: CachedFunction | undefined // for calls whose `this` is not an object

  function cacheFor(self: unknown): CachedFunction {
    if (self === null || (typeof self !== 'object' && typeof self !== 'function')) {
      return (shared ??= definition.wrap(method, config) as CachedFunction)
    }
    let cached = perThis.get(self)
    if (!cached) {
      cached = definition.wrap(method, config) as CachedFunction
      perThis.set(self, cached)
      live.add(new WeakRef(cached))
    }
    return cached
  }

  function liveCaches(): CachedFunction[] {
    const caches: CachedFunction[] = shared ? [shared] : []
    for (const ref of live) {
      const cached = ref.deref()
      if (cached) caches.push(cached)
      else live.delete(ref)
    }
    return caches
  }

  const name = config.name ?? method.name
  const engine = () => liveCaches()[0]?.cache.engine ?? 'per-instance'
  const async = definition.asyncResults(config, method)
  // Unbound, has/delete/clear act on every live instance's cache; bind(instance) gives that instance's own handle.
  const handle = createHandle(
    {
      name,
      kind: definition.kind,
      counters: new CacheCounters(),
      engine,
      path: () => undefined,
      store: () => liveCaches().map((c) => c.cache.store),
      size: () => 0,
      stats: () =>
        sumStats(
          name,
          liveCaches().map((c) => c.cache.stats()),
          engine(),
        ),
      has: (_self, args) => anyOf(liveCaches().map((c) => (c.cache.has as AnyFunction)(...Array.from(args)))),
      delete: (_self, args) => anyOf(liveCaches().map((c) => (c.cache.delete as AnyFunction)(...Array.from(args)))),
      expire: (_self, args) => anyOf(liveCaches().map((c) => (c.cache.expire as AnyFunction)(...Array.from(args)))),
      peek: (_self, args) => firstOf<CachePeek<unknown>>(liveCaches().map((c) => (c.cache.peek as AnyFunction)(...Array.from(args)))),
      // Computing needs the instance: its `this` (and its own cache) is what the result is for.
      refresh: () => needsInstance('refresh', async),
      warm: () => needsInstance('warm', true) as Promise<never>,
      clear() {
        const results = liveCaches().map((c) => c.cache.clear())
        return async ? Promise.all(results).then(() => undefined) : undefined
      },
      close: () => Promise.all(liveCaches().map((c) => (c.cache as { close?: () => Promise<void> }).close?.())).then(() => undefined),
      // The instance's own handle, with `this` = the instance for the computations of refresh and warm.
      bound: (self) => cacheFor(self).cache.bind(self),
    },
    async,
  )
  registerCache(handle)

  function cachedPerInstance(this: unknown) {
    return cacheFor(this).apply(this, arguments as unknown as unknown[])
  }
  return finishWrapper<AnyFunction>(cachedPerInstance, method, handle)
}
