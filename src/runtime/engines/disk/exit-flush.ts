/**
 * Work the disk engines must do when the process exits (writing access times kept in memory), registered once
 * per process on `exit` whatever the number of caches.
 */

const exitFlushes = new Set<() => void>()
let exitHooked = false

/** Run `flush` when the process exits, until {@link cancelFlushAtExit}. It must be synchronous and never throw. */
export function flushAtExit(flush: () => void): void {
  exitFlushes.add(flush)
  if (exitHooked) return
  exitHooked = true
  process.once('exit', () => {
    for (const run of exitFlushes) run()
  })
}

/** Forget a flush registered with {@link flushAtExit} (the cache was closed and flushed already). */
export function cancelFlushAtExit(flush: () => void): void {
  exitFlushes.delete(flush)
}
