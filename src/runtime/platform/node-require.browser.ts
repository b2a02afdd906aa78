/**
 * The browser's stand-in for node-require.ts: lru-cache is bundled statically; every other optional package
 * (SQLite, keyv adapters) is unavailable, so their caches fall back to memory.
 */
import { LRUCache } from 'lru-cache'

export type NodeRequire = (id: string) => unknown

export function createNodeRequire(): NodeRequire | null {
  return (id) => {
    if (id === 'lru-cache') return { LRUCache }
    throw new Error(`${id} is not available in the browser`)
  }
}
