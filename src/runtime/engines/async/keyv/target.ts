/**
 * Which keyv store acache's options ask for (a Keyv instance, a store adapter, keyv's memory store, a Redis or
 * memcached URL), decided when the cache is created so that contradictory options fail early.
 */
import type { Backend, CacheConfig } from '../../../options/config.js'
import { ValidationError } from '../../../report/errors.js'
import { memcacheUrlFromEnv, redisUrlFromEnv } from '../../../options/environment.js'

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
const DEFAULT_MEMCACHE_URL = 'memcache://127.0.0.1:11211'

// Structural types of the keyv parts we use: our own .d.ts files must not need keyv installed.
/** A keyv 5 instance, as far as acache uses it. */
export interface KeyvLike {
  get(key: string): Promise<unknown>
  /** keyv 5: several keys in one round trip. */
  getMany?(keys: string[]): Promise<unknown[]>
  set(key: string, value: unknown, ttl?: number): Promise<unknown>
  delete(key: string): Promise<unknown>
  clear(): Promise<void>
  iterator?: (...args: any[]) => AsyncIterable<[string, unknown]>
  readonly store?: unknown
}
export type KeyvConstructor = new (storeOrOptions?: unknown, options?: Record<string, unknown>) => KeyvLike

/** Where acache's entries go when a keyv store is configured. */
export type KeyvTarget =
  | { readonly kind: 'instance'; readonly keyv: KeyvLike }
  | { readonly kind: 'adapter'; readonly adapter: object }
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'memcache'; readonly url: string }

function isKeyvInstance(store: object): store is KeyvLike {
  const s = store as Record<string, unknown>
  return typeof s.get === 'function' && typeof s.set === 'function' && 'hooks' in s && 'opts' in s && 'store' in s
}

/** What keyv itself accepts as a store (its `_isValidStorageAdapter`). */
function isStoreAdapter(store: object): boolean {
  const s = store as Record<string, unknown>
  return store instanceof Map || ['get', 'set', 'delete', 'clear'].every((method) => typeof s[method] === 'function')
}

function backendOfUrl(url: string): Exclude<Backend, 'memory'> {
  return /^rediss?:\/\//.test(url) ? 'redis' : 'memcache'
}

/**
 * The keyv store the options ask for, or undefined for acache's local store. Throws ValidationError for
 * contradictory options, when the cache is created.
 */
export function resolveKeyvTarget(config: CacheConfig): KeyvTarget | undefined {
  const { store, url, backend, preferredEngine } = config
  if (store !== undefined && url !== undefined) {
    throw new ValidationError('url', url, 'pass either store (a keyv instance or adapter) or url, not both')
  }
  if (store !== undefined) {
    if (backend !== undefined && backend !== 'memory') {
      throw new ValidationError('backend', backend, 'backend chooses a server for url; with store, leave backend out')
    }
    if (isKeyvInstance(store)) return { kind: 'instance', keyv: store }
    if (!isStoreAdapter(store)) {
      throw new ValidationError(
        'store',
        store,
        'expected a Keyv instance or a keyv store adapter (a Map, or an object with get, set, delete and clear methods, ' +
          "e.g. new KeyvRedis('redis://…'))",
      )
    }
    return { kind: 'adapter', adapter: store }
  }
  if (url !== undefined) {
    const fromUrl = backendOfUrl(url)
    if (backend !== undefined && backend !== fromUrl) {
      throw new ValidationError('backend', backend, `url ${url} is a ${fromUrl} URL; set backend: '${fromUrl}' or leave it out`)
    }
    return fromUrl === 'redis' ? { kind: 'redis', url } : { kind: 'memcache', url }
  }
  if (backend === 'redis') return { kind: 'redis', url: redisUrlFromEnv() ?? DEFAULT_REDIS_URL }
  if (backend === 'memcache') return { kind: 'memcache', url: memcacheUrlFromEnv() ?? DEFAULT_MEMCACHE_URL }
  if (preferredEngine === 'keyv') return { kind: 'memory' }
  return undefined
}

/** The engine name a target will report once it runs: 'keyv', 'keyv:redis', 'keyv:memcache', 'keyv:<dialect>'. */
export function keyvEngineName(target: KeyvTarget): string {
  if (target.kind === 'redis' || target.kind === 'memcache') return `keyv:${target.kind}`
  const adapter = target.kind === 'instance' ? target.keyv.store : target.kind === 'adapter' ? target.adapter : undefined
  const dialect = (adapter as { opts?: { dialect?: unknown } } | undefined)?.opts?.dialect
  return typeof dialect === 'string' && dialect !== '' ? `keyv:${dialect}` : 'keyv'
}
