/**
 * A clock that tests move by hand (EngineContext.clock, or the `clock` option), so time-to-live tests move time
 * instead of sleeping. It starts far from today, so an engine that reads the wall clock instead of the one it was
 * given keeps its entries alive and fails its ttl test.
 */
import type { Clock } from '../../src/runtime/platform/clock.js'

/** 2040-01-01T00:00:00Z. */
export const MANUAL_CLOCK_START = Date.UTC(2040, 0, 1)

export class ManualClock implements Clock {
  private time: number

  constructor(start: number = MANUAL_CLOCK_START) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  advance(ms: number): void {
    this.time += ms
  }
}

/**
 * Run `body` with Date.now() reading `clock`, for code that reads Date.now() itself (keyv's own expiry), restored
 * afterwards whatever happens.
 */
export async function withDateNow<T>(clock: Clock, body: () => Promise<T>): Promise<T> {
  const original = Date.now
  Date.now = () => clock.now()
  try {
    return await body()
  } finally {
    Date.now = original
  }
}
