/**
 * `twat-cache/testing`: helpers for test suites. `resetCaches()` empties every live cache of the process (memory,
 * and the entries of persistent and shared ones), their counters, the in-process tag invalidations and the warn-once
 * memory, so no test sees what another cached or warned about. `useTemporaryCacheRoot()` points persistent caches at
 * a folder of their own, so tests never read or write the developer's real cache folder. `followFakeTimers()` makes
 * ttls follow a clock set by a test at once. The Vitest setup file (`twat-cache/testing/vitest-setup`) does all
 * three for every test file.
 */
import { clearCache } from '../runtime/api/registry.js'
import { clockReadings } from '../runtime/platform/clock.js'
import { resetWarnings } from '../runtime/report/warnings.js'
import { resetInvalidations } from '../runtime/tags/registry.js'

export { useTemporaryCacheRoot, type TemporaryCacheRoot } from './cache-root.js'

/**
 * Empty every live cache: memory entries, persistent entries (SQLite rows and files of the functions cached in this
 * process; a shared store's entries of those functions), statistics; and forget tag invalidations and which warnings
 * were emitted, so a warning a test expects is emitted again. Resolves when async caches are cleared.
 * @example beforeEach(() => resetCaches())
 */
export async function resetCaches(): Promise<void> {
  await clearCache()
  resetInvalidations()
  resetWarnings()
}

/**
 * Make memory caches created from now on read the clock at every expiry check, so a time set without running
 * timers (`vi.setSystemTime`, Sinon's `clock.setSystemTime`) expires entries at once. Without it, `ttl`s already
 * follow fake timers that advance (`vi.advanceTimersByTime`): every cache reads `Date.now()` at each call; but
 * lru-cache keeps a reading for 1 ms of timer time, which setting the time alone does not pass. Costs a clock
 * reading per hit of a cache with a ttl, so it is for tests only; the Vitest setup file calls it.
 */
export function followFakeTimers(): void {
  clockReadings.exact = true
}
