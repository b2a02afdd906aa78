/**
 * The disk chains in a browser (package.json's `browser` field puts this file in place of chain.ts): there is no
 * disk, so every persistent cache runs on its memory link, after one warning, and no SQLite, file or codec code is
 * bundled. The exports are chain.ts's (test/browser-bundle.test.ts compares them).
 */
import type { FunctionIdentity } from '../../keys/function-identity.js'
import type { CacheConfig } from '../../options/config.js'
import type { CacheCounters } from '../../report/stats.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import type { PersistentEngine } from '../contract.js'
import { createMemoryEngine } from '../memory/chain.js'
import { memoryAsPersistent } from './memory-link.js'

export type DiskCacheKind = 'bcache' | 'fcache'

/** Default byte budget per function of the disk caches (unused in a browser, exported as chain.ts does). */
export const DEFAULT_MAX_BYTES = 1024 ** 3

/** No disk engine in a browser: undefined, after one warning, so the cache runs in memory. */
export function openDiskEngine(
  kind: DiskCacheKind,
  _config: CacheConfig,
  _identity: FunctionIdentity,
  _counters: CacheCounters,
): PersistentEngine | undefined {
  warnOnce(
    WarningCode.fallback,
    `${kind}: no disk in the browser: entries kept in memory (for the life of the page)`,
    `fallback:${kind}:no-disk`,
  )
  return undefined
}

/** The memory link, for openCache. */
export function createPersistentEngine(
  kind: DiskCacheKind,
  config: CacheConfig,
  identity: FunctionIdentity,
  counters: CacheCounters,
): PersistentEngine {
  openDiskEngine(kind, config, identity, counters)
  return memoryAsPersistent(createMemoryEngine(config, { counters, clock: config.clock }))
}
