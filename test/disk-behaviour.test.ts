// Behaviour both disk caches promise, run against each: bcache (SQLite) and fcache (files).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import { warningsDuring } from './support/warnings.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'
import type { CacheOptions } from '../src/runtime/options/config.js'
import { SerializationError } from '../src/runtime/report/errors.js'
import { cachedMethod } from '../src/runtime/api/methods.js'
import { ManualClock } from './support/manual-clock.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-disk-behaviour-'))
let serial = 0
/** A fresh cache folder per test, so no test sees another's entries. */
const fresh = (): CacheOptions => ({ cacheDir: path.join(root, `dir-${++serial}`) })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const [label, cache, engine] of [
  ['bcache', bcache, 'better-sqlite3'],
  ['fcache', fcache, 'file'],
] as const) {
  const s = suite(`${label} behaviour`)
  s.after(() => {
    if (label === 'fcache') rmSync(root, { recursive: true, force: true })
  })

  s(`should run on ${engine}, and not call the function again on a hit`, () => {
    let calls = 0
    const square = cache((n: number) => (calls++, n * n), fresh())
    assert.is(square.cache.engine, engine)
    assert.is(square(3), 9)
    assert.is(square(3), 9)
    assert.is(square(4), 16)
    assert.is(calls, 2)
    const stats = square.cache.stats()
    assert.is(stats.hits, 1)
    assert.is(stats.misses, 2)
    assert.is(stats.sets, 2)
    assert.is(stats.size, 2)
  })

  s('should tell f(1) from f("1"), and treat {a, b} and {b, a} as the same argument', () => {
    let calls = 0
    const f = cache((x: unknown) => (calls++, typeof x), fresh())
    assert.is(f(1), 'number')
    assert.is(f('1'), 'string')
    assert.is(calls, 2)
    f({ a: 1, b: 2 })
    f({ b: 2, a: 1 })
    assert.is(calls, 3)
  })

  s('should cache undefined and null results', () => {
    let calls = 0
    const f = cache((x: number) => (calls++, x > 0 ? undefined : null), fresh())
    assert.is(f(1), undefined)
    assert.is(f(1), undefined)
    assert.is(f(-1), null)
    assert.is(f(-1), null)
    assert.is(calls, 2)
  })

  s('should give back Map, Set, Date, BigInt and typed arrays exactly as they were', () => {
    const value = () => ({
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, [3n]],
      ]),
      set: new Set(['x', 1]),
      date: new Date(Date.UTC(2024, 1, 29, 12)),
      big: 12345678901234567890n,
      bytes: new Uint8Array([0, 1, 254, 255]),
      floats: new Float32Array([0.5, -1.25]),
    })
    let calls = 0
    const f = cache(() => (calls++, value()), fresh())
    f()
    const back = f()
    assert.is(calls, 1)
    assert.equal(back, value())
    assert.ok(back.map instanceof Map && back.set instanceof Set && back.date instanceof Date)
    assert.ok(back.bytes instanceof Uint8Array && back.floats instanceof Float32Array)
    assert.is(typeof back.big, 'bigint')
  })

  s('should see the same entries from a second cache of the same function in the same folder', () => {
    const options = { ...fresh(), name: 'shared-fn' }
    let calls = 0
    const body = (n: number) => (calls++, n + 1)
    cache(body, options)(1)
    assert.is(cache(body, options)(1), 2)
    assert.is(calls, 1)
  })

  s('should keep functions with other names apart, even with the same arguments', () => {
    const options = fresh()
    const a = cache(function first(n: number) {
      return `first ${n}`
    }, options)
    const b = cache(function second(n: number) {
      return `second ${n}`
    }, options)
    assert.is(a(1), 'first 1')
    assert.is(b(1), 'second 1')
    assert.is(a(1), 'first 1')
  })

  s('should miss when the function is edited, and remove the old version entries', () => {
    const options = { ...fresh(), name: 'edited' }
    let calls = 0
    const v1 = cache((n: number) => (calls++, n * 10), options)
    assert.is(v1(1), 10)
    assert.is(calls, 1)
    const v2 = cache((n: number) => (calls++, n * 100 + 0), options)
    assert.is(v2(1), 100)
    assert.is(calls, 2)
    // Reopening version 1 finds nothing: opening version 2 removed its entries (and vice versa).
    const again = cache((n: number) => (calls++, n * 10), options)
    assert.is(again(1), 10)
    assert.is(calls, 3)
  })

  s('should treat a new `version` option as a new function', () => {
    const base = { ...fresh(), name: 'versioned' }
    let calls = 0
    const f = (n: number) => (calls++, n)
    cache(f, { ...base, version: '1' })(5)
    cache(f, { ...base, version: '1' })(5)
    assert.is(calls, 1)
    cache(f, { ...base, version: '2' })(5)
    assert.is(calls, 2)
  })

  s('should return a class instance, or a result holding a function, without storing it', async () => {
    class Point {
      constructor(public x: number) {}
    }
    let calls = 0
    const options = { ...fresh(), name: `unstorable-${label}` }
    const f = cache((kind: string) => (calls++, kind === 'class' ? new Point(1) : { run: () => 1 }), options)
    let first: unknown
    const warnings = await warningsDuring(() => {
      first = f('class')
    })
    assert.ok(first instanceof Point)
    assert.ok(f('class') instanceof Point)
    assert.is(typeof (f('fn') as { run: unknown }).run, 'function')
    assert.is(calls, 3)
    assert.is(f.cache.stats().size, 0)
    assert.is(f.cache.stats().errors, 3)
    assert.equal(
      warnings.map((w) => w.code),
      ['TWAT_CACHE_SERIALIZATION'],
    )
    assert.match(warnings[0]!.message, /instance of Point/)
  })

  s('should throw the SerializationError instead in strict mode', () => {
    const f = cache(() => new (class Thing {})(), { ...fresh(), strict: true })
    assert.throws(
      () => f(),
      (e: unknown) => e instanceof SerializationError,
    )
  })

  s('should store a promise result once resolved, and give it back as a promise', async () => {
    let calls = 0
    const f = cache(async (n: number) => (calls++, await sleep(5), { n }), fresh())
    const first = f(1)
    const concurrent = f(1)
    assert.ok(first instanceof Promise)
    assert.equal(await first, { n: 1 })
    assert.equal(await concurrent, { n: 1 })
    assert.is(calls, 1)
    const hit = f(1)
    assert.ok(hit instanceof Promise)
    assert.equal(await hit, { n: 1 })
    assert.is(calls, 1)
    assert.is(f.cache.stats().size, 1)
  })

  s('should never store a rejection', async () => {
    let calls = 0
    const f = cache(async (n: number) => {
      calls++
      if (calls === 1) throw new Error('first call fails')
      return n
    }, fresh())
    await f(1).then(
      () => assert.unreachable('should reject'),
      (error: Error) => assert.is(error.message, 'first call fails'),
    )
    assert.is(f.cache.stats().size, 0)
    assert.is(await f(1), 1)
    assert.is(await f(1), 1)
    assert.is(calls, 2)
  })

  s('should expire entries after the ttl', () => {
    let calls = 0
    const clock = new ManualClock()
    const f = cache((n: number) => (calls++, n), { ...fresh(), ttl: '1m', clock })
    f(1)
    clock.advance(30_000)
    f(1)
    assert.is(calls, 1)
    clock.advance(60_000)
    assert.is(f.cache.has(1), false)
    f(1)
    assert.is(calls, 2)
  })

  s('should keep at most maxsize entries, evicting the least recently used', () => {
    let calls = 0
    const f = cache((n: number) => (calls++, n), { ...fresh(), maxsize: 2 })
    f(1)
    f(2)
    f(1) // 1 is now more recent than 2
    f(3) // evicts 2
    assert.is(f.cache.stats().size, 2)
    assert.is(f.cache.stats().evictions, 1)
    assert.is(f.cache.has(1), true)
    assert.is(f.cache.has(2), false)
    assert.is(f.cache.has(3), true)
    f(1)
    assert.is(calls, 3)
  })

  s('should keep at most maxBytes of entries, and not store a value larger than all of it', () => {
    const f = cache((n: number) => 'x'.repeat(n >= 100 ? 50_000 : 10_000) + n, { ...fresh(), maxBytes: 25_000 })
    f(1)
    f(2)
    f(3)
    assert.is(f.cache.stats().size, 2)
    assert.is(f.cache.has(1), false)
    assert.is(f.cache.has(3), true)
    f(100)
    assert.is(f.cache.has(100), false)
    assert.is(f.cache.has(3), true)
  })

  s('should delete, test and clear entries through the handle', () => {
    let calls = 0
    const f = cache((a: number, b: string) => (calls++, `${a}${b}`), fresh())
    f(1, 'x')
    f(2, 'y')
    assert.is(f.cache.has(1, 'x'), true)
    assert.is(f.cache.has(1, 'y'), false)
    assert.is(f.cache.delete(1, 'x'), true)
    assert.is(f.cache.delete(1, 'x'), false)
    assert.is(f.cache.has(1, 'x'), false)
    f(1, 'x')
    assert.is(calls, 3)
    f.cache.clear()
    assert.is(f.cache.stats().size, 0)
    assert.is(f.cache.stats().hits, 0)
    f(2, 'y')
    assert.is(calls, 4)
  })

  s('should key by the `key` option when given, in calls and in the handle', () => {
    let calls = 0
    const f = cache((id: number, _log: () => void) => (calls++, id * 2), { ...fresh(), key: (id: number) => id })
    f(2, () => {})
    f(2, () => {})
    assert.is(calls, 1)
    assert.is(
      f.cache.has(2, () => {}),
      true,
    )
  })

  s('should share one cache between the instances of a class', () => {
    let calls = 0
    class Prices {
      constructor(readonly tag: string) {}
      declare of: (sku: string) => number
    }
    Prices.prototype.of = cachedMethod(
      cache,
      function of(this: Prices, sku: string) {
        calls++
        return sku.length
      },
      { ...fresh(), name: `Prices.of-${label}` },
    )
    assert.is(new Prices('a').of('abc'), 3)
    assert.is(new Prices('b').of('abc'), 3)
    assert.is(calls, 1)
  })

  s('should call straight through with TWAT_CACHE_DISABLE=1', () => {
    process.env.TWAT_CACHE_DISABLE = '1'
    try {
      let calls = 0
      const f = cache((n: number) => (calls++, n), fresh())
      f(1)
      f(1)
      assert.is(calls, 2)
      assert.is(f.cache.engine, 'disabled')
    } finally {
      delete process.env.TWAT_CACHE_DISABLE
    }
  })

  s.run()
}
