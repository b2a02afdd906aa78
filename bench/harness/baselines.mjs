/** Hand-written baselines shared by several benchmark groups: what one writes without twat-cache. */
import { LRUCache } from 'lru-cache'

/** lru-cache used directly as a get-or-compute memo of a one-argument function. */
export function lruMemo(fn, max) {
  const lru = new LRUCache({ max })
  return (k) => {
    let v = lru.get(k)
    if (v === undefined) {
      v = fn(k)
      lru.set(k, v)
    }
    return v
  }
}
