/** Synchronous waits (a sync cache's lease poll, a write retried in a folder other processes keep removing). */
let sleeper: Int32Array | null | undefined
/** Block the thread for `ms` (synchronous waits); false where Atomics.wait is not allowed. */
export function sleepSync(ms: number): boolean {
  if (sleeper === undefined) sleeper = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null
  if (sleeper === null) return false
  try {
    Atomics.wait(sleeper, 0, 0, ms)
    return true
  } catch {
    sleeper = null // a browser's main thread
    return false
  }
}
