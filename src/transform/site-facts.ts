/**
 * What a cache site's options say, at build time, about how its entries live: whether they persist beyond the
 * process (disk, or a shared store), how its version is computed, whether closure problems are errors, and whether
 * a `key` option decides its keys. Mirrors ucache's choice (src/runtime/caches/ucache.ts) on the options known at
 * build time; an option whose value is only known at run time counts as "may persist", the safe side for versions.
 */
import type { VersionScope } from '../runtime/options/schema.js'
import type { CacheKindName } from './tags.js'

/** How a persistent site's version is computed: `deps` follows the code it depends on. */
export type { VersionScope }

/** The options of a site: literal values where known, `unknown` for code (`store=redisStore`) or spread options. */
export type KnownOptions = ReadonlyMap<string, { readonly literal: true; readonly value: unknown } | { readonly literal: false }>

export interface SiteFacts {
  /** Entries outlive the process: bcache, fcache, or acache/ucache on a shared store or with a folder. */
  readonly persistent: boolean
  readonly versionScope: VersionScope
  /** `strict=true`: closure problems are build errors. */
  readonly strict: boolean
  /** A `key` option is given (it sees `this` and may include what the function reads). */
  readonly hasKey: boolean
}

const PERSISTENT_ENGINES: ReadonlySet<string> = new Set(['better-sqlite3', 'node:sqlite', 'file'])
const MEMORY_ENGINES: ReadonlySet<string> = new Set(['lru-cache', 'lfu', 'rr', 'mru', 'map', 'memory-async'])

/** A keyv store other than keyv's own in-process memory. */
function sharedStore(options: KnownOptions): boolean {
  if (options.has('store') || options.has('url')) return true
  const backend = options.get('backend')
  if (!backend) return false
  return !(backend.literal && backend.value === 'memory')
}

function isPersistent(kind: CacheKindName, options: KnownOptions): boolean {
  switch (kind) {
    case 'bcache':
    case 'fcache':
      return true
    case 'mcache':
      return false
    case 'acache':
      return sharedStore(options)
    case 'ucache': {
      const engine = options.get('preferredEngine')
      if (engine) {
        if (!engine.literal) return true
        if (PERSISTENT_ENGINES.has(engine.value as string)) return true
        if (MEMORY_ENGINES.has(engine.value as string)) return false
        return sharedStore(options)
      }
      if (options.has('store') || options.has('url') || options.has('backend')) return sharedStore(options)
      const useAsync = options.get('useAsync')
      if (useAsync?.literal && useAsync.value === true) return false
      return options.has('folderName') || options.has('cacheDir')
    }
  }
}

/**
 * The facts of a site of `kind` with `options` (the plugin's defaults merged under the site's own). `complete` is
 * false when some options are hidden from the build (`acache(fn, options)`, a spread): acache and ucache may then
 * persist.
 */
export function siteFacts(kind: CacheKindName, options: KnownOptions, complete = true): SiteFacts {
  const scope = options.get('versionScope')
  const strict = options.get('strict')
  const mayPersist = !complete && (kind === 'acache' || kind === 'ucache')
  return {
    persistent: mayPersist || isPersistent(kind, options),
    versionScope: scope?.literal ? (scope.value as VersionScope) : 'deps',
    strict: strict?.literal === true && strict.value === true,
    hasKey: options.has('key'),
  }
}

const ASYNC_ENGINES: ReadonlySet<string> = new Set(['keyv', 'memory-async'])

/**
 * Whether the site's handle answers with promises: acache, or ucache choosing acache (the rules of `chooseCache` in
 * src/runtime/caches/ucache.ts, on the options known at build time). `isAsync`: the function is declared `async`.
 */
export function asyncHandle(kind: CacheKindName, options: KnownOptions, isAsync: boolean): boolean {
  if (kind === 'acache') return true
  if (kind !== 'ucache') return false
  const literal = (name: string) => {
    const option = options.get(name)
    return option?.literal ? option.value : undefined
  }
  if (options.has('preferredEngine')) return ASYNC_ENGINES.has(literal('preferredEngine') as string)
  if (options.has('store') || options.has('url') || options.has('backend')) return true
  if (literal('useAsync') === true) return true
  if (options.has('folderName') || options.has('cacheDir')) return false
  return isAsync && literal('useAsync') !== false
}
