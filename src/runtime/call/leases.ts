/**
 * The lease stage of the settled-values composition: one computation per key across processes and machines.
 * After the in-process de-duplication (a map of calls in flight, pipeline.ts) and before compute, a miss takes a
 * lease on its key in the store (SQLite: a row of the `leases` table; Redis: `SET NX PX` with a random token;
 * memcached: `add` with an expiry):
 *
 * - taken (or taken over from a holder that let it run out): this call computes, and its write gives the lease up
 *   in the same write (SQLite: the same transaction; Redis and memcached: sent with it). A computation that throws, or whose
 *   result is not stored, gives it up too.
 * - held by another process: this call waits for the entry, polling the store with back-off (10 ms growing to
 *   100 ms). The entry appears: it is the answer. The lease is gone without an entry (its holder failed) or ran out
 *   (its holder died): the next poll takes it and this call computes, once — its own failure is its own error, or
 *   the stale value where staleIfError keeps one, as without leases. The wait is bounded by lockTimeout (plus a
 *   margin) in real time, whatever the cache's clock says: after it the call computes without a lease.
 * - no lease (the store has no lease primitive, or taking it failed, which is reported as a fault): compute.
 *
 * A synchronous call cannot wait for a timer: it sleeps with Atomics.wait between polls, blocking its thread as
 * computing the value itself would. It does not wait when this process holds a lease on a computation in flight
 * (the holder could be this very thread's pending promise): it computes instead.
 */
import type { ReadResult, SettledStore } from './settled-stores.js'
import { FAULT, then } from './settled-stores.js'
import { isThenable } from '../platform/thenable.js'
import { sleepSync } from '../platform/sleep-sync.js'

/** What {@link LeasedMiss.usable} returns when a read entry does not answer the call yet. */
export const NOT_YET: unique symbol = Symbol('twat-cache.not-yet')

/** The first pause between polls, its growth, and its cap (ms): a few polls in the first 100 ms, then 10 a second. */
const FIRST_PAUSE_MS = 10
const PAUSE_GROWTH = 1.5
const LONGEST_PAUSE_MS = 100
/** A waiter waits this long past lockTimeout (real time) before it computes without a lease. */
const WAIT_MARGIN_MS = 250

/** Leases held by this process on computations still in flight (see the module comment). */
let heldInFlight = 0

export interface LeasedMiss {
  readonly store: SettledStore
  readonly key: unknown
  /** The lease's life (lockTimeout). */
  readonly timeoutMs: number
  /** Waits may be asynchronous (the call returns a promise anyway). */
  readonly asynchronous: boolean
  /** Compute and store; with a token, the write gives up that lease (and a failure gives it up too). */
  compute(token: string | undefined): unknown
  /** The answer an entry read while waiting gives, or NOT_YET. */
  usable(found: ReadResult): unknown
  /** A lease was taken over after its holder let it run out. */
  tookOver(): void
}

/** A random lease token: only its holder can give a lease up. */
function newToken(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  return crypto?.randomUUID
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms)
  })

/** Run a miss under a lease (see the module comment). */
export function leasedMiss(miss: LeasedMiss): unknown {
  const { store, key, timeoutMs, asynchronous } = miss
  const token = newToken()
  const deadline = performance.now() + timeoutMs + WAIT_MARGIN_MS

  const computeHolding = (): unknown => {
    const result = miss.compute(token)
    if (!isThenable(result)) return result
    heldInFlight++
    const done = () => {
      heldInFlight--
    }
    ;(result as Promise<unknown>).then(done, done)
    return result
  }

  /**
   * After a wait, the holder may have stored its entry and given the lease up between this call's last read and
   * its taking the lease: read once more before computing (only here, so a first miss pays no extra read).
   */
  const afterWaiting = (): unknown =>
    then(store.read(key), (found) =>
      found === FAULT
        ? computeHolding()
        : then(miss.usable(found), (answer) => {
            if (answer === NOT_YET) return computeHolding()
            return then(store.unlease!(key, token), () => answer)
          }),
    )

  const attempt = (pause: number, waited: boolean): unknown =>
    then(store.lease!(key, token, timeoutMs), (taken) => {
      if (taken === 'none') return miss.compute(undefined)
      if (taken === 'expired') miss.tookOver()
      if (taken !== 'held') return waited ? afterWaiting() : computeHolding()
      return wait(pause)
    })

  const wait = (pause: number): unknown => {
    if (performance.now() >= deadline) return miss.compute(undefined)
    const next = Math.min(pause * PAUSE_GROWTH, LONGEST_PAUSE_MS)
    const poll = (): unknown =>
      then(store.read(key), (found) => {
        if (found === FAULT) return miss.compute(undefined)
        return then(miss.usable(found), (answer) => (answer === NOT_YET ? attempt(next, true) : answer))
      })
    if (asynchronous) return sleep(pause).then(poll)
    if (heldInFlight > 0 || !sleepSync(pause)) return miss.compute(undefined)
    return poll()
  }

  return attempt(FIRST_PAUSE_MS, false)
}
