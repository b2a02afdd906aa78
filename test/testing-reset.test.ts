/**
 * `twat-cache/testing` in process: resetCaches empties memory and persistent caches and their counters, forgets tag
 * invalidations and warnings; useTemporaryCacheRoot points persistent caches at a folder of their own and puts
 * everything back; followFakeTimers makes a memory ttl follow a clock set without running timers.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { acache, bcache, cacheOf, fcache, getCachePath, invalidateTag, mcache, WarningCode } from '../src/runtime/index.js'
import { followFakeTimers, resetCaches, useTemporaryCacheRoot } from '../src/testing/index.js'
import { suite } from './support/suite.js'
import { warningsDuring } from './support/warnings.js'

const s = suite('twat-cache/testing')

s('should forget tag invalidations', async () => {
  let runs = 0
  const tagged = mcache((n: number) => (runs++, n), { tags: ['reset-tag'] })
  await invalidateTag('reset-tag')
  tagged(1)
  tagged(1)
  assert.is(runs, 1)
  await resetCaches()
  tagged(1)
  tagged(1)
  assert.is(runs, 2, 'computed once after the reset, then served')
})

s('should empty memory, SQLite, file and async caches and reset their counters', async () => {
  using cacheRoot = useTemporaryCacheRoot()
  const runs = { m: 0, b: 0, f: 0, a: 0 }
  const square = mcache((n: number) => (runs.m++, n * n))
  const report = bcache((n: number) => (runs.b++, [n]), { name: 'reset-report' })
  const blob = fcache((n: number) => (runs.f++, `#${n}`), { name: 'reset-blob' })
  const load = acache(async (n: number) => (runs.a++, n))
  for (let i = 0; i < 2; i++) {
    square(2)
    report(2)
    blob(2)
    await load(2)
  }
  assert.equal(runs, { m: 1, b: 1, f: 1, a: 1 })
  assert.is(report.cache.engine, 'better-sqlite3')
  assert.ok(report.cache.path!.startsWith(cacheRoot.root), 'the database is under the temporary root')
  await resetCaches()
  for (const handle of [square.cache, report.cache, blob.cache]) {
    assert.is(handle.has(2), false, handle.name)
    assert.equal([handle.stats().hits, handle.stats().misses], [0, 0], handle.name)
  }
  assert.is(await load.cache.has(2), false)
  square(2)
  report(2)
  blob(2)
  await load(2)
  assert.equal(runs, { m: 2, b: 2, f: 2, a: 2 }, 'every cache computes again')
})

s('should emit a warning again after a reset', async () => {
  const sized = mcache((f: () => number) => f())
  const first = await warningsDuring(() => sized(() => 1))
  const again = await warningsDuring(() => sized(() => 1))
  await resetCaches()
  const afterReset = await warningsDuring(() => sized(() => 1))
  const keyWarnings = (seen: Array<{ code?: string }>) => seen.filter((w) => w.code === WarningCode.key).length
  assert.equal([keyWarnings(first), keyWarnings(again), keyWarnings(afterReset)], [1, 0, 1])
})

s('should point persistent caches at a temporary root and put TWAT_CACHE_DIR back', () => {
  const original = process.env.TWAT_CACHE_DIR
  const mine = mkdtempSync(path.join(os.tmpdir(), 'twat-cache-own-root-'))
  process.env.TWAT_CACHE_DIR = mine
  try {
    const cacheRoot = useTemporaryCacheRoot()
    assert.is.not(cacheRoot.root, mine)
    assert.is(process.env.TWAT_CACHE_DIR, cacheRoot.root)
    assert.is(getCachePath('reports'), path.join(cacheRoot.root, 'reports'))
    const made = bcache((n: number) => n, { name: 'root-probe' })
    made(1)
    assert.ok(cacheOf(made).path!.startsWith(cacheRoot.root))
    cacheRoot.restore()
    assert.is(process.env.TWAT_CACHE_DIR, mine)
    assert.not.ok(existsSync(cacheRoot.root), 'the temporary root is removed')
    assert.equal(readdirSync(mine), [], 'the own root was never written')
  } finally {
    if (original === undefined) delete process.env.TWAT_CACHE_DIR
    else process.env.TWAT_CACHE_DIR = original
    rmSync(mine, { recursive: true, force: true })
  }
})

s('should make a memory ttl follow a clock set without running timers', () => {
  const realNow = Date.now
  let now = realNow()
  // A stand-in for fake timers that set the time: Date.now moves, no timer runs.
  const setTime = (t: number) => {
    now = t
  }
  Date.now = () => now
  try {
    let before = 0
    const kept = mcache((n: number) => (before++, n), { ttl: '10m' })
    kept(1)
    kept(1)
    setTime(now + 11 * 60_000)
    kept(1)
    followFakeTimers()
    let after = 0
    const exact = mcache((n: number) => (after++, n), { ttl: '10m' })
    exact(1)
    exact(1)
    setTime(now + 11 * 60_000)
    exact(1)
    // lru-cache keeps its reading for 1 ms of timer time: without followFakeTimers the entry is still served.
    assert.equal([before, after], [1, 2])
  } finally {
    Date.now = realNow
  }
})

s.run()
