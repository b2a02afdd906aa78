/**
 * What happens when an engine fails at run time: in the default mode the call is a miss and one warning is
 * emitted (the caller's result is never lost); in strict mode a CacheFaultError is thrown.
 */
import { CacheFaultError } from './errors.js'
import type { CacheCounters } from './stats.js'
import { WarningCode, warnOnce } from './warnings.js'

export function reportFault(
  cacheName: string,
  engine: string,
  operation: string,
  error: unknown,
  counters: CacheCounters,
  strict: boolean,
): void {
  counters.errors++
  const reason = error instanceof Error ? error.message : String(error)
  if (strict) {
    throw new CacheFaultError(`Cache ${cacheName} (${engine}) failed to ${operation}: ${reason}`, { cause: error })
  }
  warnOnce(
    WarningCode.fault,
    `Cache ${cacheName} (${engine}) failed to ${operation}: ${reason}. The call went through uncached; ` +
      'pass strict: true to make cache faults throw.',
    `fault:${cacheName}:${operation}`,
  )
}
