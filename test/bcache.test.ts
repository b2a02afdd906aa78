import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { CacheFaultError } from '../src/runtime/report/errors.js'
import { ManualClock } from './support/manual-clock.js'
import { warningsDuring } from './support/warnings.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-bcache-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
async function warningCodes(body: () => unknown): Promise<string[]> {
  return (await warningsDuring(body)).map((w) => w.code ?? '')
}

const s = suite('bcache')
s.after(() => rmSync(root, { recursive: true, force: true }))

s('should keep one SQLite database per folder, at <cacheDir>/<folderName>/cache.sqlite', () => {
  const cacheDir = freshDir()
  const a = bcache((n: number) => n + 1, { cacheDir, folderName: 'reports', name: 'a' })
  const b = bcache((n: number) => n + 2, { cacheDir, folderName: 'reports', name: 'b' })
  assert.is(a.cache.path, path.join(cacheDir, 'reports', 'cache.sqlite'))
  assert.is(b.cache.path, a.cache.path)
  assert.is(a.cache.store, b.cache.store)
  assert.instance(a.cache.store, Database)
  a(1)
  b(1)
  const rows = (a.cache.store as Database.Database).prepare('SELECT fn, count(*) AS n FROM entries GROUP BY fn ORDER BY fn').all()
  assert.equal(rows, [
    { fn: 'a', n: 1 },
    { fn: 'b', n: 1 },
  ])
  assert.equal(
    readdirSync(path.join(cacheDir, 'reports')).filter((f) => !f.startsWith('cache.sqlite')),
    [],
  )
})

s('should answer a hit without writing to the database', () => {
  const f = bcache((n: number) => ({ n }), { cacheDir: freshDir(), maxsize: 10 })
  f(1)
  const db = f.cache.store as Database.Database
  const changes = () => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n
  const before = changes()
  for (let i = 0; i < 100; i++) f(1)
  assert.is(f.cache.stats().hits, 100)
  assert.is(changes(), before)
})

s('should write access times back before evicting, so LRU order survives hits', () => {
  const f = bcache((n: number) => n, { cacheDir: freshDir(), maxsize: 3 })
  f(1)
  f(2)
  f(3)
  f(1)
  f(2)
  f(4) // evicts 3, the least recently used
  assert.is(f.cache.has(3), false)
  assert.ok(f.cache.has(1) && f.cache.has(2) && f.cache.has(4))
})

s('should purge expired rows soon after a cache opens (its first write), not leave them to grow', () => {
  const cacheDir = freshDir()
  const clock = new ManualClock()
  const short = bcache((n: number) => n, { cacheDir, name: 'short', ttl: '1m', clock })
  for (let i = 0; i < 5; i++) short(i)
  const db = short.cache.store as Database.Database
  const count = () => (db.prepare("SELECT count(*) AS n FROM entries WHERE fn = 'short'").get() as { n: number }).n
  assert.is(count(), 5)
  clock.advance(2 * 60_000)
  const other = bcache((n: number) => n, { cacheDir, name: 'other', clock })
  assert.is(count(), 5, 'opening writes nothing: the first call does not wait for a write transaction')
  other(1)
  assert.is(count(), 0)
})

s('should treat a garbled value blob as a miss: recompute, count it, replace it', () => {
  const cacheDir = freshDir()
  let calls = 0
  const f = bcache((n: number) => (calls++, { n, list: [1, 2, 3] }), { cacheDir, name: 'garbled' })
  f(1)
  f(2)
  const raw = new Database(f.cache.path!)
  raw.prepare("UPDATE entries SET value = ? WHERE fn = 'garbled'").run(Buffer.from('garbage garbage garbage garbage garbage'))
  raw.close()
  assert.equal(f(1), { n: 1, list: [1, 2, 3] })
  assert.is(calls, 3)
  assert.is(f.cache.stats().errors, 1)
  assert.equal(f(1), { n: 1, list: [1, 2, 3] })
  assert.is(calls, 3)
  // A flipped byte inside a valid envelope is caught too.
  const raw2 = new Database(f.cache.path!)
  const row = raw2.prepare("SELECT key, value FROM entries WHERE fn = 'garbled' ORDER BY key LIMIT 1").get() as {
    key: string
    value: Buffer
  }
  row.value[row.value.length - 3] = row.value[row.value.length - 3]! ^ 0x01
  raw2.prepare("UPDATE entries SET value = ? WHERE fn = 'garbled' AND key = ?").run(row.value, row.key)
  raw2.close()
  f(1)
  f(2)
  assert.is(calls, 5)
  assert.is(f.cache.stats().errors, 3)
})

s('should move a database that is not a database aside, warn, and start a fresh one', async () => {
  const cacheDir = freshDir()
  mkdirSync(path.join(cacheDir, 'default'), { recursive: true })
  writeFileSync(path.join(cacheDir, 'default', 'cache.sqlite'), 'this is not an SQLite database '.repeat(200))
  let f!: ((n: number) => number) & { cache: import('../src/runtime/call/handle.js').CacheHandle }
  let calls = 0
  const codes = await warningCodes(() => {
    f = bcache((n: number) => (calls++, n), { cacheDir })
  })
  assert.equal(codes, ['TWAT_CACHE_CORRUPT'])
  assert.is(f.cache.engine, 'better-sqlite3')
  assert.is(f.cache.stats().errors, 1)
  f(1)
  f(1)
  assert.is(calls, 1)
  const aside = readdirSync(path.join(cacheDir, 'default')).filter((name) => name.startsWith('cache.sqlite.corrupt-'))
  assert.is(aside.length, 1)
})

s('should run on the file engine with preferredEngine: "file"', () => {
  const cacheDir = freshDir()
  let calls = 0
  const f = bcache((n: number) => (calls++, n), { cacheDir, preferredEngine: 'file' })
  assert.is(f.cache.engine, 'file')
  f(1)
  f(1)
  assert.is(calls, 1)
  assert.ok(!existsSync(path.join(cacheDir, 'default', 'cache.sqlite')))
})

s('should run in memory with a memory preferredEngine', () => {
  const f = bcache((n: number) => n, { cacheDir: freshDir(), preferredEngine: 'map' })
  assert.is(f.cache.engine, 'map')
  assert.is(f.cache.path, undefined)
})

s('should fall back to memory with a fault warning when the folder cannot be created', async () => {
  const blocker = path.join(freshDir(), 'a-file')
  mkdirSync(path.dirname(blocker), { recursive: true })
  writeFileSync(blocker, 'not a folder')
  let calls = 0
  let f!: ((n: number) => number) & { cache: import('../src/runtime/call/handle.js').CacheHandle }
  const codes = await warningCodes(() => {
    f = bcache((n: number) => (calls++, n), { cacheDir: path.join(blocker, 'cache'), name: 'blocked-bcache' })
  })
  assert.ok(codes.length >= 1 && codes.every((c) => c === 'TWAT_CACHE_FAULT'), codes.join())
  assert.is(f.cache.engine, 'lru-cache')
  f(1)
  f(1)
  assert.is(calls, 1)
  assert.ok(f.cache.stats().errors >= 1)
  assert.ok(statSync(blocker).isFile())
})

s('should throw CacheFaultError at creation in strict mode when the folder cannot be created', () => {
  const blocker = path.join(freshDir(), 'a-file')
  mkdirSync(path.dirname(blocker), { recursive: true })
  writeFileSync(blocker, 'not a folder')
  assert.throws(
    () => bcache((n: number) => n, { cacheDir: path.join(blocker, 'cache'), strict: true }),
    (e: unknown) => e instanceof CacheFaultError && /could not open its store/.test((e as Error).message),
  )
})

s('should run in memory where there is no Node file system (a browser)', async () => {
  const proc = process as { getBuiltinModule?: unknown }
  const saved = proc.getBuiltinModule
  proc.getBuiltinModule = undefined
  let f!: ((n: number) => number) & { cache: import('../src/runtime/call/handle.js').CacheHandle }
  let calls = 0
  try {
    const codes = await warningCodes(() => {
      f = bcache((n: number) => (calls++, n), { name: 'no-disk' })
    })
    assert.equal(codes, ['TWAT_CACHE_FALLBACK'])
  } finally {
    proc.getBuiltinModule = saved
  }
  assert.is(f.cache.engine, 'lru-cache')
  f(1)
  f(1)
  assert.is(calls, 1)
})

s('should reject a preferredEngine that is not in its chain', () => {
  assert.throws(
    () => bcache((n: number) => n, { cacheDir: freshDir(), preferredEngine: 'keyv' }),
    /preferredEngine="keyv": bcache runs on better-sqlite3/,
  )
})

s('should reject a folderName that is a path', () => {
  assert.throws(() => bcache((n: number) => n, { folderName: '../x' }), /Invalid cache option folderName="\.\.\/x"/)
  assert.throws(() => bcache((n: number) => n, { folder_name: 'a/b' } as never), /folderName/)
})

s.run()
