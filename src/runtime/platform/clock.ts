/**
 * The clock every engine and the call pipeline read for expiry: the wall clock by default, or one a test controls
 * (the `clock` option), so time-to-live tests move time instead of sleeping. Read through `now()` on every use,
 * never cached, so fake timers that replace `Date.now` are followed too.
 */

/** A source of the current time in milliseconds since the epoch. */
export interface Clock {
  now(): number
}

/** `Date.now()`, looked up at each call so that fake timers (Vitest, Sinon) which replace it are seen. */
export const systemClock: Clock = { now: () => Date.now() }

/**
 * Whether engines must read the system clock at every expiry check instead of keeping a reading briefly (lru-cache's
 * `ttlResolution`, see engines/memory/lru.ts): on in tests that set the time without running timers
 * (`vi.setSystemTime`), through `followFakeTimers()` of `twat-cache/testing`. Read when an engine is created.
 */
export const clockReadings = { exact: false }
