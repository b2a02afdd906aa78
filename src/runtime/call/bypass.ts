/**
 * The bypass stage: a call whose arguments cannot be keyed (the key stage answered with an Unkeyable) runs
 * uncached and returns its result, is counted in `stats().bypassed`, and is reported once per cache with the
 * TWAT_CACHE_KEY warning, which names the argument and the fix. Tagging a utility that takes callbacks must never
 * crash a program: a cache fault never costs the caller its result. (`strict: true` makes the key stage throw
 * CacheKeyError instead, so these calls never get here.)
 */
import { UNKEYABLE_FIX, type Unkeyable } from '../keys/unkeyable.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { compute, computeAsync } from './compute.js'
import { noteStatus } from './tracing.js'

/** What the bypass stage needs of a call plan. */
export interface BypassPlan {
  readonly name: string
  readonly fn: Function
  readonly counters: CacheCounters
  readonly asyncResults: boolean
}

/** Count and report a bypass (and note it for the tracing stage): every composition reports bypasses through here. */
export function reportBypass(plan: BypassPlan, unkeyable: Unkeyable): void {
  plan.counters.bypassed++
  noteStatus('bypass')
  warnOnce(
    WarningCode.key,
    `Cache ${plan.name}: ${unkeyable.where()} cannot be keyed: ${unkeyable.why}. Calls like this one run uncached ` +
      `(counted in stats().bypassed); ${UNKEYABLE_FIX}; strict: true makes this a CacheKeyError.`,
    `key:${plan.name}`,
  )
}

/** Run the call uncached, as the caller made it. */
export function bypassCall(plan: BypassPlan, self: unknown, args: ArrayLike<unknown>, unkeyable: Unkeyable): unknown {
  reportBypass(plan, unkeyable)
  return plan.asyncResults ? computeAsync(plan.fn, self, args) : compute(plan.fn, self, args)
}
