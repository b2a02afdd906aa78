/**
 * twat-cache runtime: the five caches, their options, statistics and clearing. Importing this module loads no
 * optional engine: SQLite, fs, zlib and keyv are loaded when a cache that needs them is created.
 */
export { mcache } from './caches/mcache.js'
export { bcache } from './caches/bcache.js'
export { fcache } from './caches/fcache.js'
export { acache } from './caches/acache.js'
export { ucache } from './caches/ucache.js'
export { cachedMethod } from './method.js'
export { openCache } from './open-cache.js'
export type { OpenCache, OpenCacheOptions } from './open-cache.js'
export { createCacheConfig, POLICIES, ENGINES, BACKENDS, COMPRESSIONS } from './config.js'
export type { CacheOptions, CacheConfig, Policy, Compression, EngineName, Backend } from './config.js'
export { getStats, clearCache } from './registry.js'
export { getCachePath } from './paths.js'
export { getAvailableBackends } from './backends.js'
export { TwatCacheError, ValidationError, CacheKeyError, SerializationError, CacheFaultError } from './errors.js'
export { WarningCode } from './warnings.js'
export type { CacheHandle, AsyncCacheHandle, Cached, AsyncCached, CacheKind } from './handle.js'
export type { AcacheHandle, AcacheCached, AsyncCacheFunction } from './caches/acache.js'
export type { CacheStatsSnapshot } from './stats.js'
export type { CacheFunction } from './cache-function.js'
