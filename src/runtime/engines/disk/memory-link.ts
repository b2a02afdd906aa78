/**
 * The last link of every disk chain: a memory engine seen as a persistent one (openCache uses it when no disk
 * engine could open; the cached functions use mcache's own call path instead). Entries are kept whole, and their
 * tags are judged by the in-process invalidations only.
 */
import { currentEpoch, epochVerdict } from '../../tags/registry.js'
import type { MemoryEngine, PersistentEngine } from '../contract.js'

export function memoryAsPersistent(memory: MemoryEngine): PersistentEngine {
  return {
    name: memory.name,
    path: '',
    store: memory.store,
    get: (key) => memory.get(key) as ReturnType<PersistentEngine['get']>,
    // Stamped with the invalidation epoch, which judges its tags (this store keeps no book of times).
    set: (key, entry) => memory.set(key, { ...entry, epoch: currentEpoch() }),
    delete: (key) => memory.delete(key),
    has: (key) => memory.has(key),
    clear: () => memory.clear(),
    size: () => memory.size(),
    close: () => memory.clear(),
    tagVerdict: (entry) => epochVerdict(entry.tags, (entry as { epoch?: number }).epoch ?? 0),
  }
}
