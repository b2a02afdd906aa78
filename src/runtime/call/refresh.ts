/**
 * Recomputations that are not the caller's to wait for: background refreshes of stale entries (and refreshAhead),
 * one per key at a time, and the back-off after a failed recomputation, so a dead origin is retried after a
 * growing pause instead of on every call (staleIfError serves the last value meanwhile).
 */
import type { Clock } from '../platform/clock.js'
import { isThenable } from '../platform/thenable.js'
import { traceRefresh, type TraceSite } from './tracing.js'

/** First pause after a failure; it doubles with each failure in a row, up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 30_000

/** Run after the current task, so that a synchronous caller gets its stale value first. */
const afterThisTask: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0)

export class Refresher {
  private readonly running = new Map<unknown, Promise<unknown>>()
  private readonly failures = new Map<unknown, { count: number; until: number }>()

  /** `site`: the cache whose refreshes are traced (status `refresh`). */
  constructor(
    private readonly clock: Clock,
    private readonly site?: TraceSite,
  ) {}

  /** Whether a refresh of `key` is under way. */
  isRunning(key: unknown): boolean {
    return this.running.has(key)
  }

  /** Whether `key` failed recently enough that it should not be recomputed yet. */
  backingOff(key: unknown): boolean {
    const failure = this.failures.get(key)
    return failure !== undefined && this.clock.now() < failure.until
  }

  failed(key: unknown): void {
    const count = (this.failures.get(key)?.count ?? 0) + 1
    this.failures.set(key, { count, until: this.clock.now() + Math.min(FIRST_BACKOFF_MS * 2 ** (count - 1), MAX_BACKOFF_MS) })
  }

  succeeded(key: unknown): void {
    this.failures.delete(key)
  }

  /**
   * Start one background refresh of `key` unless one is running or the key is backing off. `run` recomputes and
   * stores; a failure keeps the old entry (counted by `onFailure`). Synchronous functions run after this task.
   */
  inBackground(key: unknown, run: () => unknown, onFailure: (error: unknown) => void): void {
    if (this.running.has(key) || this.backingOff(key)) return
    const settle = (error: unknown, failed: boolean) => {
      this.running.delete(key)
      if (failed) {
        this.failed(key)
        onFailure(error)
      } else this.succeeded(key)
    }
    const started = new Promise<unknown>((resolve) => afterThisTask(() => resolve(undefined))).then(() => {
      let result: unknown
      try {
        result = traceRefresh(this.site, key, run)
      } catch (error) {
        settle(error, true)
        return
      }
      if (!isThenable(result)) return settle(undefined, false)
      return Promise.resolve(result).then(
        () => settle(undefined, false),
        (error: unknown) => settle(error, true),
      )
    })
    this.running.set(key, started)
  }

  /** Share an in-flight foreground recomputation of `key` (the error-only window): the one running, if any. */
  shared(key: unknown): Promise<unknown> | undefined {
    return this.running.get(key)
  }

  track(key: unknown, promise: Promise<unknown>): Promise<unknown> {
    this.running.set(key, promise)
    const done = () => {
      if (this.running.get(key) === promise) this.running.delete(key)
    }
    promise.then(done, done)
    return promise
  }
}
