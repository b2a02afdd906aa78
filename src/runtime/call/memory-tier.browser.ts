/**
 * The memory tier in a browser (package.json's `browser` field puts this file in place of memory-tier.ts): no
 * persistent store runs there (bcache and fcache keep entries in memory), and no shared store has an invalidation
 * bus, so there is nothing for a tier to sit in front of: the store is used as it is, and no tier code is bundled.
 * The exports are memory-tier.ts's.
 */
import type { MemoryTier, MemoryTierPlan } from './memory-tier.js'
import type { SettledStore } from './settled-stores.js'

export type { ChangeSource, MemoryTier, MemoryTierPlan } from './memory-tier.js'

export const CHECK_EVERY_MS = 50

export function memoryTier(store: SettledStore, _plan: MemoryTierPlan): MemoryTier {
  return { store, deleted() {}, cleared() {}, close() {} }
}
