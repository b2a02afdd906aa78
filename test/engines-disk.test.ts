import { systemClock } from '../src/runtime/platform/clock.js'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { MISS } from '../src/runtime/engines/contract.js'
import { createPersistentEngine } from '../src/runtime/engines/disk/chain.js'
import { createFileEngine } from '../src/runtime/engines/disk/file.js'
import { betterSqlite3Driver } from '../src/runtime/engines/disk/sqlite/driver.js'
import { createSqliteEngine } from '../src/runtime/engines/disk/sqlite/engine.js'
import { ensureFolder } from '../src/runtime/engines/disk/folders.js'
import { createCodec } from '../src/runtime/engines/disk/codec.js'
import { CacheCounters } from '../src/runtime/report/stats.js'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { engineContractSuite, fromPersistentEngine, type ContractLimits } from './support/engine-contract.js'

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
  fromPersistentEngine(createSqliteEngine(driver, options(limits, compress), { counters, clock: systemClock }))
const file = (compress: false | 'gzip' | 'brotli') => (limits: ContractLimits, counters: CacheCounters) =>
  fromPersistentEngine(createFileEngine(options(limits, compress), { counters, clock: systemClock }))

const features = { ttl: true, maxsize: true, eviction: 'lru' } as const
const identity = { id: 'src/contract.ts#chosen', version: 'v1' }
const chain = suite('createPersistentEngine')

chain('should open SQLite for bcache, files for fcache or preferredEngine "file", memory for a memory engine', () => {
  const cacheDir = path.join(root, 'chain')
  const open = (kind: 'bcache' | 'fcache', preferredEngine?: 'file' | 'map') =>
    createPersistentEngine(kind, createCacheConfig({ cacheDir, preferredEngine }), identity, new CacheCounters())
  const engines = [open('bcache'), open('fcache'), open('bcache', 'file'), open('fcache', 'map')]
  assert.equal(engines.map((e) => e.name), ['better-sqlite3', 'file', 'file', 'map'])
  assert.is(engines[0]!.path, path.join(cacheDir, 'default', 'cache.sqlite'))
  assert.is(engines[3]!.path, '')
  for (const engine of engines) {
    engine.set('k', { v: 1 }, true)
    const entry = engine.get('k')
    if (entry === MISS) assert.unreachable(`${engine.name} lost the entry`)
    else {
      assert.is(entry.promise, true)
      assert.equal(entry.value, { v: 1 })
    }
    engine.close()
  }
})

const suites = [
  chain,
  engineContractSuite(
    'memory link of createPersistentEngine',
    (limits, counters) =>
      fromPersistentEngine(
        createPersistentEngine(
          'bcache',
          createCacheConfig({ preferredEngine: 'lru-cache', maxsize: limits.maxsize, ttl: limits.ttlMs ? `${limits.ttlMs}ms` : null }),
          identity,
          counters,
        ),
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
