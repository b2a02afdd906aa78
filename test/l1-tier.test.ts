// The memory tier (L1, the `memory` option) in one process: hits answered from memory (stats().l1Hits), what it
// holds is what the store returns, clone gives copies, freshness and tags judge its entries as the store's, handle
// operations reach it, tiers of one function tell each other, and bad option values are refused with the fix.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { bcache, createCacheConfig, fcache, invalidateTag, mcache, ValidationError } from '../src/runtime/index.js'
import { cacheTag } from '../src/runtime/index.js'
import { Keyv } from 'keyv'
import { acache } from '../src/runtime/index.js'
import { transform } from '../src/transform/index.js'
import { ManualClock } from './support/manual-clock.js'
import { warningsDuring } from './support/warnings.js'
import { suite } from './support/suite.js'

const test = suite('memory tier (L1)')
const root = mkdtempSync(path.join(os.tmpdir(), 'twat-l1-'))
test.after(() => rmSync(root, { recursive: true, force: true }))

type Cached<F extends (...args: any[]) => any> = F & {
  cache: {
    stats(): { hits: number; misses: number; l1Hits: number; stale: number }
    delete(...args: unknown[]): boolean
    clear(): void
    expire(...args: unknown[]): boolean
    peek(...args: unknown[]): unknown
    refresh(...args: unknown[]): unknown
    close(): Promise<void>
  }
}

const kinds = { bcache, fcache } as const
let serial = 0

for (const [kindName, kind] of Object.entries(kinds)) {
  const make = <F extends (...args: any[]) => any>(fn: F, options: Record<string, unknown> = {}) =>
    kind(fn, { cacheDir: root, name: `l1-${kindName}-${++serial}`, memory: true, ...options }) as unknown as Cached<F>

  test(`${kindName}: should answer a repeated hit from memory, counted in l1Hits`, () => {
    let calls = 0
    const f = make((n: number) => ({ n, calls: ++calls }))
    assert.equal(f(1), { n: 1, calls: 1 })
    assert.equal(f(1), { n: 1, calls: 1 }, 'read from the store, kept in memory')
    for (let i = 0; i < 10; i++) assert.equal(f(1), { n: 1, calls: 1 })
    const stats = f.cache.stats()
    assert.is(calls, 1)
    assert.is(stats.hits, 11)
    assert.is(stats.l1Hits, 10)
  })

  test(`${kindName}: should hold what the store returned, not the object the function returned`, () => {
    const f = make((n: number) => ({ n, list: [n] }))
    const first = f(1)
    first.list.push(99) // the caller changes its result: the store has the value as computed
    assert.equal(f(1), { n: 1, list: [1] })
    assert.equal(f(1), { n: 1, list: [1] })
    assert.is(f.cache.stats().l1Hits, 1)
  })

  test(`${kindName}: should share one value between hits, and hand out copies with clone: true`, () => {
    const shared = make((n: number) => ({ n }))
    shared(1)
    const a = shared(1)
    assert.is(shared(1), a, 'hits share the decoded value, as mcache hits do')
    const copied = make((n: number) => ({ n }), { clone: true })
    copied(1)
    const b = copied(1)
    const c = copied(1)
    assert.equal(b, c)
    assert.is.not(b, c)
    assert.ok(copied.cache.stats().l1Hits >= 1)
  })

  test(`${kindName}: should judge its entries by their ttl and stale window on the cache's clock`, async () => {
    const clock = new ManualClock()
    let calls = 0
    const f = make((n: number) => `${n}:${++calls}`, { clock, ttl: 10, staleWhileRevalidate: 10 })
    assert.is(f(1), '1:1')
    assert.is(f(1), '1:1')
    assert.is(f(1), '1:1')
    assert.is(f.cache.stats().l1Hits, 1)
    clock.advance(11_000)
    assert.is(f(1), '1:1', 'stale: served while one refresh runs')
    assert.is(f.cache.stats().stale, 1)
    await new Promise((resolve) => setImmediate(resolve))
    assert.is(calls, 2, 'the refresh ran')
    assert.is(f(1), '1:2', 'the refresh is what the store, and so the tier, has now')
    clock.advance(30_000)
    assert.is(f(1), '1:3', 'past every window: a miss, as in the store')
  })

  test(`${kindName}: should see invalidateTag on an entry it holds`, async () => {
    let calls = 0
    const f = make((n: number) => (cacheTag('l1-prices'), `${n}:${++calls}`))
    f(1)
    f(1)
    assert.is(f(1), '1:1')
    assert.ok(f.cache.stats().l1Hits >= 1)
    await invalidateTag('l1-prices')
    await Promise.resolve()
    assert.is(f(1), '1:2')
  })

  test(`${kindName}: should forget entries on delete, clear, expire and refresh through the handle`, () => {
    let calls = 0
    const f = make((n: number) => `${n}:${++calls}`)
    f(1)
    assert.is(f(1), '1:1')
    assert.equal(f.cache.peek(1), { value: '1:1', status: 'fresh' })
    assert.ok(f.cache.delete(1))
    assert.is(f(1), '1:2')
    f(1)
    f.cache.clear()
    assert.is(f(1), '1:3')
    f(1)
    assert.ok(f.cache.expire(1))
    assert.is(f(1), '1:4')
    f(1)
    assert.is(f.cache.refresh(1), '1:5')
    assert.is(f(1), '1:5')
    assert.is(f(1), '1:5')
  })

  test(`${kindName}: should tell the other tiers of the same function in this process`, () => {
    let calls = 0
    const name = `l1-${kindName}-siblings`
    // One version for both (the default is a hash of each function's source).
    const a = kind((n: number) => `${n}:a${++calls}`, { cacheDir: root, name, version: '1', memory: true }) as unknown as Cached<
      (n: number) => string
    >
    const b = kind((n: number) => `${n}:b${++calls}`, { cacheDir: root, name, version: '1', memory: true }) as unknown as Cached<
      (n: number) => string
    >
    a.cache.clear()
    assert.is(a(1), '1:a1')
    assert.is(b(1), '1:a1')
    assert.is(b(1), '1:a1')
    assert.ok(b.cache.stats().l1Hits >= 1)
    a.cache.refresh(1)
    assert.is(b(1), '1:a2')
    a.cache.delete(1)
    assert.is(b(1), '1:b3')
  })

  test(`${kindName}: should keep at most memory.maxsize entries`, () => {
    let calls = 0
    const f = make((n: number) => `${n}:${++calls}`, { memory: { maxsize: 2 } })
    for (const n of [1, 2, 3]) f(n)
    for (const n of [1, 2, 3]) f(n) // read back from the store: 3 entries through a tier of 2
    const before = f.cache.stats().l1Hits
    f(3)
    f(2)
    assert.is(f.cache.stats().l1Hits, before + 2, 'the two most recent are in memory')
    f(1)
    assert.is(f.cache.stats().l1Hits, before + 2, 'the oldest was evicted from memory, read from the store')
    assert.is(calls, 3, 'and never recomputed')
  })
}

test('should drop a tier entry after memory.ttl, reading the store again', () => {
  const clock = new ManualClock()
  let calls = 0
  const f = bcache((n: number) => `${n}:${++calls}`, {
    cacheDir: root,
    name: 'l1-ttl',
    memory_ttl: '1s',
    clock,
  } as never) as unknown as Cached<(n: number) => string>
  f(1)
  f(1)
  f(1)
  assert.is(f.cache.stats().l1Hits, 1)
  clock.advance(1500)
  f(1)
  assert.is(f.cache.stats().l1Hits, 1, 'past the tier ttl: read from the store')
  f(1)
  assert.is(f.cache.stats().l1Hits, 2)
  assert.is(calls, 1)
})

test('should accept the option in all its forms', () => {
  assert.equal(createCacheConfig({ memory: true }).memory, { maxsize: 1000, ttlMs: 0 })
  assert.is(createCacheConfig({ memory: false }).memory, undefined)
  assert.is(createCacheConfig({}).memory, undefined)
  assert.equal(createCacheConfig({ memory: { maxsize: 500, ttl: '30s' } }).memory, { maxsize: 500, ttlMs: 30_000 })
  assert.equal(createCacheConfig({ memory_maxsize: 500 } as never).memory, { maxsize: 500, ttlMs: 0 })
  assert.equal(createCacheConfig({ memory: true, memoryTtl: 2 }).memory, { maxsize: 1000, ttlMs: 2000 })
})

test('should refuse bad values, naming the value and the fix', () => {
  const refused = (options: Record<string, unknown>, pattern: RegExp) => {
    try {
      createCacheConfig(options as never)
    } catch (error) {
      assert.instance(error, ValidationError)
      assert.match((error as Error).message, pattern)
      return
    }
    assert.unreachable(`accepted ${JSON.stringify(options)}`)
  }
  refused({ memory: 'yes' }, /memory.*"yes".*expected true, false, or \{ maxsize, ttl \}/s)
  refused({ memory: { maxsize: 0 } }, /maxsize a whole number ≥ 1/)
  refused({ memory: { size: 10 } }, /expected true, false, or \{ maxsize, ttl \}/)
  refused({ memory: { ttl: 'soon' } }, /ttl seconds ≥ 0 or a duration/)
  refused({ memory_maxsize: 1.5 }, /memoryMaxsize.*1\.5.*whole number ≥ 1/s)
  refused({ memory: false, memory_maxsize: 10 }, /memory is false: drop memory: false/)
  refused({ memory: { maxsize: 10 }, memoryTtl: 1 }, /give both in memory: \{ maxsize, ttl \}/)
  assert.throws(
    () => mcache((n: number) => n, { memory: true }),
    (error: Error) => error instanceof ValidationError && /mcache keeps its entries in memory already/.test(error.message),
  )
})

test('should read the tag syntax: memory=true, memory_maxsize=500, memory_ttl=30s', () => {
  const source = '/** @bcache memory=true memory_maxsize=500 memory_ttl=30s */\nexport function f(x: number) { return x }\n'
  const out = transform(source, '/project/src/l1.ts')
  assert.ok(out)
  assert.match(out.code, /memory: true, memoryMaxsize: 500, memoryTtl: "30s"/)
  assert.throws(
    () => transform('/** @bcache memory=yes */\nexport function f(x: number) { return x }\n', '/project/src/l1-bad.ts'),
    /memory="yes": expected true, false, or \{ maxsize, ttl \}/,
  )
})

test('should keep the tier off, warning once, on a shared store without an invalidation bus', async () => {
  let calls = 0
  const f = acache(async (n: number) => `${n}:${++calls}`, { store: new Keyv(), name: 'l1-no-bus', memory: true }) as unknown as Cached<
    (n: number) => Promise<string>
  >
  const seen = await warningsDuring(async () => {
    assert.is(await f(1), '1:1')
    assert.is(await f(1), '1:1')
    assert.is(await f(1), '1:1')
  })
  const codes = seen.filter((w) => w.code === 'TWAT_CACHE_MEMORY_TIER')
  assert.is(codes.length, 1)
  assert.match(codes[0]!.message, /has no invalidation bus.*url: "redis:\/\/…"/s)
  assert.is(f.cache.stats().l1Hits, 0, 'every call read the store')
  assert.is(f.cache.stats().hits, 2)
})

test.run()
