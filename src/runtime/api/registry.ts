/**
 * Every live cache by name, for `getStats()` and `clearCache()`. Held weakly: a cached function that the program
 * drops is collected with its cache.
 */
import type { AnyCacheHandle } from '../call/handle.js'
import type { CacheStatsSnapshot } from '../report/stats.js'
import { cacheOf } from './cache-of.js'

const byName = new Map<string, Set<WeakRef<AnyCacheHandle>>>()
const cleanup = new FinalizationRegistry<{ name: string; ref: WeakRef<AnyCacheHandle> }>(({ name, ref }) => {
  const set = byName.get(name)
  set?.delete(ref)
  if (set?.size === 0) byName.delete(name)
})

export function registerCache(handle: AnyCacheHandle): void {
  const ref = new WeakRef(handle)
  let set = byName.get(handle.name)
  if (!set) byName.set(handle.name, (set = new Set()))
  set.add(ref)
  cleanup.register(handle, { name: handle.name, ref })
}

function liveHandles(name?: string): AnyCacheHandle[] {
  const sets = name === undefined ? [...byName.values()] : [byName.get(name) ?? new Set()]
  const handles: AnyCacheHandle[] = []
  for (const set of sets) {
    for (const ref of set) {
      const handle = ref.deref()
      if (handle) handles.push(handle)
    }
  }
  return handles
}

/** The handles `getStats`/`clearCache` act on: every live one, those named `name`, or the cache of a function. */
function handlesFor(target?: string | Function): AnyCacheHandle[] {
  if (typeof target === 'function') return [cacheOf(target as (...args: unknown[]) => unknown)]
  return liveHandles(target)
}

/**
 * Statistics of every live cache, of the caches named `name` (several caches may share a name), or of the cache of a
 * function (see `cacheOf`; a cached method: summed over its instances).
 * @throws NotCachedError when given a function that is not cached
 */
export function getStats(nameOrFunction?: string | Function): CacheStatsSnapshot[] {
  return handlesFor(nameOrFunction).map((handle) => handle.stats())
}

/**
 * Clear every live cache, those named `name`, or the cache of a function (see `cacheOf`). Resolves when async caches
 * are cleared too.
 * @throws NotCachedError (as a rejection) when given a function that is not cached
 */
export async function clearCache(nameOrFunction?: string | Function): Promise<void> {
  await Promise.all(handlesFor(nameOrFunction).map((handle) => handle.clear()))
}
