/**
 * Every live cache by name, for `getStats()` and `clearCache()`. Held weakly: a cached function that the program
 * drops is collected with its cache.
 */
import type { AnyCacheHandle } from '../call/handle.js'
import type { CacheStatsSnapshot } from '../report/stats.js'

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

/** Statistics of every live cache, or of the caches named `name` (several caches may share a name). */
export function getStats(name?: string): CacheStatsSnapshot[] {
  return liveHandles(name).map((handle) => handle.stats())
}

/** Clear every live cache, or those named `name`. Resolves when async caches are cleared too. */
export async function clearCache(name?: string): Promise<void> {
  await Promise.all(liveHandles(name).map((handle) => handle.clear()))
}
