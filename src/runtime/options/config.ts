/**
 * Cache options: their types, defaults, validation (valibot schemas) and `createCacheConfig`.
 * Every cache validates its options once, when it is created, so a call never pays for validation.
 */
import * as v from 'valibot'
import { ValidationError, describeValue } from '../report/errors.js'
import { parseDuration } from './durations.js'
import { systemClock, type Clock } from '../platform/clock.js'

/** Eviction policies of the memory caches. */
export const POLICIES = ['lru', 'fifo', 'ttl', 'lfu', 'rr', 'mru'] as const
export type Policy = (typeof POLICIES)[number]

/** Compression of persistent entries. `true` means brotli at quality 2 (fast on numeric data; see bench/README.md). */
export const COMPRESSIONS = ['gzip', 'brotli', 'zstd'] as const
export type Compression = (typeof COMPRESSIONS)[number]

/** Engine names, as reported by `.cache.engine` and accepted by `preferredEngine`. */
export const ENGINES = [
  'lru-cache', 'lfu', 'rr', 'mru', 'map',
  'better-sqlite3', 'node:sqlite', 'file',
  'keyv', 'memory-async',
] as const
export type EngineName = (typeof ENGINES)[number]

/** Backends of `acache` that go through a keyv adapter. */
export const BACKENDS = ['memory', 'redis', 'memcache'] as const
export type Backend = (typeof BACKENDS)[number]

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
  /** Create folders 0700 and files 0600. @default true */
  readonly secure?: boolean
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
}

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
}

const OPTION_NAMES = [
  'maxsize', 'maxBytes', 'ttl', 'policy', 'folderName', 'cacheDir', 'compress', 'compressLevel', 'secure',
  'preferredEngine', 'useAsync', 'key', 'name', 'version', 'store', 'url', 'backend', 'strict', 'clock',
] as const satisfies readonly (keyof CacheOptions)[]

/** Python twat-cache's snake_case names, accepted as aliases. */
export const OPTION_ALIASES: Readonly<Record<string, (typeof OPTION_NAMES)[number]>> = {
  folder_name: 'folderName',
  cache_dir: 'cacheDir',
  preferred_engine: 'preferredEngine',
  use_async: 'useAsync',
  max_size: 'maxsize',
  max_bytes: 'maxBytes',
  compress_level: 'compressLevel',
}

/** Every option name (camelCase), for "did you mean" suggestions. */
export const OPTION_NAME_LIST: readonly string[] = OPTION_NAMES

const positiveIntegerOrNull = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))
const nonEmptyString = v.pipe(v.string(), v.minLength(1))

/** valibot schemas, one per option, with the sentence that says what is allowed. */
const RULES: { readonly [K in (typeof OPTION_NAMES)[number]]: readonly [v.GenericSchema, string] } = {
  maxsize: [positiveIntegerOrNull, 'expected a whole number ≥ 1, or null for no limit'],
  maxBytes: [positiveIntegerOrNull, 'expected a whole number of bytes ≥ 1, or null for no limit'],
  ttl: [
    v.nullable(v.union([v.pipe(v.number(), v.finite(), v.minValue(0)), v.string()])),
    'expected seconds ≥ 0, a duration such as "500ms", "30s", "10m", "2h", "1d", or null for no expiry',
  ],
  policy: [v.picklist(POLICIES), `expected one of ${POLICIES.join(', ')}`],
  folderName: [
    v.pipe(nonEmptyString, v.check((s) => !/[/\\\0]/.test(s) && s !== '.' && !s.includes('..'))),
    'expected a plain folder name without "/", "\\", ".." or NUL (use cacheDir for a path)',
  ],
  cacheDir: [nonEmptyString, 'expected a folder path'],
  compress: [v.union([v.boolean(), v.picklist(COMPRESSIONS)]), `expected true, false or one of ${COMPRESSIONS.join(', ')}`],
  compressLevel: [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(22)), 'expected a whole number from 0 to 22'],
  secure: [v.boolean(), 'expected true or false'],
  preferredEngine: [v.picklist(ENGINES), `expected one of ${ENGINES.join(', ')}`],
  useAsync: [v.boolean(), 'expected true or false'],
  key: [v.function(), 'expected a function that receives the arguments and returns the key'],
  name: [nonEmptyString, 'expected a non-empty string'],
  version: [v.string(), 'expected a string'],
  store: [v.object({}), 'expected a keyv 5 instance or keyv store adapter object'],
  url: [v.pipe(v.string(), v.regex(/^(redis|rediss|memcache|memcached):\/\//)), 'expected a URL such as redis://127.0.0.1:6379 or memcache://127.0.0.1:11211'],
  backend: [v.picklist(BACKENDS), `expected one of ${BACKENDS.join(', ')}`],
  strict: [v.boolean(), 'expected true or false'],
  clock: [v.object({ now: v.function() }), 'expected an object with a now() method returning milliseconds since the epoch'],
}

/** Edit distance for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = distance(word, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

/** Validate one option's value; throws {@link ValidationError}. Exported for the build-time transform. */
export function validateOption(name: string, value: unknown): void {
  const rule = RULES[name as keyof typeof RULES]
  if (!rule) {
    const suggestion = didYouMean(name, OPTION_NAMES)
    throw new ValidationError(
      name,
      value,
      `unknown option${suggestion ? ` (did you mean ${suggestion}?)` : ''}; known options: ${OPTION_NAMES.join(', ')}`,
    )
  }
  if (value === undefined) return
  if (!v.is(rule[0], value)) throw new ValidationError(name, value, rule[1])
  if (name === 'ttl' && typeof value === 'string' && parseDuration(value) === undefined) {
    throw new ValidationError(name, value, rule[1])
  }
}

function ttlToMs(ttl: number | string | null | undefined): number {
  if (ttl === null || ttl === undefined) return 0
  return typeof ttl === 'number' ? ttl * 1000 : parseDuration(ttl)!
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
  const normalized: Record<string, unknown> = {}
  for (const [rawName, value] of Object.entries(options)) {
    const name = OPTION_ALIASES[rawName] ?? rawName
    validateOption(name, value)
    normalized[name] = value
  }
  const policy = (normalized.policy as Policy | undefined) ?? 'lru'
  const ttlMs = ttlToMs(normalized.ttl as CacheOptions['ttl'])
  if (policy === 'ttl' && ttlMs === 0) {
    throw new ValidationError('policy', policy, 'policy "ttl" needs a ttl > 0 (e.g. ttl: "10m")')
  }
  if (normalized.compressLevel !== undefined && !normalized.compress) {
    throw new ValidationError('compressLevel', normalized.compressLevel, 'set compress too (true, "gzip", "brotli" or "zstd")')
  }
  const compress = normalized.compress === true ? 'brotli' : ((normalized.compress as Compression | false | undefined) ?? false)
  const config: CacheConfig = {
    maxsize: normalized.maxsize as number | null | undefined,
    maxBytes: normalized.maxBytes as number | null | undefined,
    ttlMs,
    policy,
    folderName: normalized.folderName as string | undefined,
    cacheDir: normalized.cacheDir as string | undefined,
    compress,
    compressLevel: normalized.compressLevel as number | undefined,
    secure: (normalized.secure as boolean | undefined) ?? true,
    preferredEngine: normalized.preferredEngine as EngineName | undefined,
    useAsync: normalized.useAsync as boolean | undefined,
    key: normalized.key as CacheConfig['key'],
    name: normalized.name as string | undefined,
    version: normalized.version as string | undefined,
    store: normalized.store as object | undefined,
    url: normalized.url as string | undefined,
    backend: normalized.backend as Backend | undefined,
    strict: (normalized.strict as boolean | undefined) ?? false,
    clock: (normalized.clock as Clock | undefined) ?? systemClock,
  }
  return Object.freeze(config)
}

/** Re-exported for messages elsewhere. */
export { describeValue }
