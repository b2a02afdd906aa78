/**
 * Time limits of async calls: `timeout` returns the stale value when a recomputation is slow (the recomputation
 * goes on and stores its result), `hardTimeout` rejects with CacheTimeoutError (and frees the call's slot, so the
 * next call starts afresh). Timers are unref'd: a limit never keeps a process alive.
 */
import { CacheTimeoutError } from '../report/errors.js'

function timer(ms: number, run: () => void): () => void {
  const handle = setTimeout(run, ms)
  ;(handle as { unref?: () => void }).unref?.()
  return () => clearTimeout(handle)
}

/** `promise`, or `stale` once `ms` have passed without it settling (0: no limit). */
export function orStaleAfter<T>(promise: Promise<T>, ms: number, stale: () => T, onTimeout: () => void): Promise<T> {
  if (ms <= 0) return promise
  return new Promise<T>((resolve, reject) => {
    const cancel = timer(ms, () => {
      onTimeout()
      resolve(stale())
    })
    promise.then(
      (value) => {
        cancel()
        resolve(value)
      },
      (error: unknown) => {
        cancel()
        reject(error)
      },
    )
  })
}

/** `promise`, or a CacheTimeoutError once `ms` have passed without it settling (0: no limit). */
export function rejectAfter<T>(promise: Promise<T>, ms: number, name: string, onTimeout: () => void): Promise<T> {
  if (ms <= 0) return promise
  return new Promise<T>((resolve, reject) => {
    const cancel = timer(ms, () => {
      onTimeout()
      reject(new CacheTimeoutError(`Cache ${name}: the call took longer than its hardTimeout (${ms} ms); the next call starts afresh`))
    })
    promise.then(
      (value) => {
        cancel()
        resolve(value)
      },
      (error: unknown) => {
        cancel()
        reject(error)
      },
    )
  })
}
