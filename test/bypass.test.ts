// A call whose arguments cannot be keyed (a callback, a symbol, a cycle, hidden state) runs uncached and returns
// its result, counted in stats().bypassed and warned once per cache (TWAT_CACHE_KEY); strict: true throws
// CacheKeyError instead. The handle's has/delete answer false. In every cache: memory, disk and shared.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Keyv from 'keyv'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache, bcache, CacheKeyError, cachedMethod, fcache, getStats, mcache, ucache, WarningCode } from '../src/runtime/index.js'
import { counted } from './support/counted.js'
import { captureWarnings } from './support/warnings.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-bypass-'))
let serial = 0
const unique = (label: string) => `${label}-${++serial}`
const cacheDir = () => path.join(root, unique('dir'))

const test = suite('unkeyable arguments bypass the cache')
test.after(() => rmSync(root, { recursive: true, force: true }))

type Mapper = (list: number[], fn: (n: number) => number) => number[]
const mapper = () => counted<Parameters<Mapper>, number[]>((list, fn) => list.map(fn))

/** Every cache, synchronous or not, wrapping `fn` under `name`. */
const CACHES: Record<string, (fn: Mapper, name: string) => (...args: Parameters<Mapper>) => unknown> = {
  mcache: (fn, name) => mcache(fn, { name }),
  bcache: (fn, name) => bcache(fn, { name, cacheDir: cacheDir() }),
  fcache: (fn, name) => fcache(fn, { name, cacheDir: cacheDir() }),
  'acache (local)': (fn, name) => acache(fn, { name }),
  'acache (shared keyv store)': (fn, name) => acache(fn, { name, store: new Keyv() }),
}

for (const [label, make] of Object.entries(CACHES)) {
  test(`${label}: should run a call with a callback uncached, return its result, count and warn once`, async () => {
    const warnings = captureWarnings()
    try {
      const name = unique(`map-${label.replace(/\W+/g, '-')}`)
      const fn = mapper()
      const cached = make(fn, name) as ((...args: Parameters<Mapper>) => unknown) & {
        cache: { stats(): { bypassed: number; hits: number; misses: number; sets: number } }
      }
      assert.equal(await cached([1, 2], (n) => n * 2), [2, 4])
      assert.equal(await cached([1, 2], (n) => n * 3), [3, 6], 'not the first callback’s answer')
      assert.equal(await cached([1, 2], (n) => n * 3), [3, 6])
      assert.is(fn.calls, 3, 'every call ran')
      const stats = cached.cache.stats()
      assert.is(stats.bypassed, 3)
      assert.is(stats.hits + stats.misses + stats.sets, 0, 'a bypass is neither a hit nor a miss, and stores nothing')
      const seen = (await warnings.of(WarningCode.key)).filter((w) => w.message.includes(`Cache ${name}:`))
      assert.is(seen.length, 1, 'warned once for the cache')
      assert.match(seen[0]!.message, new RegExp(`Cache ${name}: argument 1 \\(a function\\) cannot be keyed`))
      assert.match(seen[0]!.message, /`key` option.*keyBy: 'identity'/)
      assert.match(seen[0]!.message, /stats\(\)\.bypassed/)
    } finally {
      warnings.stop()
    }
  })

  test(`${label}: should answer false from has and delete with unkeyable arguments`, async () => {
    const cached = make(mapper(), unique(`handle-${label}`)) as unknown as {
      cache: { has(...a: unknown[]): unknown; delete(...a: unknown[]): unknown }
    }
    assert.is(await cached.cache.has([1], (n: number) => n), false)
    assert.is(await cached.cache.delete([1], (n: number) => n), false)
  })
}

test('should throw CacheKeyError in strict mode, from calls and from the handle', async () => {
  const sync = mcache(mapper(), { strict: true })
  assert.throws(
    () => sync([1], (n) => n),
    (e: Error) => e instanceof CacheKeyError && /argument 1 \(a function\)/.test(e.message),
  )
  assert.throws(
    () => sync.cache.has([1], (n) => n),
    (e: Error) => e instanceof CacheKeyError,
  )
  const disk = bcache(mapper(), { strict: true, cacheDir: cacheDir(), name: unique('strict-disk') })
  assert.throws(
    () => disk([1], (n) => n),
    (e: Error) => e instanceof CacheKeyError,
  )
  const shared = acache(mapper(), { strict: true, store: new Keyv(), name: unique('strict-shared') })
  await shared([1], (n) => n).then(
    () => assert.unreachable('should reject'),
    (error: unknown) => assert.instance(error, CacheKeyError),
  )
  await shared.cache
    .has([1], (n: number) => n)
    .then(
      () => assert.unreachable('should reject'),
      (error: unknown) => assert.instance(error, CacheKeyError),
    )
})

test('should bypass for symbols, cycles and hidden state, and keep caching keyable calls of the same cache', () => {
  const fn = counted((value: unknown, n: number) => `${typeof value}:${n}`)
  const cached = mcache(fn, { name: unique('mixed') })
  const loop: Record<string, unknown> = {}
  loop.self = loop
  let nested: Record<string, unknown> = loop
  for (let i = 0; i < 40; i++) nested = { nested } // deep enough for the cycle check
  assert.is(cached(Symbol('s'), 1), 'symbol:1')
  assert.is(cached(nested, 2), 'object:2')
  assert.is(cached(Promise.resolve(1), 3), 'object:3')
  assert.is(cached({ plain: true }, 4), 'object:4')
  assert.is(cached({ plain: true }, 4), 'object:4')
  assert.is(fn.calls, 4)
  const stats = cached.cache.stats()
  assert.is(stats.bypassed, 3)
  assert.is(stats.hits, 1)
  assert.is(stats.misses, 1)
})

test('should bypass when the key option returns something unkeyable, and say so', async () => {
  const warnings = captureWarnings()
  try {
    const name = unique('key-result')
    const cached = mcache((n: number) => n + 1, { name, key: () => () => 0 })
    assert.is(cached(1), 2)
    assert.is(cached.cache.stats().bypassed, 1)
    const [warning] = (await warnings.of(WarningCode.key)).filter((w) => w.message.includes(`Cache ${name}:`))
    assert.match(warning!.message, /the key option's result \(a function\)/)
  } finally {
    warnings.stop()
  }
})

test('should propagate an error thrown by the key option itself, not bypass it', () => {
  const cached = mcache((n: number) => n, {
    key: () => {
      throw new RangeError('bad key')
    },
  })
  assert.throws(() => cached(1), RangeError)
  assert.is(cached.cache.stats().bypassed, 0)
})

test('should sum bypassed calls over the instances of a cached method, and report them in getStats', () => {
  const name = unique('method')
  class Lists {
    constructor(readonly offset: number) {}
    apply(list: number[], fn: (n: number) => number) {
      return list.map((n) => fn(n) + this.offset)
    }
  }
  Lists.prototype.apply = cachedMethod(mcache, Lists.prototype.apply, { name })
  const cachedApply = Lists.prototype.apply as typeof Lists.prototype.apply & { cache: { stats(): { bypassed: number } } }
  const a = new Lists(1)
  const b = new Lists(2)
  assert.equal(
    a.apply([1], (n) => n),
    [2],
  )
  assert.equal(
    b.apply([1], (n) => n),
    [3],
  )
  assert.equal(
    b.apply([1], (n) => n * 10),
    [12],
  )
  assert.is(cachedApply.cache.stats().bypassed, 3, 'summed over both instances')
  assert.equal(
    getStats(name).map((s) => s.bypassed),
    [3],
  )
})

test('should bypass in ucache whichever cache it picks, and in acache as a promise even for a sync throw', async () => {
  const picked = ucache(mapper(), { name: unique('ucache') })
  assert.equal(
    picked([1], (n) => n + 1),
    [2],
  )
  assert.is(picked.cache.stats().bypassed, 1)
  const throwing = acache((_fn: () => void): number => {
    throw new TypeError('boom')
  })
  const outcome = throwing(() => undefined)
  assert.instance(outcome, Promise)
  await outcome.then(
    () => assert.unreachable('should reject'),
    (error: unknown) => assert.instance(error, TypeError),
  )
  assert.is(throwing.cache.stats().bypassed, 1)
})

test.run()
