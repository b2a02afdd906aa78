/**
 * Where a cache site keeps its entries, from the options the build injects (literal values; an option written as
 * code counts as given), by the rules the runtime applies: bcache and fcache on disk; acache in a shared store with
 * `url`, `store` or a `backend` other than memory; ucache by its own rules (caches/ucache.ts). And the warning
 * for a sync function given a cache whose store only answers asynchronously.
 */
import type { SiteInfo } from '../../transform/site-report.js'

/** memory: in process; disk: v8-serialized on disk; shared: JSON in Redis/memcached/keyv; custom: a `store` you pass. */
export type SiteStore = 'memory' | 'disk' | 'shared' | 'custom'

const given = (site: Pick<SiteInfo, 'code'>, name: string) => site.code[name] !== undefined
const SHARED_BACKENDS: ReadonlySet<unknown> = new Set(['redis', 'memcache'])
const DISK_ENGINES: ReadonlySet<unknown> = new Set(['better-sqlite3', 'node:sqlite', 'file'])

/** Whether the site's options ask for a shared store (acache's `url`, `store`, `backend` other than memory). */
function asksShared(site: Pick<SiteInfo, 'code' | 'options'>): boolean {
  if (given(site, 'url') || given(site, 'store')) return true
  return given(site, 'backend') && (site.options.backend === undefined || SHARED_BACKENDS.has(site.options.backend))
}

/** The cache ucache picks for the site's options (undefined: it depends on the function being async). */
function ucacheChoice(site: Pick<SiteInfo, 'code' | 'options'>): SiteInfo['kind'] | undefined {
  const engine = site.options.preferredEngine
  if (typeof engine === 'string')
    return engine === 'keyv' || engine === 'memory-async'
      ? 'acache'
      : DISK_ENGINES.has(engine)
        ? engine === 'file'
          ? 'fcache'
          : 'bcache'
        : 'mcache'
  if (given(site, 'url') || given(site, 'store') || given(site, 'backend')) return 'acache'
  if (site.options.useAsync === true) return 'acache'
  if (given(site, 'folderName') || given(site, 'cacheDir')) return 'bcache'
  return undefined
}

/** The cache a site runs on, given whether its function is async. */
export function effectiveKind(site: Pick<SiteInfo, 'kind' | 'code' | 'options'>, isAsync: boolean | undefined): SiteInfo['kind'] {
  if (site.kind !== 'ucache') return site.kind
  return ucacheChoice(site) ?? (isAsync && site.options.useAsync !== false ? 'acache' : 'mcache')
}

export function siteStore(site: Pick<SiteInfo, 'kind' | 'code' | 'options'>, isAsync: boolean | undefined): SiteStore {
  const kind = effectiveKind(site, isAsync)
  if (kind === 'bcache' || kind === 'fcache') return 'disk'
  if (kind === 'acache') return given(site, 'store') ? 'custom' : asksShared(site) ? 'shared' : 'memory'
  return 'memory'
}

/**
 * The warning for a sync function and a store that only works asynchronously, or undefined. `isAsync` is from the
 * syntax or the type checker; a function whose async-ness is unknown gets no warning about it.
 */
export function asyncStoreWarning(
  site: Pick<SiteInfo, 'kind' | 'code' | 'options' | 'name'>,
  isAsync: boolean | undefined,
): string | undefined {
  const what = site.name ? `${site.name.replace(/^.*#/, '')}` : 'this function'
  const option = given(site, 'url')
    ? 'url'
    : given(site, 'backend')
      ? `backend=${String(site.options.backend ?? '…')}`
      : given(site, 'store')
        ? 'store'
        : undefined
  if (site.kind === 'mcache' || site.kind === 'bcache' || site.kind === 'fcache') {
    if (!option || option === 'store' || (option.startsWith('backend') && !asksShared(site))) return undefined
    return (
      `${site.kind} ignores ${option}: only acache stores entries in Redis or memcached, and acache returns a Promise. ` +
      `Make ${what} async and use acache, or drop ${option.replace(/=.*/, '')}`
    )
  }
  if (isAsync !== false) return undefined
  if (site.kind === 'acache') {
    return (
      `acache makes ${what} return a Promise, but it is not async: its callers would get a Promise instead of the value. ` +
      'Make it async, or use bcache (on disk) or mcache (in memory) for a sync function'
    )
  }
  if (effectiveKind(site, false) === 'acache') {
    return (
      `ucache picks acache here${option ? ` (for ${option})` : ' (useAsync)'}, which makes ${what} return a Promise, but it is ` +
      'not async: its callers would get a Promise instead of the value. Make it async, or drop the option'
    )
  }
  return undefined
}
