import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { MISS, type DiskEngineOptions, type EngineContext, type PersistentEngine } from '../src/runtime/engines/contract.js'
import { createPersistentEngine } from '../src/runtime/engines/disk/chain.js'
import { createFileEngine } from '../src/runtime/engines/disk/file.js'
import { betterSqlite3Driver } from '../src/runtime/engines/disk/sqlite/driver.js'
import { createSqliteEngine } from '../src/runtime/engines/disk/sqlite/engine.js'
import { ensureFolder } from '../src/runtime/engines/disk/folders.js'
import { createCodec } from '../src/runtime/engines/disk/codec.js'
import { CacheCounters } from '../src/runtime/report/stats.js'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { engineContractSuite, fromPersistentEngine, type ContractLimits } from './support/engine-contract.js'
import { entryOf } from './support/entries.js'
import { ManualClock } from './support/manual-clock.js'
import type Database from 'better-sqlite3'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-engines-disk-'))
let serial = 0

function options(limits: ContractLimits, compress: false | 'gzip' | 'brotli' = false) {
  const folder = path.join(root, `store-${++serial}`)
  ensureFolder(folder, true)
  return {
    folder,
    id: 'src/contract.ts#subject',
    version: 'v1',
    ttlMs: limits.ttlMs,
    maxsize: limits.maxsize,
    maxBytes: null,
    secure: true,
    codec: createCodec(createCacheConfig({ compress })),
  }
}

const { driver } = betterSqlite3Driver()
if (!driver) throw new Error('better-sqlite3 is a dev dependency and must load here')

const sqlite = (compress: false | 'gzip' | 'brotli') => (limits: ContractLimits, counters: CacheCounters) =>
  fromPersistentEngine(createSqliteEngine(driver, options(limits, compress), { counters, clock: limits.clock }), limits)
const file = (compress: false | 'gzip' | 'brotli') => (limits: ContractLimits, counters: CacheCounters) =>
  fromPersistentEngine(createFileEngine(options(limits, compress), { counters, clock: limits.clock }), limits)

const features = { ttl: true, maxsize: true, eviction: 'lru' } as const
const identity = { id: 'src/contract.ts#chosen', version: 'v1' }
const chain = suite('createPersistentEngine')

chain('should open SQLite for bcache, files for fcache or preferredEngine "file", memory for a memory engine', () => {
  const cacheDir = path.join(root, 'chain')
  const open = (kind: 'bcache' | 'fcache', preferredEngine?: 'file' | 'map') =>
    createPersistentEngine(kind, createCacheConfig({ cacheDir, preferredEngine }), identity, new CacheCounters())
  const engines = [open('bcache'), open('fcache'), open('bcache', 'file'), open('fcache', 'map')]
  assert.equal(
    engines.map((e) => e.name),
    ['better-sqlite3', 'file', 'file', 'map'],
  )
  assert.is(engines[0]!.path, path.join(cacheDir, 'default', 'cache.sqlite'))
  assert.is(engines[3]!.path, '')
  for (const engine of engines) {
    engine.set('k', entryOf({ v: 1 }, { promise: true }))
    const entry = engine.get('k')
    if (entry === MISS) assert.unreachable(`${engine.name} lost the entry`)
    else {
      assert.is(entry.promise, true)
      assert.equal(entry.value, { v: 1 })
    }
    engine.close()
  }
})

// What the shared base of the disk engines does (engines/disk/base.ts), checked on each engine.
type OpenDisk = (options: DiskEngineOptions, context: EngineContext) => PersistentEngine
const diskEngines: Array<[string, OpenDisk, (engine: PersistentEngine) => void]> = [
  [
    'better-sqlite3',
    (o, c) => createSqliteEngine(driver, o, c),
    (engine) => void (engine.store as Database.Database).prepare('UPDATE entries SET value = ?').run(Buffer.from('garbage')),
  ],
  [
    'file',
    createFileEngine,
    (engine) => {
      for (const name of readdirSync(engine.path)) writeFileSync(path.join(engine.path, name), 'garbage')
    },
  ],
]

const baseSuites = diskEngines.map(([label, open, damage]) => {
  const s = suite(`disk engine base: ${label}`)
  const setup = (limits: Partial<ContractLimits> & { maxBytes?: number } = {}) => {
    const clock = new ManualClock()
    const counters = new CacheCounters()
    const folderOptions = { ...options({ maxsize: null, ttlMs: 0, clock, ...limits }), maxBytes: limits.maxBytes ?? null }
    const opened: PersistentEngine[] = []
    const engine = (version = 'v1') => {
      const made = open({ ...folderOptions, version }, { counters, clock })
      opened.push(made)
      return made
    }
    return {
      clock,
      counters,
      engine,
      closeAll: () => {
        for (const e of opened) e.close()
      },
    }
  }

  s('should not store an entry larger than the whole byte budget, removing the one it replaces, and count an eviction', () => {
    const { counters, engine, closeAll } = setup({ maxBytes: 4096 })
    const e = engine()
    e.set('k', entryOf('small'))
    e.set('other', entryOf('kept'))
    e.set('k', entryOf('x'.repeat(10_000)))
    assert.is(e.get('k'), MISS)
    assert.is(counters.evictions, 1)
    assert.equal(e.get('other'), entryOf('kept'))
    assert.is(e.size(), 1)
    closeAll()
  })

  s('should treat a damaged entry as a miss: remove it, count it, warn once with TWAT_CACHE_CORRUPT', async () => {
    const { counters, engine, closeAll } = setup()
    const e = engine()
    e.set('k', entryOf({ n: 1 }))
    damage(e)
    const codes: string[] = []
    const listener = (warning: Error & { code?: string }) => codes.push(warning.code ?? '')
    process.on('warning', listener)
    try {
      assert.is(e.has('k'), false)
      assert.is(e.get('k'), MISS)
      await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on the next tick
    } finally {
      process.off('warning', listener)
    }
    assert.is(counters.errors, 1, 'counted once: the first read removed it')
    assert.equal(codes, ['TWAT_CACHE_CORRUPT'])
    assert.is(e.size(), 0)
    closeAll()
  })

  s('should refresh recency on get, not on has', () => {
    const { engine, closeAll } = setup({ maxsize: 2 })
    const e = engine()
    e.set('a', entryOf(1))
    e.set('b', entryOf(2))
    assert.is(e.has('a'), true) // a stays the least recently used
    e.set('c', entryOf(3))
    assert.is(e.has('a'), false)
    assert.is(e.has('b'), true)
    assert.ok(e.get('b') !== MISS) // now b is the most recent
    e.set('d', entryOf(4))
    assert.is(e.has('b'), true)
    assert.is(e.has('c'), false)
    closeAll()
  })

  s('should write access times at close, so the next engine of the folder evicts in LRU order', () => {
    const { clock, engine, closeAll } = setup({ maxsize: 2 })
    const first = engine()
    first.set('a', entryOf(1))
    clock.advance(1000)
    first.set('b', entryOf(2))
    clock.advance(1000)
    assert.ok(first.get('a') !== MISS) // a is now more recent than b, known only to this engine until close
    first.close()
    clock.advance(1000)
    const second = engine()
    second.set('c', entryOf(3))
    assert.is(second.has('b'), false)
    assert.is(second.has('a'), true)
    assert.is(second.has('c'), true)
    closeAll()
  })

  s('should keep entries that have not expired when another engine of the folder opens and purges', () => {
    const { clock, engine, closeAll } = setup({ ttlMs: 60_000 })
    const first = engine()
    const a = entryOf(1, { now: clock.now(), ttlMs: 60_000 })
    first.set('a', a)
    clock.advance(30_000)
    const second = engine()
    second.set('b', entryOf(2, { now: clock.now(), ttlMs: 60_000 })) // the file engine scans its folder on its first write, SQLite purged on open
    assert.equal(second.get('a'), a)
    assert.is(second.size(), 2)
    clock.advance(60_000)
    assert.is(second.get('a'), MISS)
    assert.is(second.get('b'), MISS)
    closeAll()
  })

  s('should remove the entries of other versions when it opens', () => {
    const { engine, closeAll } = setup()
    const v1 = engine('v1')
    v1.set('k', entryOf(1))
    v1.close()
    engine('v2').close()
    assert.is(engine('v1').get('k'), MISS)
    closeAll()
  })
  return s
})

const suites = [
  chain,
  ...baseSuites,
  engineContractSuite(
    'memory link of createPersistentEngine',
    (limits, counters) =>
      fromPersistentEngine(
        createPersistentEngine(
          'bcache',
          createCacheConfig({
            preferredEngine: 'lru-cache',
            maxsize: limits.maxsize,
            ttl: limits.ttlMs ? `${limits.ttlMs}ms` : null,
            clock: limits.clock,
          }),
          identity,
          counters,
        ),
        limits,
      ),
    features,
  ),
  engineContractSuite('better-sqlite3', sqlite(false), features),
  engineContractSuite('better-sqlite3, gzip', sqlite('gzip'), features),
  engineContractSuite('file', file(false), features),
  engineContractSuite('file, brotli', file('brotli'), features),
]
suites[suites.length - 1]!.after(() => rmSync(root, { recursive: true, force: true }))
for (const s of suites) s.run()
