/**
 * Cache options: what each means and its default (`CacheOptions`), and `createCacheConfig`, which validates them
 * (rules in schema.ts) and returns the frozen `CacheConfig` a cache runs with. Every cache validates its options
 * once, when it is created, so a call never pays for validation.
 */
import { systemClock, type Clock } from '../platform/clock.js'
import { ValidationError } from '../report/errors.js'
import type { KeyInput } from './secrets.js'
import {
  canonicalOptionName,
  checkCombination,
  ttlToMs,
  unknownOptionError,
  validateOption,
  type Backend,
  type Compression,
  type EngineName,
  type KeyBy,
  type MemoryTierOptions,
  type OptionName,
  type Policy,
  type VersionScope,
  OPTION_NAMES,
} from './schema.js'

export {
  BACKENDS,
  COMPRESSIONS,
  ENGINES,
  KEY_BY,
  OPTION_ALIASES,
  OPTION_NAMES,
  POLICIES,
  VERSION_SCOPES,
  validateOption,
} from './schema.js'
export type { Backend, Compression, EngineName, KeyBy, MemoryTierOptions, Policy, VersionScope } from './schema.js'
export type { KeyInput } from './secrets.js'
export { didYouMean } from './suggestions.js'
/** Every option name (camelCase), for "did you mean" suggestions. */
export const OPTION_NAME_LIST: readonly string[] = OPTION_NAMES

/** Options every cache accepts. Each is validated when the cache is created. */
export interface CacheOptions {
  /** Most entries kept; `null` for no limit. @default 1000 for memory caches, null for disk caches */
  readonly maxsize?: number | null
  /** Most bytes kept on disk (bcache, fcache); `null` for no limit. @default 1 GiB */
  readonly maxBytes?: number | null
  /** Time to live: seconds, or a duration string (`500ms`, `30s`, `10m`, `2h`, `1d`). `null`/`0` never expire. @default null */
  readonly ttl?: number | string | null
  /** Eviction policy of memory caches. @default 'lru' */
  readonly policy?: Policy
  /** Sub-folder of the cache root for persistent caches; a plain name, no separators. @default 'default' */
  readonly folderName?: string
  /** Root folder for persistent caches. @default $TWAT_CACHE_DIR or the platform cache folder */
  readonly cacheDir?: string
  /** Compress persistent entries: `true` (brotli quality 2), 'gzip' (level 1), 'brotli' or 'zstd'. @default false */
  readonly compress?: boolean | Compression
  /** Compression level (gzip 0–9, brotli 0–11, zstd 1–22). @default 1 for gzip, 2 for brotli, 3 for zstd */
  readonly compressLevel?: number
  /**
   * Safe folders: create folders 0700 and files 0600, and refuse a cache root or folder that is a symbolic link,
   * belongs to another user, or that group or others can write (one TWAT_CACHE_UNSAFE_FOLDER warning, then the next
   * engine, or an error in strict mode); never follow a symbolic link at `cache.sqlite`. `false` leaves modes to
   * the umask and checks nothing. @default true
   */
  readonly secure?: boolean
  /**
   * Sign every persistent and shared entry (bcache, fcache, acache on a keyv store) with HMAC-SHA256 over its
   * function, version, key, life, tags and payload; an entry that does not verify is a miss, removed, counted in
   * `stats().tampered` and warned about once (TWAT_CACHE_TAMPERED). A string (32 random bytes as base64 or hex,
   * or a passphrase of 16+ characters), a Buffer of 16+ bytes, or a list for rotation: the first signs, all
   * verify. Not in a tag (only a binding's name): keep keys out of code with $TWAT_CACHE_SECRET. Memory caches
   * ignore it. @default $TWAT_CACHE_SECRET, else none
   */
  readonly secret?: KeyInput
  /**
   * Encrypt the payload of every persistent and shared entry with AES-256-GCM (a fresh IV per entry, the entry's
   * function, version, key, life and tags as associated data). An entry that does not decrypt (another key, or
   * rewritten) is a miss, as with `secret`. Same key formats and rotation rule as `secret`. Tag alias
   * `encryption_key` (a binding's name only). @default $TWAT_CACHE_ENCRYPTION_KEY, else none
   */
  readonly encryptionKey?: KeyInput
  /** Engine to try first; the rest of the chain still applies. */
  readonly preferredEngine?: EngineName
  /** For ucache: treat the function as async (use the acache chain). */
  readonly useAsync?: boolean
  /** Custom key: receives the call's arguments (with the call's `this`) and returns the key. */
  readonly key?: (...args: any[]) => unknown
  /** Cache name for getStats/clearCache; persistent caches use it as the function id. @default the function's name */
  readonly name?: string
  /** Version of the function; persistent entries of another version are never returned. @default hash of fn.toString() */
  readonly version?: string
  /**
   * What the build step computes a persistent cache's version from: `'deps'` (the function, the declarations of its
   * module it reads and the modules it imports, transitively), `'module'` (the whole module) or `'function'` (the
   * function alone); formatting and comments never count. A build-time option: the runtime accepts it and ignores
   * it, since without the build step the version is a hash of `fn.toString()`. Memory caches ignore versions.
   * @default 'deps'
   */
  readonly versionScope?: VersionScope
  /** acache: a keyv 5 instance or keyv store adapter (Redis, memcached, SQLite…). */
  readonly store?: object
  /** acache: a backend URL, `redis://…` or `memcache://…`. */
  readonly url?: string
  /** acache: the backend to use; `url` or `$TWAT_CACHE_REDIS_URL` say where. @default 'memory' */
  readonly backend?: Backend
  /** Throw cache faults instead of treating them as misses with a warning. @default false */
  readonly strict?: boolean
  /**
   * The time source for expiry, `{ now(): number }` in ms since the epoch; for tests that move time instead of
   * sleeping. @default `Date.now()`, read at every use (so fake timers that replace it are followed)
   */
  readonly clock?: Clock
  /**
   * After `ttl`, how long a call still gets the old value at once while one background recomputation replaces it
   * (Next.js's `expire` minus `revalidate`). Seconds or a duration string. Tag alias `swr`. @default null (none)
   */
  readonly staleWhileRevalidate?: number | string | null
  /**
   * After `ttl`, how long a call whose recomputation throws or rejects gets the last value instead of the error
   * (retries back off). Seconds or a duration string. @default null (none)
   */
  readonly staleIfError?: number | string | null
  /** Async: when a stale value exists and the recomputation takes longer than this, return the stale value. @default null */
  readonly timeout?: number | string | null
  /** Async: reject with CacheTimeoutError after this; the next call starts afresh. @default null */
  readonly hardTimeout?: number | string | null
  /** A fraction of `ttl` (e.g. 0.8): a hit on an entry older than this starts a background refresh. @default null */
  readonly refreshAhead?: number | null
  /** Tags of every entry of this function, for `invalidateTag` / `revalidateTag`. @default [] */
  readonly tags?: readonly string[]
  /** `(result, ...args) => boolean`: false returns the result without storing it. */
  readonly shouldCache?: (result: any, ...args: any[]) => boolean
  /**
   * How memory caches key object arguments. `'value'`: equal content, equal key (`f({id: 1})` twice is one entry),
   * right for functions of data. `'identity'`: objects, arrays, functions and symbols key by reference (a WeakMap
   * gives each a number, so no entry keeps an argument alive), right for functions that look at identity, for
   * arguments that cannot be keyed by value (callbacks: `map(list, fn)`), and for large arguments that are
   * passed again as the same object. Primitives key by value either way. Persistent and shared caches reject
   * 'identity' (a reference means nothing to another process): use `key` there. Tag: `key_by=identity`.
   * @default 'value'
   */
  readonly keyBy?: KeyBy
  /**
   * Every hit of a memory cache returns a `structuredClone` of the cached value (a cached promise: a promise of a
   * clone), and the first call's result is stored as a copy: for callers that change what they get. A result that
   * a clone would not reproduce (functions, class instances) is returned but not cached, with a
   * TWAT_CACHE_SERIALIZATION warning. Disk caches decode a fresh value on every hit already: there it only gives
   * calls that join a call in flight their own copy. Tag: `clone=true`.
   * @default false
   */
  readonly clone?: boolean
  /**
   * A memory tier (L1) in front of the store of bcache, fcache, and acache on a shared store: a hit is answered from
   * this process's memory (lru-cache), and a set, delete, clear, expiry or tag invalidation by another process is
   * seen within 100 ms (SQLite: `PRAGMA data_version`; files: a change log; Redis: a pub/sub bus). What it holds is
   * what the store returned (the decoded value); hits share it, as mcache hits do, unless `clone: true`. `true`
   * keeps up to 1000 entries; `{ maxsize, ttl }` sets the number and the longest stay. Caches that are in memory
   * already (mcache, acache without a shared store) ignore it. Tags: `memory=true`, `memory_maxsize=500`,
   * `memory_ttl=30s`. See README, "Running many processes and machines".
   * @default false
   */
  readonly memory?: boolean | MemoryTierOptions
  /** The memory tier's most entries (implies `memory: true`). Tag: `memory_maxsize=500`. @default 1000 */
  readonly memoryMaxsize?: number
  /** The memory tier's longest stay per entry (implies `memory: true`). Tag: `memory_ttl=30s`. @default null */
  readonly memoryTtl?: number | string | null
  /**
   * Persistent and shared caches (bcache; acache and ucache on Redis or memcached): before computing a missing key, take
   * a lease on it in the store, so that one process computes it while the others wait for the entry. `false`: every
   * process computes (and stores) its own. Memory caches de-duplicate calls within the process either way.
   * @default true
   */
  readonly lock?: boolean
  /**
   * How long a lease lasts: a holder that dies blocks the others at most this long, then one of them takes over;
   * a computation that takes longer is computed again by one waiter. Seconds or a duration string. Tag
   * `lock_timeout`. @default '10s'
   */
  readonly lockTimeout?: number | string
}

/** The memory tier of a cache, resolved: entries and longest stay in ms (0: the entry's own life only). */
export interface MemoryTierConfig {
  readonly maxsize: number
  readonly ttlMs: number
}

/** Entries a memory tier keeps by default. */
export const DEFAULT_MEMORY_TIER_SIZE = 1000

/** The default `lockTimeout` (README, "One computation per key", says why 10 s). */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000

/** The validated, frozen form of {@link CacheOptions}. Durations are milliseconds. */
export interface CacheConfig {
  readonly maxsize: number | null | undefined
  readonly maxBytes: number | null | undefined
  readonly ttlMs: number
  readonly policy: Policy
  readonly folderName: string | undefined
  readonly cacheDir: string | undefined
  readonly compress: Compression | false
  readonly compressLevel: number | undefined
  readonly secure: boolean
  readonly preferredEngine: EngineName | undefined
  readonly useAsync: boolean | undefined
  readonly key: ((...args: any[]) => unknown) | undefined
  readonly name: string | undefined
  readonly version: string | undefined
  readonly store: object | undefined
  readonly url: string | undefined
  readonly backend: Backend | undefined
  readonly strict: boolean
  readonly clock: Clock
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
  readonly timeoutMs: number
  readonly hardTimeoutMs: number
  readonly refreshAhead: number
  readonly tags: readonly string[]
  readonly shouldCache: ((result: any, ...args: any[]) => boolean) | undefined
  readonly keyBy: KeyBy
  readonly clone: boolean
  readonly secret: KeyInput | undefined
  readonly encryptionKey: KeyInput | undefined
  /** The memory tier in front of a persistent or shared store, or undefined for none. */
  readonly memory: MemoryTierConfig | undefined
  readonly lock: boolean
  readonly lockTimeoutMs: number
}

function memoryTierOf(given: Partial<Record<OptionName, unknown>>): MemoryTierConfig | undefined {
  const memory = given.memory as boolean | MemoryTierOptions | undefined
  if (memory === false) return undefined
  if (memory === undefined && given.memoryMaxsize === undefined && given.memoryTtl === undefined) return undefined
  const object = typeof memory === 'object' ? memory : {}
  return Object.freeze({
    maxsize: object.maxsize ?? (given.memoryMaxsize as number | undefined) ?? DEFAULT_MEMORY_TIER_SIZE,
    ttlMs: ttlToMs(object.ttl !== undefined ? object.ttl : given.memoryTtl),
  })
}

/**
 * Validate `options` and return a frozen {@link CacheConfig}.
 * @throws ValidationError naming the option, the value and what is allowed.
 * @example createCacheConfig({ maxsize: 100, ttl: '10m' })
 */
export function createCacheConfig(options: CacheOptions = {}): CacheConfig {
  if (options === null || typeof options !== 'object') {
    throw new ValidationError('options', options, 'expected an object of cache options')
  }
  const given: Partial<Record<OptionName, unknown>> = {}
  for (const written of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[written]
    const name = canonicalOptionName(written)
    if (name === undefined) throw unknownOptionError(written, value)
    validateOption(name, value)
    given[name] = value
  }
  checkCombination(given)
  const compress = given.compress === true ? 'brotli' : ((given.compress as Compression | false | undefined) ?? false)
  const config: CacheConfig = {
    maxsize: given.maxsize as number | null | undefined,
    maxBytes: given.maxBytes as number | null | undefined,
    ttlMs: ttlToMs(given.ttl),
    policy: (given.policy as Policy | undefined) ?? 'lru',
    folderName: given.folderName as string | undefined,
    cacheDir: given.cacheDir as string | undefined,
    compress,
    compressLevel: given.compressLevel as number | undefined,
    secure: (given.secure as boolean | undefined) ?? true,
    preferredEngine: given.preferredEngine as EngineName | undefined,
    useAsync: given.useAsync as boolean | undefined,
    key: given.key as CacheConfig['key'],
    name: given.name as string | undefined,
    version: given.version as string | undefined,
    store: given.store as object | undefined,
    url: given.url as string | undefined,
    backend: given.backend as Backend | undefined,
    strict: (given.strict as boolean | undefined) ?? false,
    clock: (given.clock as Clock | undefined) ?? systemClock,
    staleWhileRevalidateMs: ttlToMs(given.staleWhileRevalidate),
    staleIfErrorMs: ttlToMs(given.staleIfError),
    timeoutMs: ttlToMs(given.timeout),
    hardTimeoutMs: ttlToMs(given.hardTimeout),
    refreshAhead: (given.refreshAhead as number | null | undefined) ?? 0,
    tags: Object.freeze([...((given.tags as readonly string[] | undefined) ?? [])]),
    shouldCache: given.shouldCache as CacheConfig['shouldCache'],
    keyBy: (given.keyBy as KeyBy | undefined) ?? 'value',
    clone: (given.clone as boolean | undefined) ?? false,
    secret: given.secret as KeyInput | undefined,
    encryptionKey: given.encryptionKey as KeyInput | undefined,
    memory: memoryTierOf(given),
    lock: (given.lock as boolean | undefined) ?? true,
    lockTimeoutMs: given.lockTimeout === undefined ? DEFAULT_LOCK_TIMEOUT_MS : ttlToMs(given.lockTimeout),
  }
  return Object.freeze(config)
}
