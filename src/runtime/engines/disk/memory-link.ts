/**
 * The last link of every disk chain: a memory engine seen as a persistent one (openCache uses it when no disk
 * engine could open; the cached functions use mcache's own call path instead).
 */
import type { MemoryEngine, PersistentEngine } from '../contract.js'

export function memoryAsPersistent(memory: MemoryEngine): PersistentEngine {
  return {
    name: memory.name,
    path: '',
    store: memory.store,
    get: (key) => memory.get(key) as ReturnType<PersistentEngine['get']>,
    set: (key, value, promise) => memory.set(key, { value, promise }),
    delete: (key) => memory.delete(key),
    has: (key) => memory.has(key),
    clear: () => memory.clear(),
    size: () => memory.size(),
    close: () => memory.clear(),
  }
}
