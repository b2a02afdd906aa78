// Faults other processes cause: a folder cleared while another process writes in it, a write lock held by another
// process, a database damaged past its first page, and a Redis connection failing for many callers at once.
// Children run the built dist/ (npm run build).
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { RUNTIME_URL, runChild } from './support/child.js'
import { ManualClock } from './support/manual-clock.js'
import { captureWarnings } from './support/warnings.js'
import { bcache, CacheFaultError, openCache } from '../src/runtime/index.js'
import { BackoffGate, BACKOFF_MAX_MS } from '../src/runtime/engines/async/keyv/engine.js'
import { CALL_BUSY_TIMEOUT_MS } from '../src/runtime/engines/disk/sqlite/driver.js'

const s = suite('faults')
const root = mkdtempSync(path.join(os.tmpdir(), 'twat-faults-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
s.after(() => rmSync(root, { recursive: true, force: true }))

s('fcache: clear() in one process and set() in another should race without a fault on either side', async () => {
  const cacheDir = freshDir()
  const started = path.join(cacheDir, 'writer-started')
  // The writer sets strictly (a fault throws) until told to stop, and reports what failed.
  const writer = runChild(
    `
    import { openCache } from ${JSON.stringify(RUNTIME_URL)}
    import { existsSync, writeFileSync } from 'node:fs'
    const cache = openCache({ kind: 'fcache', name: 'race', cacheDir: ${JSON.stringify(cacheDir)}, strict: true })
    let sets = 0, faults = 0, first = ''
    const stop = ${JSON.stringify(path.join(cacheDir, 'stop'))}
    for (let i = 0; i < 200000 && !existsSync(stop); i++) {
      try { cache.set('k' + (i % 50), 'v'.repeat(100)) ; sets++ } catch (e) { faults++; first ||= e.message }
      if (i === 10) writeFileSync(${JSON.stringify(started)}, '')
    }
    console.log(JSON.stringify({ sets, faults, first }))
    `,
    { timeoutMs: 40_000 },
  )
  const cache = openCache({ kind: 'fcache', name: 'race', cacheDir, strict: true })
  for (let i = 0; i < 2000 && !existsSync(started); i++) await new Promise((r) => setTimeout(r, 5))
  assert.ok(existsSync(started), 'the writer started')
  let clears = 0
  const failures: string[] = []
  for (let i = 0; i < 300; i++) {
    try {
      cache.clear()
    } catch (error) {
      failures.push((error as Error).message)
    }
    clears++
    // A clear every millisecond or so: far more often than any program clears, and each one can land in the
    // middle of a write in the other process.
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  writeFileSync(path.join(cacheDir, 'stop'), '')
  const result = await writer
  assert.is(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { sets: number; faults: number; first: string }
  console.log(`  fcache race: ${clears} clears (${failures.length} failed), ${out.sets} sets (${out.faults} failed)`)
  assert.equal(failures.slice(0, 3), [], 'clear() never fails')
  assert.is(out.faults, 0, `set() never fails: ${out.first}`)
  assert.ok(out.sets > 10)
})

s('bcache: a write lock held by another connection should make a miss a quick fault that backs off, not a 5 s wait per call', async () => {
  const cacheDir = freshDir()
  const clock = new ManualClock()
  let calls = 0
  const f = bcache((n: number) => (calls++, n * 2), { cacheDir, name: 'busy', clock, strict: true })
  assert.is(f(1), 2)
  const db = f.cache.store as Database.Database
  assert.ok(
    Number(db.pragma('busy_timeout', { simple: true })) <= CALL_BUSY_TIMEOUT_MS,
    'calls wait at most CALL_BUSY_TIMEOUT_MS for a lock',
  )
  const holder = new Database(f.cache.path!)
  holder.exec('BEGIN IMMEDIATE')
  try {
    assert.is(f(1), 2, 'a hit still reads (WAL readers are not blocked by a writer)')
    assert.throws(
      () => f(2),
      (e: Error) => e instanceof CacheFaultError && /locked/.test(e.message),
    )
    // Within the pause, the next write does not wait for the lock at all: it is skipped.
    assert.throws(
      () => f(3),
      (e: Error) => e instanceof CacheFaultError && /writes are skipped/.test(e.message),
    )
    // A cache opened meanwhile (another process) opens on SQLite at once: opening writes nothing.
    const opened = await runChild(
      `import { bcache } from ${JSON.stringify(RUNTIME_URL)}
       const g = bcache((n) => n, { cacheDir: ${JSON.stringify(cacheDir)}, name: 'other' })
       console.log(g.cache.engine, g(1))`,
    )
    assert.is(opened.stdout.trim(), 'better-sqlite3 1', opened.stderr)
  } finally {
    holder.exec('COMMIT')
    holder.close()
  }
  clock.advance(CALL_BUSY_TIMEOUT_MS * 2)
  assert.is(f(4), 8)
  const before = calls
  assert.is(f(4), 8)
  assert.is(calls, before, 'stored again once the lock is gone')
})

s('openCache: faults while another process holds the lock should be misses with one warning (strict: CacheFaultError)', async () => {
  const cacheDir = freshDir()
  const clock = new ManualClock()
  const cache = openCache<number>({ kind: 'bcache', name: 'direct', cacheDir, clock })
  const strict = openCache<number>({ kind: 'bcache', name: 'direct-strict', cacheDir, clock, strict: true })
  cache.set('a', 1)
  const holder = new Database(cache.path!)
  holder.exec('BEGIN IMMEDIATE')
  const warnings = captureWarnings()
  try {
    assert.not.throws(() => cache.set('b', 2))
    assert.not.throws(() => cache.delete('a'))
    assert.is(cache.stats().errors, 2, 'both faults counted')
    assert.not.throws(() => cache.clear())
    assert.is(cache.get('a'), 1, 'nothing was deleted, and the read still answers')
    assert.is(cache.get('b'), undefined, 'the write was skipped: a miss')
    assert.throws(
      () => strict.set('b', 2),
      (e: Error) => e instanceof CacheFaultError,
    )
    assert.ok((await warnings.of('TWAT_CACHE_FAULT')).length >= 1)
  } finally {
    warnings.stop()
    holder.exec('COMMIT')
    holder.close()
  }
  clock.advance(10_000)
  cache.set('b', 2)
  assert.is(cache.get('b'), 2, 'stores again once the lock is gone')
  cache.close()
  strict.close()
})

/** Overwrite every page of a database after the first (the header and schema) with garbage. */
function damagePastFirstPage(file: string): void {
  const size = statSync(file).size
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(size - 4096, 0xab), 0, size - 4096, 4096)
  closeSync(fd)
}

s('bcache: a database damaged past its first page should be moved aside by the next process, which then stores again', async () => {
  const cacheDir = freshDir()
  const fill = await runChild(
    `import { bcache } from ${JSON.stringify(RUNTIME_URL)}
     const f = bcache((n) => 'x'.repeat(500) + n, { cacheDir: ${JSON.stringify(cacheDir)}, name: 'deep' })
     for (let i = 0; i < 200; i++) f(i)
     console.log(f.cache.path)`,
  )
  assert.is(fill.code, 0, fill.stderr)
  const file = fill.stdout.trim()
  assert.ok(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0, 'checkpointed at exit')
  assert.ok(statSync(file).size > 8 * 4096)
  damagePastFirstPage(file)
  const warnings = captureWarnings()
  try {
    let calls = 0
    const f = bcache((n: number) => (calls++, 'x'.repeat(500) + n), { cacheDir, name: 'deep' })
    assert.is(f.cache.engine, 'better-sqlite3', 'not the file engine: the damage is not found while opening')
    assert.is(f(1), `${'x'.repeat(500)}1`)
    assert.is(f(2), `${'x'.repeat(500)}2`)
    assert.is(f(1), `${'x'.repeat(500)}1`)
    assert.is(calls, 2, 'stored in the fresh database')
    const aside = readdirSync(path.dirname(file)).filter((name) => name.startsWith('cache.sqlite.corrupt-'))
    assert.is(aside.length, 1)
    assert.equal((await warnings.of('TWAT_CACHE_CORRUPT')).length, 1)
  } finally {
    warnings.stop()
  }
})

s('bcache: a database damaged while open should be moved aside once, and the process reconnect once', () => {
  const cacheDir = freshDir()
  let calls = 0
  const f = bcache((n: number) => (calls++, 'y'.repeat(500) + n), { cacheDir, name: 'live' })
  for (let i = 0; i < 200; i++) f(i)
  const db = f.cache.store as Database.Database
  db.pragma('wal_checkpoint(TRUNCATE)')
  damagePastFirstPage(f.cache.path!)
  db.pragma('shrink_memory') // drop the connection's cached pages, as memory pressure would
  const before = calls
  for (let round = 0; round < 3; round++) for (let i = 0; i < 5; i++) assert.is(f(i), 'y'.repeat(500) + i)
  assert.is(calls - before, 5, 'recomputed once, then stored and read back from the fresh database')
  assert.is(f.cache.store === db, false, 'reconnected')
  const reconnected = f.cache.store
  f(1)
  assert.is(f.cache.store, reconnected, 'not reconnected again')
  assert.is(readdirSync(path.dirname(f.cache.path!)).filter((name) => name.startsWith('cache.sqlite.corrupt-')).length, 1)
  assert.is(f.cache.stats().errors, 1)
})

s('Redis back-off: failures of calls in flight together should count once, and the pause stay short', () => {
  const clock = new ManualClock()
  const gate = new BackoffGate('Redis at test', clock)
  const round = () => {
    const starts = Array.from({ length: 16 }, () => gate.check())
    clock.advance(5)
    for (const started of starts) gate.fail(new Error('ECONNREFUSED'), started)
  }
  round()
  assert.throws(() => gate.check(), /retrying in/)
  clock.advance(500)
  // One probe goes through; the calls beside it still skip the store.
  const probe = gate.check()
  assert.throws(() => gate.check(), /another call is trying/)
  gate.fail(new Error('ECONNREFUSED'), probe)
  for (let i = 0; i < 10; i++) {
    clock.advance(BACKOFF_MAX_MS)
    gate.fail(new Error('ECONNREFUSED'), gate.check())
  }
  clock.advance(BACKOFF_MAX_MS)
  const afterRestart = gate.check()
  gate.ok()
  assert.ok(afterRestart > 0)
  assert.not.throws(() => gate.check(), 'answers again as soon as a probe succeeds')
})

s.run()
