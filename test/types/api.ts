// Type tests for the rest of the public runtime API: options, config, openCache, statistics, errors.
import {
  clearCache,
  createCacheConfig,
  errors,
  getCachePath,
  getStats,
  openCache,
  ValidationError,
  type CacheConfig,
  type CacheOptions,
  type CacheStatsSnapshot,
  type KeyBy,
  type OpenCache,
} from '../../src/runtime/index.js'

const options: CacheOptions = { maxsize: 10, ttl: '10m', policy: 'lfu', compress: 'gzip', compressLevel: 3 }
// @ts-expect-error unknown policy
const badPolicy: CacheOptions = { policy: 'lifo' }
// @ts-expect-error ttl takes seconds or a duration string
const badTtl: CacheOptions = { ttl: true }
// @ts-expect-error unknown option
const unknownOption: CacheOptions = { maxSize: 10 }
const correctness: CacheOptions = { keyBy: 'identity', clone: true }
// @ts-expect-error keyBy is 'value' or 'identity'
const badKeyBy: CacheOptions = { keyBy: 'reference' }
// @ts-expect-error clone is a boolean
const badClone: CacheOptions = { clone: 'deep' }
const keyBy: KeyBy = createCacheConfig(correctness).keyBy
const config: CacheConfig = createCacheConfig(options)
const ttlMs: number = config.ttlMs
// @ts-expect-error a config is read-only
config.ttlMs = 5

const cache: OpenCache<{ total: number }> = openCache<{ total: number }>({ maxsize: 5 })
cache.set('k', { total: 1 })
// @ts-expect-error openCache<V> stores V
cache.set('k', 'text')
const total: number | undefined = cache.get('k')?.total

const all: CacheStatsSnapshot[] = getStats()
const hits: number = all[0]?.hits ?? 0
const bypassed: number = all[0]?.bypassed ?? 0
const cleared: Promise<void> = clearCache('name')
const folder: string = getCachePath('reports')
// @ts-expect-error getCachePath takes a folder name
getCachePath(3)

const isValidation: boolean = new ValidationError('maxsize', -1, 'x') instanceof errors.ValidationError
const code: string = errors.CacheKeyError.code

export {
  options,
  badPolicy,
  badTtl,
  unknownOption,
  correctness,
  badKeyBy,
  badClone,
  keyBy,
  ttlMs,
  total,
  hits,
  bypassed,
  cleared,
  folder,
  isValidation,
  code,
}
