/**
 * acache's shared-store chain in a browser (package.json's `browser` field puts this file in place of chain.ts):
 * keyv's Redis and memcached adapters need Node, so a shared acache runs on its local memory store after one
 * warning, and no keyv code is bundled. The exports are chain.ts's (test/browser-bundle.test.ts compares them).
 */
import type { CacheConfig } from '../../options/config.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import type { AsyncEngine, EngineContext } from '../contract.js'
import { keyvEngineName, type KeyvTarget } from './keyv/target.js'
import { createMemoryAsyncEngine } from './memory-async.js'

export interface AsyncEngineChain {
  open(): Promise<AsyncEngine>
  readonly name: string
  readonly store: unknown
  size(): number
  close(): Promise<void>
}

export function openAsyncChain(target: KeyvTarget, config: CacheConfig, _id: string, context: EngineContext): AsyncEngineChain {
  warnOnce(
    WarningCode.fallback,
    `acache: no ${keyvEngineName(target)} store in the browser: entries kept in memory (memory-async, for the life of the page)`,
    'fallback:acache:browser',
  )
  const local = createMemoryAsyncEngine(config, context)
  return {
    open: () => Promise.resolve(local),
    name: local.name,
    store: local.store,
    size: () => local.size(),
    close: () => Promise.resolve(),
  }
}
