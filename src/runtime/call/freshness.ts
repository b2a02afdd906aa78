/**
 * The freshness stage: the life an entry gets when it is stored (the cache's options, or what `cacheLife()` set
 * during the computation), and what an entry found in a store is worth now — fresh, fresh but due for a refresh
 * ahead of expiry, stale (served while one refresh runs), only good for when the recomputation fails, or gone.
 */
import type { StoredEntry } from '../engines/contract.js'
import type { CacheConfig } from '../options/config.js'
import type { TagVerdict } from '../tags/registry.js'
import type { LifeOverride } from './computation.js'

/** An entry's windows, in ms. */
export interface Life {
  readonly ttlMs: number
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
}

/** What an entry is worth at a moment. */
export type Freshness = 'fresh' | 'ahead' | 'stale' | 'error-only' | 'gone'

const NO_TAGS: readonly string[] = Object.freeze([])

/** Whether a cache's options need entries with their life (stale windows, refresh ahead, timeouts). */
export function needsEntries(config: CacheConfig): boolean {
  return (
    config.staleWhileRevalidateMs > 0 ||
    config.staleIfErrorMs > 0 ||
    config.refreshAhead > 0 ||
    config.timeoutMs > 0 ||
    config.hardTimeoutMs > 0
  )
}

/** Whether a computation's own life asks for more than a ttl (which plain memory engines hold per entry). */
export function needsWindows(life: LifeOverride | undefined): boolean {
  return (life?.staleWhileRevalidateMs ?? 0) > 0 || (life?.staleIfErrorMs ?? 0) > 0
}

/** The life of an entry: the cache's options, with what the computation set on top. */
export function lifeOf(config: CacheConfig, override: LifeOverride | undefined): Life {
  return {
    ttlMs: override?.ttlMs ?? config.ttlMs,
    staleWhileRevalidateMs: override?.staleWhileRevalidateMs ?? config.staleWhileRevalidateMs,
    staleIfErrorMs: override?.staleIfErrorMs ?? config.staleIfErrorMs,
  }
}

/** The tags of an entry: the cache's own, and those the computation added. */
export function tagsOf(config: CacheConfig, added: readonly string[] | undefined): readonly string[] {
  if (!added?.length) return config.tags.length ? config.tags : NO_TAGS
  return config.tags.length ? [...new Set([...config.tags, ...added])] : [...new Set(added)]
}

/** A new entry computed at `now`. */
export function newEntry(value: unknown, promise: boolean, now: number, life: Life, tags: readonly string[]): StoredEntry {
  if (life.ttlMs <= 0) return { value, promise, created: now, freshUntil: 0, staleUntil: 0, errorUntil: 0, tags }
  const freshUntil = now + life.ttlMs
  return {
    value,
    promise,
    created: now,
    freshUntil,
    staleUntil: freshUntil + life.staleWhileRevalidateMs,
    errorUntil: life.staleIfErrorMs > 0 ? freshUntil + life.staleIfErrorMs : 0,
    tags,
  }
}

/** The same entry, stale from `now` on (`.cache.expire()`, a revalidated tag): its windows start now. */
export function expiredNow(entry: StoredEntry, now: number): StoredEntry {
  const swr = Math.max(0, entry.staleUntil - entry.freshUntil)
  const sie = entry.errorUntil > 0 ? Math.max(0, entry.errorUntil - entry.freshUntil) : 0
  return { ...entry, freshUntil: now, staleUntil: now + swr, errorUntil: sie > 0 ? now + sie : 0 }
}

/**
 * `.cache.expire()`: the entry stale from `now` on, or undefined when it has no window to be served in (no
 * staleWhileRevalidate, no staleIfError): then it is to be removed, a miss.
 */
export function expiredAt(entry: StoredEntry, now: number): StoredEntry | undefined {
  const expired = expiredNow(entry, now)
  return judge(expired, now, 'valid', 0) === 'gone' ? undefined : expired
}

/** What `entry` is worth at `now`, given what tag invalidations say about it and the cache's refreshAhead. */
export function judge(entry: StoredEntry, now: number, verdict: TagVerdict, refreshAhead: number): Freshness {
  if (verdict === 'invalid') return 'gone'
  const { freshUntil, staleUntil, errorUntil } = entry
  const stale = verdict === 'stale' || (freshUntil > 0 && now >= freshUntil)
  if (!stale) {
    if (refreshAhead > 0 && freshUntil > 0 && now >= entry.created + refreshAhead * (freshUntil - entry.created)) return 'ahead'
    return 'fresh'
  }
  // A revalidated entry is served stale whatever its age, if its cache serves stale values at all.
  if (staleUntil > freshUntil && (verdict === 'stale' || now < staleUntil)) return 'stale'
  if (errorUntil > 0 && now < errorUntil) return 'error-only'
  return 'gone'
}
