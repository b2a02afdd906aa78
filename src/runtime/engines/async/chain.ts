/**
 * The engine chain of acache on a shared store: the keyv store the options ask for · memory-async (the memory
 * chain in this process). The store opens on first use (keyv and its adapters are imported then). A missing package
 * is one fallback warning naming the install command; a store that cannot even be set up (a malformed URL) is a
 * fault: a warning, or a CacheFaultError in strict mode. After a fallback, every later call runs in memory.
 */
import type { CacheConfig } from '../../options/config.js'
import { loadEnvironment } from '../../platform/optional.js'
import { describeLoadFailure } from '../../platform/load-failure.js'
import { reportFault } from '../../report/faults.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import type { AsyncEngine, EngineContext } from '../contract.js'
import { openKeyvEngine } from './keyv/connections.js'
import { keyvEngineName, type KeyvTarget } from './keyv/target.js'
import { createMemoryAsyncEngine } from './memory-async.js'
import { createSealer } from '../seal.js'

/** The engine of a shared acache, whichever runs. */
export interface AsyncEngineChain {
  /** The engine, opened on the first call: the keyv store, or memory-async after a fallback. */
  open(): Promise<AsyncEngine>
  /** The engine that runs: the intended one until the store has opened. */
  readonly name: string
  /** The engine's store; before it has opened, the store passed in the options. */
  readonly store: unknown
  size(): number
  /** Release the store's connection (reopened by a later call). */
  close(): Promise<void>
}

function packagesFor(target: KeyvTarget, missing: string): string {
  if (target.kind === 'redis') return 'keyv @keyv/redis'
  if (target.kind === 'memcache') return 'keyv @keyv/memcache'
  return missing
}

export function openAsyncChain(
  target: KeyvTarget,
  config: CacheConfig,
  id: string,
  context: EngineContext,
  version = '',
): AsyncEngineChain {
  // Made now, so that a bad $TWAT_CACHE_SECRET throws when the cache is created, not as a fault of the first call.
  const sealer = createSealer(config, id, version)
  const intended = keyvEngineName(target)
  let engine: AsyncEngine | undefined
  let local: AsyncEngine | undefined
  let opening: Promise<AsyncEngine> | undefined

  function fallBack(message: string, dedupeKey: string): AsyncEngine {
    warnOnce(WarningCode.fallback, message, dedupeKey)
    local = createMemoryAsyncEngine(config, context)
    return local
  }

  async function connect(): Promise<AsyncEngine> {
    try {
      const result = await openKeyvEngine(target, { id, ttlMs: config.ttlMs, sealer }, context)
      if ('missing' in result) {
        const { cause, fix } = describeLoadFailure(result.missing, result.error, loadEnvironment(), packagesFor(target, result.missing))
        return fallBack(
          `${result.missing} ${cause}; acache uses its local memory store (memory-async) instead of ${intended}. ${fix}`.trim(),
          `fallback:${result.missing}`,
        )
      }
      engine = result.engine
      return engine
    } catch (error) {
      // A store that cannot even be set up (a malformed URL…) will not get better: report it, run locally.
      reportFault(id, intended, 'open its store', error, context.counters, config.strict)
      return fallBack(`acache ${id}: ${intended} could not be opened; it uses its local memory store (memory-async)`, `fallback:open:${id}`)
    } finally {
      opening = undefined
    }
  }

  return {
    open: () => (local ? Promise.resolve(local) : engine ? Promise.resolve(engine) : (opening ??= connect())),
    get name() {
      return (local ?? engine)?.name ?? intended
    },
    get store() {
      return (local ?? engine)?.store ?? config.store
    },
    size: () => (local ?? engine)?.size() ?? 0,
    async close() {
      const current = engine
      engine = undefined
      await current?.close?.()
    },
  }
}
