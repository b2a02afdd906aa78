/**
 * `ucache`: picks the cache for you, from what the function is and what the options ask for, then behaves exactly
 * as the cache it picked. `.cache.kind` says which cache was chosen ('mcache', 'bcache', 'fcache' or 'acache'),
 * `.cache.engine` which engine runs.
 *
 * The rules, first match wins:
 * 1. `preferredEngine`: 'keyv' or 'memory-async' → acache; 'better-sqlite3' or 'node:sqlite' → bcache; 'file' →
 *    fcache (the cache whose chain is the file engine); a memory engine ('lru-cache', 'lfu', 'rr', 'mru', 'map') → mcache.
 * 2. `store`, `url` or `backend` (a shared store) → acache.
 * 3. `useAsync: true` → acache.
 * 4. `folderName` or `cacheDir` (a persistent cache was asked for) → bcache.
 * 5. an `async function` (unless `useAsync: false`) → acache.
 * 6. otherwise → mcache.
 */
import { defineCacheFunction, type CacheKindDefinition, type ChoosingCacheFunction } from '../api/define.js'
import { definitionOf } from '../api/kinds.js'
import type { CacheConfig, EngineName } from '../options/config.js'
import { ValidationError } from '../report/errors.js'
import { acache } from './acache.js'
import { bcache } from './bcache.js'
import { fcache } from './fcache.js'
import { mcache } from './mcache.js'

export type ChosenCache = 'mcache' | 'bcache' | 'fcache' | 'acache'

const CACHES: Readonly<Record<ChosenCache, Function>> = { mcache, bcache, fcache, acache }

const ENGINE_CACHE: Readonly<Record<EngineName, ChosenCache>> = {
  'lru-cache': 'mcache',
  lfu: 'mcache',
  rr: 'mcache',
  mru: 'mcache',
  map: 'mcache',
  'better-sqlite3': 'bcache',
  'node:sqlite': 'bcache',
  file: 'fcache',
  keyv: 'acache',
  'memory-async': 'acache',
}

/** True for `async function`s and async arrows/methods (not for transpiled ones, which return promises anyway). */
function isAsyncFunction(fn: Function | undefined): boolean {
  return fn?.constructor?.name === 'AsyncFunction'
}

/** The cache ucache picks for `fn` (undefined: decide from the options alone) with `config`. */
export function chooseCache(fn: Function | undefined, config: CacheConfig): ChosenCache {
  if (config.preferredEngine) return ENGINE_CACHE[config.preferredEngine]
  const shared = config.store !== undefined || config.url !== undefined || config.backend !== undefined
  if (shared) {
    if (config.useAsync === false) {
      const option = config.store !== undefined ? 'store' : config.url !== undefined ? 'url' : 'backend'
      throw new ValidationError('useAsync', false, `${option} needs acache (an async cache); remove useAsync: false or ${option}`)
    }
    return 'acache'
  }
  if (config.useAsync === true) return 'acache'
  if (config.folderName !== undefined || config.cacheDir !== undefined) return 'bcache'
  if (config.useAsync !== false && isAsyncFunction(fn)) return 'acache'
  return 'mcache'
}

function chosenDefinition(fn: Function | undefined, config: CacheConfig): CacheKindDefinition {
  return definitionOf(CACHES[chooseCache(fn, config)])
}

const definition: CacheKindDefinition = {
  kind: 'ucache',
  wrap: (fn, config) => chosenDefinition(fn, config).wrap(fn, config),
  // Decided from the options: an async method without options goes to acache's local store, which is per
  // instance just like mcache, so the function itself never changes the answer.
  perInstance: (config) => chosenDefinition(undefined, config).perInstance(config),
  asyncResults: (config, fn) => chooseCache(fn, config) === 'acache',
}

/**
 * Cache `fn` with the cache that fits it: acache for async functions and shared stores, bcache when a folder is
 * given, mcache otherwise. `.cache.kind` tells which was chosen.
 * @example const price = ucache(fetchPrice, { ttl: '10m' })            // async function → acache
 * @example const report = ucache(buildReport, { folderName: 'reports' }) // → bcache
 */
export const ucache: ChoosingCacheFunction = defineCacheFunction<ChoosingCacheFunction>(definition)
