/**
 * The memory engine chain: lru-cache (lru, fifo, ttl) · in-house lfu / rr / mru · the built-in Map store (for
 * `preferredEngine: 'map'` and unbounded caches without expiry). lru-cache is a dependency, imported statically by
 * the lru engine, so it is in every bundle: there is no "lru-cache missing" fallback.
 */
import type { CacheConfig } from '../../options/config.js'
import { ValidationError } from '../../report/errors.js'
import type { EngineContext, MemoryEngine } from '../contract.js'
import { createLfuEngine } from './lfu.js'
import { createLruEngine } from './lru.js'
import { createMapEngine } from './map.js'
import { createMruEngine } from './mru.js'
import { createRrEngine } from './rr.js'

/** Default entry limit of memory caches: bounded, because an unbounded memo is the classic leak. */
export const DEFAULT_MEMORY_MAXSIZE = 1000

export function createMemoryEngine(config: CacheConfig, context: EngineContext): MemoryEngine {
  const maxsize = config.maxsize === undefined ? DEFAULT_MEMORY_MAXSIZE : config.maxsize
  const { policy, ttlMs } = config
  const preferred = config.preferredEngine
  if (preferred === 'map') return createMapEngine(maxsize, ttlMs, context)
  if (policy === 'lfu' || policy === 'rr' || policy === 'mru') {
    if (ttlMs > 0) {
      throw new ValidationError(
        'ttl',
        config.ttlMs / 1000,
        `policy "${policy}" does not expire entries; use policy lru, fifo or ttl with a ttl`,
      )
    }
    if (maxsize === null) return createMapEngine(null, 0, context)
    if (policy === 'lfu') return createLfuEngine(maxsize, context)
    if (policy === 'rr') return createRrEngine(maxsize, context)
    return createMruEngine(maxsize, context)
  }
  // An unbounded cache without expiry needs no eviction bookkeeping at all.
  if (maxsize === null && ttlMs === 0) return createMapEngine(null, 0, context)
  return createLruEngine({ maxsize, ttlMs, fifo: policy === 'fifo' }, context)
}
