/**
 * `TWAT_CACHE_DISABLE=1`: the one wrapper of every cache when caching is off. It calls straight through and stores
 * nothing (acache still returns promises), with a handle whose engine says 'disabled': it finds no entries,
 * `refresh` computes without storing, `warm` computes nothing.
 */
import type { CacheConfig } from '../options/config.js'
import { CacheCounters } from '../report/stats.js'
import { cacheName } from './assemble.js'
import { compute, computeAsync } from './compute.js'
import { warmArguments } from './entry-operations.js'
import { createHandle, finishWrapper, type CacheKind } from './handle.js'

type AnyFunction = (...args: any[]) => any

export function disabledCache(kind: CacheKind, fn: AnyFunction, config: CacheConfig, asyncResults: boolean): AnyFunction {
  const counters = new CacheCounters()
  const answer = <T>(value: T) => (asyncResults ? Promise.resolve(value) : value)
  const handle = createHandle(
    {
      name: cacheName(fn, config),
      kind,
      counters,
      engine: () => 'disabled',
      path: () => undefined,
      store: () => undefined,
      size: () => 0,
      has: () => answer(false),
      delete: () => answer(false),
      expire: () => answer(false),
      peek: () => answer(undefined),
      refresh: (self, args) => (asyncResults ? computeAsync(fn, self, args) : compute(fn, self, args)),
      // Nothing is stored, so there is nothing to fill: the arguments are checked, nothing is computed.
      warm: (_self, argsList, options) => {
        try {
          warmArguments(argsList, options)
          return Promise.resolve({ computed: 0, skipped: 0, failed: 0 })
        } catch (error) {
          return Promise.reject(error)
        }
      },
      clear: () => undefined,
      close: () => Promise.resolve(),
    },
    asyncResults,
  )
  function uncached(this: unknown) {
    counters.misses++
    return asyncResults ? computeAsync(fn, this, arguments) : compute(fn, this, arguments)
  }
  return finishWrapper(uncached, fn, handle)
}
