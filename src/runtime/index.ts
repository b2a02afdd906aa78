/**
 * twat-cache runtime: the five caches, their options, statistics and clearing. Importing this module loads no
 * optional engine: SQLite, fs, zlib and keyv are loaded when a cache that needs them is created.
 */
export { mcache } from './caches/mcache.js'
export { bcache } from './caches/bcache.js'
export { fcache } from './caches/fcache.js'
export { acache } from './caches/acache.js'
export { ucache } from './caches/ucache.js'
export { cachedMethod } from './api/methods.js'
export { openCache } from './api/open-cache.js'
export type { OpenCache, OpenCacheOptions } from './api/open-cache.js'
export { createCacheConfig, POLICIES, ENGINES, BACKENDS, COMPRESSIONS } from './options/config.js'
export type { CacheOptions, CacheConfig, Policy, Compression, EngineName, Backend, KeyBy } from './options/config.js'
export { getStats, clearCache } from './api/registry.js'
export { cacheOf, registerDeclaredCache, registerDisabledSite } from './api/cache-of.js'
export type { CacheHandleOf, DeclaredCacheHandle, MethodName, DisabledSite } from './api/cache-of.js'
export { cacheLife, cacheTag, noStore } from './call/computation.js'
export type { CacheLife } from './call/computation.js'
export { invalidateTag, revalidateTag } from './tags/registry.js'
export { traceKeys, TRACE_CHANNEL } from './call/tracing.js'
export type { CallTrace, CallStatus } from './call/tracing.js'
export { getCachePath } from './engines/disk/folders.js'
export { getAvailableBackends } from './api/backends.js'
export {
  TwatCacheError,
  ValidationError,
  CacheKeyError,
  SerializationError,
  CacheFaultError,
  CacheTimeoutError,
  UnsupportedRuntimeError,
  NotCachedError,
  errors,
} from './report/errors.js'
export { WarningCode } from './report/warnings.js'
export type { CacheHandle, AsyncCacheHandle, CacheKind, CachePeek, PeekStatus, WarmOptions, WarmReport } from './call/handle.js'
export type {
  Cached,
  AsyncCached,
  AsyncResult,
  ChosenCached,
  CacheFunction,
  AsyncCacheFunction,
  ChoosingCacheFunction,
} from './api/define.js'
export type { CacheStatsSnapshot } from './report/stats.js'
