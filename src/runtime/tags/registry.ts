/**
 * Tag invalidation, process-wide: `invalidateTag` makes every entry carrying a tag a miss, `revalidateTag` makes it
 * stale (served under staleWhileRevalidate while one refresh runs, else a miss). In memory, entries remember the
 * invalidation epoch their computation started in, so a check is one comparison until an invalidation happens;
 * memory caches whose tags are all static (the `tags` option) are simply cleared. Persistent and shared stores
 * keep invalidation times of their own (so other processes see them): they register here and are told.
 */
import { WarningCode, warnOnce } from '../report/warnings.js'
import { audit } from '../report/audit.js'

export type TagMode = 'invalidate' | 'revalidate'

/** What tag invalidations say about an entry: still valid, to be served stale, or gone. */
export type TagVerdict = 'valid' | 'stale' | 'invalid'

interface Marks {
  invalidated: number
  revalidated: number
}

let epoch = 0
const marks = new Map<string, Marks>()
const lastStamps = new WeakMap<object, number>()

/**
 * A time on `clock` for stamping entries and invalidations, strictly increasing per clock within the process (ties
 * move by a microsecond), so a computation that starts after an invalidation always counts as after it, even when
 * both happen in the same millisecond or on a clock that stands still (a test clock, fake timers).
 */
export function stamp(clock: { now(): number }): number {
  const now = clock.now()
  const last = lastStamps.get(clock) ?? -Infinity
  const next = now > last ? now : last + 0.001
  lastStamps.set(clock, next)
  return next
}

/** The current invalidation epoch: entries computed from now on carry it. */
export function currentEpoch(): number {
  return epoch
}

/** What the in-process invalidations say about an entry with `tags`, computed in epoch `since`. */
export function epochVerdict(tags: readonly string[], since: number): TagVerdict {
  if (since === epoch) return 'valid'
  let verdict: TagVerdict = 'valid'
  for (const tag of tags) {
    const mark = marks.get(tag)
    if (!mark) continue
    if (mark.invalidated > since) return 'invalid'
    if (mark.revalidated > since) verdict = 'stale'
  }
  return verdict
}

/**
 * What a store does when tags are invalidated: memory caches clear, persistent and shared stores record the time,
 * on the clock their entries are stamped with (so a cache given a test clock compares like with like).
 */
export interface TagListener {
  /** The tags this listener cares about, or undefined for all (stores keep entries of any tag). */
  readonly tags: ReadonlySet<string> | undefined
  onTags(tags: readonly string[], mode: TagMode): void | Promise<void>
}

const listeners = new Set<WeakRef<TagListener>>()
const cleanup = new FinalizationRegistry<WeakRef<TagListener>>((ref) => listeners.delete(ref))

/** Be told of invalidations while `listener` is alive (held weakly: a collected cache stops listening). */
export function listenForTags(listener: TagListener): () => void {
  const ref = new WeakRef(listener)
  listeners.add(ref)
  cleanup.register(listener, ref)
  return () => listeners.delete(ref)
}

async function apply(tags: string | readonly string[], mode: TagMode): Promise<void> {
  const list = typeof tags === 'string' ? [tags] : [...tags]
  if (list.length === 0) return
  epoch++
  for (const tag of list) {
    const mark = marks.get(tag) ?? { invalidated: 0, revalidated: 0 }
    if (mode === 'invalidate') mark.invalidated = epoch
    else mark.revalidated = epoch
    marks.set(tag, mark)
  }
  const pending: Array<void | Promise<void>> = []
  for (const ref of listeners) {
    const listener = ref.deref()
    if (!listener) {
      listeners.delete(ref)
      continue
    }
    if (listener.tags && !list.some((tag) => listener.tags!.has(tag))) continue
    try {
      pending.push(listener.onTags(list, mode))
    } catch (error) {
      warnOnce(WarningCode.fault, `${mode}Tag could not reach one of the stores: ${(error as Error).message}`, `tags:${mode}`)
    }
  }
  const results = await Promise.allSettled(pending)
  for (const result of results) {
    if (result.status === 'rejected') {
      warnOnce(
        WarningCode.fault,
        `${mode}Tag could not reach one of the stores: ${(result.reason as Error)?.message ?? result.reason}`,
        `tags:${mode}`,
      )
    }
  }
}

/**
 * Every entry carrying one of `tags` becomes a miss, in every cache of this process and in every store it uses
 * (SQLite folders, file folders, shared stores), so other processes see it too. Resolves when the stores have it.
 * @example await invalidateTag('prices')
 */
export function invalidateTag(tags: string | readonly string[]): Promise<void> {
  audit('invalidate', '*', `invalidateTag(${JSON.stringify(tags)})`)
  return apply(tags, 'invalidate')
}

/**
 * Entries carrying one of `tags` become stale: served under `staleWhileRevalidate` while one refresh replaces them,
 * a miss without it. Resolves when the stores have it.
 * @example await revalidateTag(['products', 'product:42'])
 */
export function revalidateTag(tags: string | readonly string[]): Promise<void> {
  audit('invalidate', '*', `revalidateTag(${JSON.stringify(tags)})`)
  return apply(tags, 'revalidate')
}

/** Forget every in-process invalidation (the testing helpers' reset). */
export function resetInvalidations(): void {
  marks.clear()
  epoch = 0
}

/** When a tag was last invalidated and revalidated, in a store (ms since the epoch, 0 for never). */
export interface TagTimes {
  readonly invalidated: number
  readonly revalidated: number
}

/** What a store's tag times say about an entry with `tags` computed at `created`. */
export function verdictFromTimes(tags: readonly string[], created: number, timesOf: (tag: string) => TagTimes | undefined): TagVerdict {
  let verdict: TagVerdict = 'valid'
  for (const tag of tags) {
    const times = timesOf(tag)
    if (!times) continue
    // Entries are stamped with the time their computation started: one that started after the invalidation is valid.
    // Stamps are strictly ordered within a process only; another process's invalidation in the same millisecond as
    // a computation here may have come first, so a tie counts as before it (one extra recomputation, never a stale
    // answer).
    if (times.invalidated >= created) return 'invalid'
    if (times.revalidated >= created) verdict = 'stale'
  }
  return verdict
}
