/**
 * The memory tier (L1, the `memory` option): a stage in front of a settled store (settled-stores.ts) that answers
 * a read from this process's memory (lru-cache) when it holds the entry, and otherwise reads the store and keeps
 * what it returned. It is a SettledStore itself, so a call, `peek`, `expire`, `refresh` and `warm` pass it as they
 * pass the store, and the freshness stage and the store's tag verdicts judge its entries exactly as the store's.
 *
 * - What it holds is what the store returned (the decoded entry): it is filled by reads only, and a write or a
 *   removal drops the key, so the next read takes what the store keeps now (a value the codec changes, a class
 *   instance read back as a plain object, comes back as every other process sees it). Hits share that value, as
 *   mcache hits do; with `clone: true` each hit gets its own structured copy.
 * - Other processes: a persistent store says what others changed (`foreignChanges`, asked at most every
 *   {@link CHECK_EVERY_MS}); a shared store has an invalidation bus: while it is not trusted the tier is skipped, and
 *   when messages may have been lost it is emptied (see engines/async/keyv/bus.ts for the bound).
 * - This process: tiers of the same store slice (two wrappers of one function) tell each other directly.
 */
import { LRUCache } from 'lru-cache'
import { MISS, type ForeignChanges, type InvalidationBus, type StoredEntry } from '../engines/contract.js'
import type { Clock } from '../platform/clock.js'
import type { MemoryTierConfig } from '../options/config.js'
import type { CacheCounters } from '../report/stats.js'
import { FAULT, then, type ReadResult, type SettledStore } from './settled-stores.js'

/** How often, at most, a read asks a persistent store what other processes changed (half the 100 ms promise). */
export const CHECK_EVERY_MS = 50

/**
 * Ticks every CHECK_EVERY_MS (one unref'd timer for every tier of the process): the first read after a tick asks
 * the store. A timer rather than a clock reading per hit, which costs as much as the rest of a tier hit. A long
 * synchronous run keeps its check, as the SQLite tag book does (tag-book.ts): whatever tells this process that
 * another one changed something (a message, a request, a timer) arrives in a later task, after the next tick.
 */
let tick = 0
let ticker: ReturnType<typeof setInterval> | undefined
function startTicker(): void {
  if (ticker !== undefined) return
  ticker = setInterval(() => tick++, CHECK_EVERY_MS)
  ticker.unref?.()
}

/** Where the tier learns of other processes' changes. */
export type ChangeSource =
  | { readonly kind: 'poll'; foreignChanges(): ForeignChanges }
  | { readonly kind: 'bus'; bus(): InvalidationBus | undefined }
  | { readonly kind: 'none' }

export interface MemoryTierPlan {
  readonly config: MemoryTierConfig
  readonly counters: CacheCounters
  readonly clock: Clock
  /** Hits get their own structured copy (`clone: true`). */
  readonly clone: boolean
  /** The store slice, for tiers of this process in front of the same one (a database path and function id…). */
  readonly slice: string
  readonly source: ChangeSource
}

/** The tier's store, and what the handle's own operations (delete, clear) must tell it. */
export interface MemoryTier {
  readonly store: SettledStore
  /** After `.cache.delete(key)`: forget it here, in sibling tiers and (shared stores) in other processes. */
  deleted(key: unknown): void
  /** After `.cache.clear()`. */
  cleared(): void
  /** `.cache.close()`: stop listening to the bus (a later call listens again). */
  close(): void
}

/** The tiers of this process, by store slice; weakly held, since a cached function may be dropped. */
const siblings = new Map<string, Set<WeakRef<TierState>>>()

interface TierState {
  drop(key: string | 'all'): void
}

function tellSiblings(slice: string, self: TierState, key: string | 'all'): void {
  const set = siblings.get(slice)
  if (!set || set.size < 2) return
  for (const ref of set) {
    const tier = ref.deref()
    if (tier === undefined) set.delete(ref)
    else if (tier !== self) tier.drop(key)
  }
}

export function memoryTier(store: SettledStore, plan: MemoryTierPlan): MemoryTier {
  const { counters, clock, clone, slice, source } = plan
  const lru = new LRUCache<string, StoredEntry>({
    max: plan.config.maxsize,
    // The tier's ttl on the cache's clock, read on every check (as engines/memory/lru.ts does for other clocks).
    ...(plan.config.ttlMs > 0 ? { ttl: plan.config.ttlMs, perf: clock, ttlResolution: 0 } : {}),
  })
  /** Bumped by every change heard of, so a read that started before one does not keep what it found. */
  let generation = 0
  let checkedAt = -1
  let seenEpoch = -1
  let bus: InvalidationBus | undefined
  let unlisten: (() => void) | undefined

  const state: TierState = {
    drop(key) {
      generation++
      if (key === 'all') lru.clear()
      else lru.delete(key)
    },
  }
  if (source.kind === 'poll') startTicker()
  let set = siblings.get(slice)
  if (!set) siblings.set(slice, (set = new Set()))
  set.add(new WeakRef(state))

  const apply = (changes: ForeignChanges) => {
    if (changes === undefined) return
    generation++
    if (changes === 'all') {
      lru.clear()
      return
    }
    for (const key of [...lru.keys()]) if (changes.changed(key)) lru.delete(key)
  }

  /** Whether the tier may answer now, having heard what other processes changed. */
  function current(): boolean {
    if (source.kind === 'poll') {
      if (checkedAt !== tick) {
        checkedAt = tick
        apply(source.foreignChanges())
      }
      return true
    }
    if (source.kind === 'none') return true
    if (bus === undefined) {
      bus = source.bus()
      if (bus === undefined) return false
      unlisten = bus.listen((keys) => {
        generation++
        if (keys === 'all') lru.clear()
        else for (const key of keys) lru.delete(key)
      })
    }
    const epoch = bus.epoch()
    if (epoch !== seenEpoch) {
      // Messages may have been lost while the bus was down: nothing held from before is to be trusted.
      seenEpoch = epoch
      generation++
      lru.clear()
    }
    // Not trusted: skipped, not emptied (what was lost bumps the epoch; a late heartbeat only means messages wait).
    return bus.trusted()
  }

  const handOut = (entry: StoredEntry): StoredEntry => (clone ? { ...entry, value: structuredClone(entry.value) } : entry)

  /** A store's answer, kept when nothing changed while it was read. */
  const keep = (key: string, started: number, found: ReadResult): ReadResult => {
    if (found === MISS || found === FAULT || generation !== started || !current()) return found
    lru.set(key, found)
    return handOut(found)
  }

  /** Forget `key` (or all) here and in this process's other tiers; tell other processes through the bus. */
  const changed = (key: string | 'all') => {
    state.drop(key)
    tellSiblings(slice, state, key)
  }
  const published = (key: string | 'all') => {
    if (source.kind === 'bus') (bus ?? source.bus())?.publish(key === 'all' ? 'all' : [key])
  }
  const afterWrite = (key: string, done: void | Promise<void>): void | Promise<void> =>
    then(done, () => {
      // Dropped again after the store has it: a read that raced the write cannot keep the old entry.
      changed(key)
      published(key)
    })

  const tierStore: SettledStore = {
    read(key) {
      const k = key as string
      if (current()) {
        // Past its windows, an entry is judged gone by the freshness stage, as the store's would be: a miss.
        const held = lru.get(k)
        if (held !== undefined) {
          counters.l1Hits++
          return handOut(held)
        }
      }
      const started = generation
      return then(store.read(key), (found) => keep(k, started, found))
    },
    write(key, entry, unlease) {
      changed(key as string)
      return afterWrite(key as string, store.write(key, entry, unlease))
    },
    replace(key, entry) {
      changed(key as string)
      return afterWrite(key as string, store.replace(key, entry))
    },
    remove(key) {
      changed(key as string)
      return then(store.remove(key), (removed) => {
        changed(key as string)
        published(key as string)
        return removed
      })
    },
  }
  // Leases are the store's: a miss in the tier is a miss in the store first, then the lease stage runs as without it.
  if (store.lease) tierStore.lease = store.lease.bind(store)
  if (store.unlease) tierStore.unlease = store.unlease.bind(store)
  return {
    close() {
      unlisten?.()
      unlisten = undefined
      bus = undefined
      lru.clear()
    },
    store: tierStore,
    deleted(key) {
      changed(key as string)
      published(key as string)
    },
    cleared() {
      changed('all')
      published('all')
    },
  }
}
