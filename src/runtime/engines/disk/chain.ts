/**
 * The engine chains of the persistent caches. bcache: better-sqlite3 · node:sqlite (where Node has it) · the file
 * engine · memory. fcache: the file engine · memory. A package that cannot be loaded is one fallback warning per
 * process naming why (not installed, native addon not built, left out of a bundle) and the fix; a store that
 * cannot be opened (folder not creatable or not writable) is a fault: a warning and the next link, or a
 * CacheFaultError with `strict: true`.
 */
import type { CacheConfig, EngineName } from '../../options/config.js'
import { CacheFaultError, ValidationError } from '../../report/errors.js'
import type { FunctionIdentity } from '../../keys/function-identity.js'
import { loadEnvironment } from '../../platform/optional.js'
import { cacheFolder, diskAvailable, ensureFolder, UnsafeFolderError } from './folders.js'
import { audit } from '../../report/audit.js'
import { createCodec } from './codec.js'
import { createSealer } from '../seal.js'
import type { CacheCounters } from '../../report/stats.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import type { PersistentEngine } from '../contract.js'
import { memoryAsPersistent } from './memory-link.js'
import { createFileEngine } from './file.js'
import { createMemoryEngine } from '../memory/chain.js'
import { betterSqlite3Driver, nodeSqliteDriver, type SqliteDriver } from './sqlite/driver.js'
import { createSqliteEngine } from './sqlite/engine.js'

export type DiskCacheKind = 'bcache' | 'fcache'

/** Default byte budget per function of the disk caches. */
export const DEFAULT_MAX_BYTES = 1024 ** 3

type Link = 'better-sqlite3' | 'node:sqlite' | 'file'

const MEMORY_ENGINES: readonly EngineName[] = ['lru-cache', 'lfu', 'rr', 'mru', 'map']

/** The links to try, best first, for a kind and its `preferredEngine`. */
function chainOf(kind: DiskCacheKind, preferred: EngineName | undefined): Link[] {
  if (preferred !== undefined && MEMORY_ENGINES.includes(preferred)) return []
  const own: readonly EngineName[] = kind === 'bcache' ? ['better-sqlite3', 'node:sqlite', 'file'] : ['file']
  if (preferred !== undefined && !own.includes(preferred)) {
    throw new ValidationError(
      'preferredEngine',
      preferred,
      `${kind} runs on ${[...own, ...MEMORY_ENGINES].join(', ')}: pick one of these, or leave preferredEngine out`,
    )
  }
  if (kind === 'fcache') return ['file']
  if (preferred === 'file') return ['file']
  if (preferred === 'node:sqlite') return ['node:sqlite', 'better-sqlite3', 'file']
  return ['better-sqlite3', 'node:sqlite', 'file']
}

function describeLink(link: Link | undefined): string {
  if (link === 'file') return 'the file engine (one file per entry)'
  if (link === undefined) return 'memory (entries last until the process exits)'
  return link
}

/**
 * Open the best disk engine for a cache, or undefined when the chain ends in memory (after the warnings). Throws
 * ValidationError for options this Node cannot honour (compress "zstd" before Node 22.15), and CacheFaultError
 * in strict mode when a store cannot be opened.
 */
export function openDiskEngine(
  kind: DiskCacheKind,
  config: CacheConfig,
  identity: FunctionIdentity,
  counters: CacheCounters,
): PersistentEngine | undefined {
  const chain = chainOf(kind, config.preferredEngine)
  if (!diskAvailable()) {
    warnOnce(
      WarningCode.fallback,
      loadEnvironment() === 'browser'
        ? `${kind}: no disk in the browser: entries kept in memory (for the life of the page)`
        : `${kind}: no disk in this runtime (it has no node:fs): entries kept in memory (for the life of the process)`,
      `fallback:${kind}:no-disk`,
    )
    return undefined
  }
  const codec = createCodec(config, createSealer(config, identity.id, identity.version))
  if (chain.length === 0) return undefined
  const folder = cacheFolder(config.cacheDir, config.folderName)
  const context = { counters, clock: config.clock }
  const options = {
    folder,
    id: identity.id,
    version: identity.version,
    ttlMs: config.ttlMs,
    maxsize: config.maxsize ?? null,
    maxBytes: config.maxBytes === undefined ? DEFAULT_MAX_BYTES : config.maxBytes,
    secure: config.secure,
    codec,
  }
  const explicit = config.preferredEngine
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i]!
    const next = () => describeLink(chain.slice(i + 1).find((l) => l !== 'node:sqlite' || nodeSqliteDriver()))
    let driver: SqliteDriver | undefined
    if (link === 'better-sqlite3') {
      const loaded = betterSqlite3Driver()
      if (!loaded.driver) {
        const { cause, fix } = loaded.failure
        warnOnce(WarningCode.fallback, `better-sqlite3 ${cause}; ${kind} uses ${next()} instead. ${fix}`, 'fallback:better-sqlite3')
        continue
      }
      driver = loaded.driver
    } else if (link === 'node:sqlite') {
      driver = nodeSqliteDriver()
      if (!driver) {
        // Only a missing link when asked for by name: elsewhere node:sqlite is an extra that older Nodes lack.
        if (explicit === 'node:sqlite') {
          warnOnce(
            WarningCode.fallback,
            `node:sqlite is not available in Node.js ${process.versions.node} (it needs Node.js 22.5 or later); ` +
              `${kind} uses ${next()} instead`,
            'fallback:node:sqlite',
          )
        }
        continue
      }
    }
    try {
      ensureFolder(folder, config.secure)
      return driver ? createSqliteEngine(driver, options, context) : createFileEngine(options, context)
    } catch (error) {
      if (error instanceof ValidationError) throw error
      if (error instanceof UnsafeFolderError) {
        refuseFolder(kind, identity.id, error, counters, config.strict)
        return undefined
      }
      openFault(identity.id, link, folder, error, counters, config.strict, next())
    }
  }
  return undefined
}

/** An unsafe folder is not worth trying with the next disk engine: memory, after one warning (or strict: throw). */
function refuseFolder(kind: DiskCacheKind, name: string, error: UnsafeFolderError, counters: CacheCounters, strict: boolean): void {
  counters.errors++
  const message = `Cache ${name} (${kind}) refused its folder: ${error.message}.`
  audit('refused-folder', name, error.message)
  if (strict) throw new CacheFaultError(message, { cause: error })
  warnOnce(WarningCode.unsafeFolder, `${message} It keeps its entries in memory instead.`, `unsafe:${error.path}`)
}

function openFault(name: string, link: Link, folder: string, error: unknown, counters: CacheCounters, strict: boolean, next: string): void {
  counters.errors++
  const reason = error instanceof Error ? error.message : String(error)
  if (strict) {
    throw new CacheFaultError(`Cache ${name} (${link}) could not open its store in ${folder}: ${reason}`, { cause: error })
  }
  warnOnce(
    WarningCode.fault,
    `Cache ${name} (${link}) could not open its store in ${folder}: ${reason}. It uses ${next} instead; ` +
      'check that the folder can be created and written (cacheDir, $TWAT_CACHE_DIR), or pass strict: true to make this throw.',
    `fault:${name}:open:${link}`,
  )
}

/**
 * The engine of a persistent cache, whatever runs: SQLite, files, or (at the end of the chain) memory, which then
 * reports its memory engine's name and an empty `path`. For direct key/value use (openCache); the cached
 * functions use {@link openDiskEngine} and mcache's own call path for the memory link.
 */
export function createPersistentEngine(
  kind: DiskCacheKind,
  config: CacheConfig,
  identity: FunctionIdentity,
  counters: CacheCounters,
): PersistentEngine {
  return (
    openDiskEngine(kind, config, identity, counters) ?? memoryAsPersistent(createMemoryEngine(config, { counters, clock: config.clock }))
  )
}
