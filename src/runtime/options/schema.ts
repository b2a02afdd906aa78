/**
 * Every rule about cache options, in one place: the option names and their Python aliases, what each value may
 * be, and the rules between options (compression levels per algorithm, policy "ttl" needs a ttl). The runtime
 * (`createCacheConfig`) and the build step (tags, marker calls) both check options here, so they reject the same
 * inputs with the same message.
 *
 * The value rules are plain predicates rather than schemas of a validation library: each is a type or range test
 * with a sentence we write anyway, and this module ships in every browser bundle, whose budget a schema library's
 * code would take most of (see bench/README.md, "Browser bundle").
 */
import { ValidationError } from '../report/errors.js'
import { parseDuration } from './durations.js'
import { didYouMean } from './suggestions.js'
import { KEY_OPTIONS, keyError, keyProblem } from './secrets.js'

/** Eviction policies of the memory caches. */
export const POLICIES = ['lru', 'fifo', 'ttl', 'lfu', 'rr', 'mru'] as const
export type Policy = (typeof POLICIES)[number]

/** Compression of persistent entries. `true` means brotli at quality 2 (fast on numeric data; see bench/README.md). */
export const COMPRESSIONS = ['gzip', 'brotli', 'zstd'] as const
export type Compression = (typeof COMPRESSIONS)[number]

/** Default compression levels: fast ones, since a cache compresses on the call path (bench/compression.mjs). */
export const DEFAULT_LEVELS: Readonly<Record<Compression, number>> = { gzip: 1, brotli: 2, zstd: 3 }
/** The levels each algorithm accepts. */
export const LEVEL_RANGES: Readonly<Record<Compression, readonly [number, number]>> = { gzip: [0, 9], brotli: [0, 11], zstd: [1, 22] }

/** Engine names, as reported by `.cache.engine` and accepted by `preferredEngine`. */
export const ENGINES = ['lru-cache', 'lfu', 'rr', 'mru', 'map', 'better-sqlite3', 'node:sqlite', 'file', 'keyv', 'memory-async'] as const
export type EngineName = (typeof ENGINES)[number]

/** Backends of `acache` that go through a keyv adapter. */
export const BACKENDS = ['memory', 'redis', 'memcache'] as const
export type Backend = (typeof BACKENDS)[number]

/** What the build step computes a persistent cache's version from (the runtime ignores it). */
export const VERSION_SCOPES = ['function', 'module', 'deps'] as const
export type VersionScope = (typeof VERSION_SCOPES)[number]

/** How memory caches key object arguments: by value (equal content, equal key) or by reference (identity). */
export const KEY_BY = ['value', 'identity'] as const
export type KeyBy = (typeof KEY_BY)[number]

/** Every option name (camelCase), in the order messages list them. */
export const OPTION_NAMES = [
  'maxsize',
  'maxBytes',
  'ttl',
  'policy',
  'folderName',
  'cacheDir',
  'compress',
  'compressLevel',
  'secure',
  'preferredEngine',
  'useAsync',
  'key',
  'name',
  'version',
  'versionScope',
  'store',
  'url',
  'backend',
  'strict',
  'clock',
  'keyBy',
  'clone',
  'secret',
  'encryptionKey',
  'memory',
  'memoryMaxsize',
  'memoryTtl',
  'staleWhileRevalidate',
  'staleIfError',
  'timeout',
  'hardTimeout',
  'refreshAhead',
  'tags',
  'shouldCache',
  'lock',
  'lockTimeout',
] as const
export type OptionName = (typeof OPTION_NAMES)[number]

/** Python twat-cache's snake_case names, accepted as aliases. */
export const OPTION_ALIASES: Readonly<Record<string, OptionName>> = {
  folder_name: 'folderName',
  cache_dir: 'cacheDir',
  preferred_engine: 'preferredEngine',
  use_async: 'useAsync',
  max_size: 'maxsize',
  max_bytes: 'maxBytes',
  compress_level: 'compressLevel',
  swr: 'staleWhileRevalidate',
  stale_while_revalidate: 'staleWhileRevalidate',
  stale_if_error: 'staleIfError',
  hard_timeout: 'hardTimeout',
  refresh_ahead: 'refreshAhead',
  should_cache: 'shouldCache',
  version_scope: 'versionScope',
  key_by: 'keyBy',
  encryption_key: 'encryptionKey',
  memory_maxsize: 'memoryMaxsize',
  memory_max_size: 'memoryMaxsize',
  memory_ttl: 'memoryTtl',
  lock_timeout: 'lockTimeout',
}

/** Options whose value is code (a binding in scope) when written in a tag: `key=keyOf`, `store=redisStore`. */
export const CODE_OPTIONS: ReadonlySet<OptionName> = new Set(['key', 'store', 'clock', 'shouldCache', 'secret', 'encryptionKey'])

const hasOwn = (object: object, name: string): boolean => Object.hasOwn(object, name)

/**
 * The camelCase option for a name as written (alias or not), or undefined when there is no such option. Names of
 * `Object.prototype` members (`constructor`, `toString`) are ordinary unknown names.
 */
export function canonicalOptionName(written: string): OptionName | undefined {
  if (hasOwn(OPTION_ALIASES, written)) return OPTION_ALIASES[written]
  return (OPTION_NAMES as readonly string[]).includes(written) ? (written as OptionName) : undefined
}

type Rule = readonly [check: (value: unknown) => boolean, allowed: string]

const isWholeNumber = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const positiveWholeOrNull = (v: unknown) => v === null || (isWholeNumber(v) && v >= 1)
const isBoolean = (v: unknown) => typeof v === 'boolean'
const nonEmptyString = (v: unknown) => typeof v === 'string' && v.length > 0
const oneOf = (list: readonly string[]) => (v: unknown) => typeof v === 'string' && list.includes(v)
const isObject = (v: unknown) => typeof v === 'object' && v !== null
const TRUE_FALSE = 'expected true or false'
/** A tag name: what `tags` and `cacheTag()` accept (stores join tags with line breaks). */
export const isTagName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256 && !/[\n\r]/.test(v)
const isDuration = (v: unknown) =>
  (typeof v === 'number' && Number.isFinite(v) && v >= 0) || (typeof v === 'string' && parseDuration(v) !== undefined)
const DURATION = 'seconds ≥ 0 or a duration such as "500ms", "30s", "10m", "2h", "1d"'

/** What each option's value may be, with the sentence that says so. */
const RULES: { readonly [K in OptionName]: Rule } = {
  maxsize: [positiveWholeOrNull, 'expected a whole number ≥ 1, or null for no limit'],
  maxBytes: [positiveWholeOrNull, 'expected a whole number of bytes ≥ 1, or null for no limit'],
  ttl: [
    (v) =>
      v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0) || (typeof v === 'string' && parseDuration(v) !== undefined),
    'expected seconds ≥ 0, a duration such as "500ms", "30s", "10m", "2h", "1d", or null for no expiry',
  ],
  policy: [oneOf(POLICIES), `expected one of ${POLICIES.join(', ')}`],
  folderName: [
    (v) => nonEmptyString(v) && !/[/\\\0]/.test(v as string) && v !== '.' && !(v as string).includes('..'),
    'expected a plain folder name without "/", "\\", ".." or NUL (use cacheDir for a path)',
  ],
  cacheDir: [nonEmptyString, 'expected a folder path'],
  compress: [(v) => isBoolean(v) || oneOf(COMPRESSIONS)(v), `expected true, false or one of ${COMPRESSIONS.join(', ')}`],
  compressLevel: [(v) => isWholeNumber(v) && v >= 0 && v <= 22, 'expected a whole number from 0 to 22'],
  secure: [isBoolean, TRUE_FALSE],
  preferredEngine: [oneOf(ENGINES), `expected one of ${ENGINES.join(', ')}`],
  useAsync: [isBoolean, TRUE_FALSE],
  key: [(v) => typeof v === 'function', 'expected a function that receives the arguments and returns the key'],
  name: [nonEmptyString, 'expected a non-empty string'],
  version: [(v) => typeof v === 'string', 'expected a string'],
  versionScope: [oneOf(VERSION_SCOPES), `expected one of ${VERSION_SCOPES.join(', ')}`],
  store: [isObject, 'expected a keyv 5 instance or keyv store adapter object'],
  url: [
    (v) => typeof v === 'string' && /^(redis|rediss|memcache|memcached):\/\//.test(v),
    'expected a URL such as redis://127.0.0.1:6379 or memcache://127.0.0.1:11211',
  ],
  backend: [oneOf(BACKENDS), `expected one of ${BACKENDS.join(', ')}`],
  strict: [isBoolean, TRUE_FALSE],
  clock: [
    (v) => isObject(v) && typeof (v as { now?: unknown }).now === 'function',
    'expected an object with a now() method returning milliseconds since the epoch',
  ],
  staleWhileRevalidate: [
    (v) => v === null || isDuration(v),
    `expected ${DURATION} after ttl during which a stale value is served while one refresh runs, or null`,
  ],
  staleIfError: [
    (v) => v === null || isDuration(v),
    `expected ${DURATION} after ttl during which a failing recomputation gets the last value, or null`,
  ],
  timeout: [
    (v) => v === null || isDuration(v),
    `expected ${DURATION}: how long an async recomputation may take before the stale value is returned, or null`,
  ],
  hardTimeout: [
    (v) => v === null || isDuration(v),
    `expected ${DURATION}: how long an async call may take before it rejects with CacheTimeoutError, or null`,
  ],
  refreshAhead: [
    (v) => v === null || (typeof v === 'number' && v > 0 && v < 1),
    'expected a fraction of ttl between 0 and 1 (e.g. 0.8: a hit past 80% of its ttl starts a background refresh), or null',
  ],
  tags: [
    (v) => Array.isArray(v) && v.every(isTagName),
    'expected a list of tag names (non-empty strings of at most 256 characters, without line breaks), e.g. ["prices", "eu"]',
  ],
  shouldCache: [
    (v) => typeof v === 'function',
    'expected a function (result, ...args) => boolean: false returns the result without storing it',
  ],
  keyBy: [
    oneOf(KEY_BY),
    `expected ${KEY_BY.map((v) => `"${v}"`).join(' or ')} ("identity": objects and functions key by reference, memory caches only)`,
  ],
  clone: [isBoolean, TRUE_FALSE],
  // Key options fail through keyError (validateOption), which describes the value without printing it.
  secret: [(v) => keyProblem(v) === undefined, ''],
  encryptionKey: [(v) => keyProblem(v) === undefined, ''],
  memory: [
    (v) => {
      if (isBoolean(v)) return true
      const o = v as MemoryTierOptions
      return (
        isObject(v) &&
        !Array.isArray(v) &&
        Object.keys(o).every((k) => k === 'maxsize' || k === 'ttl') &&
        (o.maxsize === undefined || (isWholeNumber(o.maxsize) && o.maxsize >= 1)) &&
        (o.ttl === undefined || o.ttl === null || isDuration(o.ttl))
      )
    },
    `expected true, false, or { maxsize, ttl }: maxsize a whole number ≥ 1, ttl ${DURATION} or null`,
  ],
  memoryMaxsize: [(v) => isWholeNumber(v) && v >= 1, 'expected a whole number ≥ 1 (tag: memory_maxsize=500)'],
  memoryTtl: [(v) => v === null || isDuration(v), `expected ${DURATION}, or null (tag: memory_ttl=30s)`],
  lock: [isBoolean, 'expected true (one process computes a missing key while the others wait for it) or false (every process computes)'],
  lockTimeout: [
    (v) => isDuration(v) && ttlToMs(v) > 0,
    `expected ${DURATION}, more than 0: how long a lease on a missing key lasts before another process may take over`,
  ],
}

/** The object form of the `memory` option (a memory tier in front of a persistent or shared store). */
export interface MemoryTierOptions {
  /** Most entries the memory tier keeps. @default 1000 */
  readonly maxsize?: number
  /** Longest an entry stays in the memory tier after it was read from the store; null: its own life only. @default null */
  readonly ttl?: number | string | null
}

/** The error for a name that is no option, with a suggestion (aliases included: Python users write snake_case). */
export function unknownOptionError(written: string, value: unknown): ValidationError {
  const suggestion = didYouMean(written, [...OPTION_NAMES, ...Object.keys(OPTION_ALIASES)])
  return new ValidationError(
    written,
    value,
    `unknown option${suggestion ? ` (did you mean ${suggestion}?)` : ''}; known options: ${OPTION_NAMES.join(', ')}`,
  )
}

/** Validate one option's value (`undefined` means not given); throws {@link ValidationError}. */
export function validateOption(name: string, value: unknown): void {
  const canonical = canonicalOptionName(name)
  if (canonical === undefined) throw unknownOptionError(name, value)
  if (value === undefined) return
  if (KEY_OPTIONS.has(canonical)) {
    const problem = keyProblem(value)
    if (problem) throw keyError(canonical, problem)
    return
  }
  const [check, allowed] = RULES[canonical]
  if (!check(value)) throw new ValidationError(canonical, value, allowed)
}

/** Milliseconds of a valid duration value (`ttl`, `staleWhileRevalidate`…); 0 for none. */
export function ttlToMs(ttl: unknown): number {
  if (ttl === null || ttl === undefined) return 0
  return typeof ttl === 'number' ? ttl * 1000 : parseDuration(ttl as string)!
}

/** The freshness options that only mean something once an entry has a ttl to go stale after. */
const AFTER_TTL = ['staleWhileRevalidate', 'staleIfError', 'refreshAhead'] as const

/**
 * The rules between options, on values already valid one by one: throws {@link ValidationError} naming the option
 * at fault. `options` maps camelCase names to values (absent or undefined: not given).
 */
export function checkCombination(options: Readonly<Partial<Record<OptionName, unknown>>>): void {
  if (options.policy === 'ttl' && ttlToMs(options.ttl) === 0) {
    throw new ValidationError('policy', 'ttl', 'policy "ttl" needs a ttl > 0 (e.g. ttl: "10m")')
  }
  for (const name of AFTER_TTL) {
    const value = options[name]
    if (value !== undefined && value !== null && value !== 0 && ttlToMs(options.ttl) === 0) {
      throw new ValidationError(name, value, `${name} applies once an entry is past its ttl: give a ttl too (e.g. ttl: "10m")`)
    }
  }
  const timeout = ttlToMs(options.timeout)
  const hard = ttlToMs(options.hardTimeout)
  if (timeout > 0 && hard > 0 && hard <= timeout) {
    throw new ValidationError(
      'hardTimeout',
      options.hardTimeout,
      `expected more than timeout (${options.timeout}): the call returns the stale value at timeout, and rejects only later`,
    )
  }
  if (
    (options.policy === 'lfu' || options.policy === 'rr' || options.policy === 'mru') &&
    (options.staleWhileRevalidate || options.staleIfError)
  ) {
    throw new ValidationError(
      'policy',
      options.policy,
      `policy "${options.policy}" does not expire entries, so nothing goes stale; use lru, fifo or ttl with a ttl`,
    )
  }
  for (const name of ['memoryMaxsize', 'memoryTtl'] as const) {
    if (options[name] === undefined) continue
    if (options.memory === false) throw new ValidationError(name, options[name], 'memory is false: drop memory: false, or this option')
    if (typeof options.memory === 'object') throw new ValidationError(name, options[name], 'give both in memory: { maxsize, ttl }')
  }
  if (options.lock === false && options.lockTimeout !== undefined) {
    throw new ValidationError(
      'lockTimeout',
      options.lockTimeout,
      'lockTimeout is the life of a lease, and lock: false takes none: drop one of the two',
    )
  }
  const level = options.compressLevel
  if (level === undefined) return
  const compress = options.compress
  if (!compress) throw new ValidationError('compressLevel', level, 'set compress too (true, "gzip", "brotli" or "zstd")')
  const algorithm: Compression = compress === true ? 'brotli' : (compress as Compression)
  const [low, high] = LEVEL_RANGES[algorithm]
  if ((level as number) < low || (level as number) > high) {
    throw new ValidationError(
      'compressLevel',
      level,
      `expected ${low}–${high} for compress "${algorithm}"${compress === true ? ' (true means brotli)' : ''}`,
    )
  }
}

/**
 * `keyBy: 'identity'` where entries outlive the process or are shared with others (bcache, fcache, acache on a
 * shared store): a reference to an object in this process names nothing there. `where` says which, e.g. "bcache
 * keeps entries on disk". Returns the error to throw, or undefined when keyBy is not 'identity'.
 */
export function identityKeysError(keyBy: unknown, where: string): ValidationError | undefined {
  if (keyBy !== 'identity') return undefined
  return new ValidationError(
    'keyBy',
    keyBy,
    `${where}, where a reference to an object in this process names nothing (another process, or this one after a ` +
      'restart, would never find the entry); key by value (the default), or pass a `key` option that returns a ' +
      'value to key by, e.g. key: (user) => user.id',
  )
}
