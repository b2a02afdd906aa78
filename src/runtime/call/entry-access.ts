/**
 * What the entry operations of the handle (entry-operations.ts) reach in each composition: the entries of a settled
 * store (judged by the same freshness stage and tag verdicts as a call, through the store's read, replace and
 * remove), and a memory cache's results (bare results in a plain cache, entries once it keeps them:
 * memory-entries.ts implements its own).
 */
import { MISS, type StoredEntry } from '../engines/contract.js'
import type { Clock } from '../platform/clock.js'
import type { TagVerdict } from '../tags/registry.js'
import { bypassCall, type BypassPlan } from './bypass.js'
import type { EntryAccess, Peeked } from './entry-operations.js'
import { expiredAt, judge, type Freshness } from './freshness.js'
import type { MemoryEntries } from './memory-entries.js'
import { CHANGED } from './memory-values.js'
import { memoryRefresh, type MemoryCallPlan } from './pipeline.js'
import { FAULT, then, type SettledStore } from './settled-stores.js'

/** What the settled access needs: the store, how it judges tags, the composition's refresh. */
export interface SettledAccessPlan extends BypassPlan {
  readonly store: SettledStore
  readonly clock: Clock
  readonly refreshAhead: number
  tagVerdict(entry: StoredEntry): TagVerdict | Promise<TagVerdict>
  refresh(self: unknown, args: ArrayLike<unknown>, key: unknown): unknown
}

/** The entry operations' access to a persistent or shared store. */
export function settledEntryAccess(plan: SettledAccessPlan): EntryAccess {
  const { store, clock, refreshAhead } = plan

  /** The entry of `key` judged now, counting nothing, or undefined. */
  const find = (
    key: unknown,
  ): { entry: StoredEntry; worth: Freshness } | undefined | Promise<{ entry: StoredEntry; worth: Freshness } | undefined> =>
    then(store.read(key), (found) => {
      if (found === MISS || found === FAULT) return undefined
      const entry = found as StoredEntry
      const verdict = entry.tags.length ? plan.tagVerdict(entry) : 'valid'
      return then(verdict, (v) => ({ entry, worth: judge(entry, clock.now(), v, refreshAhead) }))
    })

  return {
    peek: (key) =>
      then(find(key), (found): Peeked | undefined => {
        if (found === undefined || found.worth === 'gone') return undefined
        const { entry } = found
        // As a call answers: a promise for a function that returned one (and for every acache call).
        return { value: plan.asyncResults || entry.promise ? Promise.resolve(entry.value) : entry.value, worth: found.worth }
      }),
    expire: (key) =>
      then(find(key), (found) => {
        if (found === undefined) return false
        const expired = found.worth === 'gone' ? undefined : expiredAt(found.entry, clock.now())
        if (expired === undefined) return then(store.remove(key), () => found.worth !== 'gone')
        return then(store.replace(key, expired), () => true)
      }),
    refresh: (self, args, key) => plan.refresh(self, args, key),
    bypass: (self, args, unkeyable) => bypassCall(plan, self, args, unkeyable),
  }
}

/**
 * The entry operations' access to a memory cache: its entries composition once it keeps entries (`entries()`),
 * else its plain results, which have no windows: expire removes them (a miss, as without staleWhileRevalidate),
 * and every result found is fresh.
 */
export function memoryEntryAccess(plan: MemoryCallPlan, entries: () => MemoryEntries | undefined): EntryAccess {
  const { engine, values } = plan
  return {
    peek(key, args) {
      const kept = entries()
      if (kept) return kept.peek(key, args)
      const stored = engine.get(key)
      if (stored === MISS) return undefined
      const value = values ? values.hand(stored, args) : stored
      if (value === CHANGED) {
        engine.delete(key)
        return undefined
      }
      return { value, worth: 'fresh' }
    },
    expire: (key) => entries()?.expire(key) ?? engine.delete(key),
    refresh: (self, args, key) => {
      const kept = entries()
      return kept ? kept.refresh(self, args, key) : memoryRefresh(plan, self, key, args)
    },
    bypass: (self, args, unkeyable) => bypassCall(plan, self, args, unkeyable),
  }
}
