/** Counters every cache keeps, and the snapshot `stats()` returns. */

/** What `.cache.stats()` and `getStats()` return. */
export interface CacheStatsSnapshot {
  readonly name: string
  readonly engine: string
  readonly hits: number
  readonly misses: number
  readonly sets: number
  readonly evictions: number
  readonly errors: number
  /** Calls answered with a stale value while one refresh ran (staleWhileRevalidate, a revalidated tag). */
  readonly stale: number
  /** Background refreshes that replaced an entry (stale, refreshAhead, `.cache.refresh()` excluded). */
  readonly refreshes: number
  /** Calls whose recomputation failed and that got the last value instead (staleIfError, timeout). */
  readonly staleIfError: number
  /** Entries found invalidated by a tag and recomputed. */
  readonly invalidations: number
  /**
   * Calls that went through uncached because an argument could not be keyed (a callback, a symbol, a cycle, an
   * object whose state the key cannot see); neither hits nor misses.
   */
  readonly bypassed: number
  /**
   * Persistent or shared entries that failed their signature or decryption (`secret`, `encryptionKey`): removed
   * and recomputed.
   */
  readonly tampered: number
  /** Hits answered by the memory tier (the `memory` option) without reading the store; counted in `hits` too. */
  readonly l1Hits: number
  /** Entries currently held (for shared stores, as far as this process can tell). */
  readonly size: number
  /** hits / (hits + misses), 0 before the first call. */
  readonly hitRate: number
}

/** Mutable counters; plain fields so that incrementing them on the hot path costs nothing measurable. */
export class CacheCounters {
  hits = 0
  misses = 0
  sets = 0
  evictions = 0
  errors = 0
  stale = 0
  refreshes = 0
  staleIfError = 0
  invalidations = 0
  bypassed = 0
  tampered = 0
  l1Hits = 0

  reset(): void {
    this.hits = this.misses = this.sets = this.evictions = this.errors = this.bypassed = this.l1Hits = 0
    this.stale = this.refreshes = this.staleIfError = this.invalidations = this.tampered = 0
  }

  snapshot(name: string, engine: string, size: number): CacheStatsSnapshot {
    const calls = this.hits + this.misses
    return {
      name,
      engine,
      hits: this.hits,
      misses: this.misses,
      sets: this.sets,
      evictions: this.evictions,
      errors: this.errors,
      stale: this.stale,
      refreshes: this.refreshes,
      staleIfError: this.staleIfError,
      invalidations: this.invalidations,
      bypassed: this.bypassed,
      tampered: this.tampered,
      l1Hits: this.l1Hits,
      size,
      hitRate: calls === 0 ? 0 : this.hits / calls,
    }
  }
}
