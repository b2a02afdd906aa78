import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { clearCache, getStats, mcache } from '../src/runtime/index.js'
import { runChild, RUNTIME_URL } from './support/child.js'
import { counted } from './support/counted.js'
import { ManualClock } from './support/manual-clock.js'

const test = suite('mcache')

test('should not call the function again on a hit', () => {
  const square = counted((x: number) => x * x)
  const cached = mcache(square)
  assert.is(cached(4), 16)
  assert.is(cached(4), 16)
  assert.is(square.calls, 1)
  assert.is(cached(5), 25)
  assert.is(square.calls, 2)
})

test('should work as mcache(options)(fn) and keep name and length', () => {
  function add(a: number, b: number) {
    return a + b
  }
  const cached = mcache({ maxsize: 10 })(add)
  assert.is(cached(1, 2), 3)
  assert.is(cached.name, 'add')
  assert.is(cached.length, 2)
  assert.is(cached.cache.engine, 'lru-cache')
  assert.is(cached.cache.kind, 'mcache')
})

test('should keep f(1) and f("1") apart and treat {a,b} and {b,a} as one', () => {
  const identity = counted((x: unknown) => typeof x)
  const cached = mcache(identity)
  assert.is(cached(1), 'number')
  assert.is(cached('1'), 'string')
  assert.is(identity.calls, 2)
  const keys = counted((o: object) => Object.keys(o).length)
  const byValue = mcache(keys)
  byValue({ a: 1, b: 2 })
  byValue({ b: 2, a: 1 })
  assert.is(keys.calls, 1)
})

test('should cache undefined and null results', () => {
  const nothing = counted((x: number): null | undefined => (x > 0 ? null : undefined))
  const cached = mcache(nothing)
  assert.is(cached(0), undefined)
  assert.is(cached(0), undefined)
  assert.is(cached(1), null)
  assert.is(cached(1), null)
  assert.is(nothing.calls, 2)
})

test('should pass `this` and every argument through', () => {
  const target = {
    base: 10,
    add: mcache(function (this: { base: number }, x: number, y = 0) {
      return this.base + x + y
    }),
  }
  assert.is(target.add(1), 11)
  assert.is(target.add(1, 2), 13)
})

test('should count hits, misses, sets, evictions and size', () => {
  const cached = mcache((x: number) => x, { maxsize: 2, name: 'stats-test' })
  cached(1)
  cached(1)
  cached(2)
  cached(3)
  const stats = cached.cache.stats()
  assert.is(stats.hits, 1)
  assert.is(stats.misses, 3)
  assert.is(stats.sets, 3)
  assert.is(stats.evictions, 1)
  assert.is(stats.size, 2)
  assert.is(stats.hitRate, 0.25)
  assert.equal(
    getStats('stats-test').map((s) => s.misses),
    [3],
  )
})

test('should delete and has by arguments, and clear', async () => {
  const fn = counted((a: number, b: string) => `${a}${b}`)
  const cached = mcache(fn, { name: 'delete-has-test' })
  cached(1, 'x')
  assert.is(cached.cache.has(1, 'x'), true)
  assert.is(cached.cache.has(2, 'x'), false)
  assert.is(cached.cache.delete(1, 'x'), true)
  cached(1, 'x')
  assert.is(fn.calls, 2)
  await clearCache('delete-has-test')
  assert.is(cached.cache.stats().size, 0)
  cached(1, 'x')
  assert.is(fn.calls, 3)
})

test('should honour ttl', () => {
  const clock = new ManualClock()
  const fn = counted((x: number) => x)
  const cached = mcache(fn, { ttl: '50ms', clock })
  cached(1)
  clock.advance(49)
  cached(1)
  assert.is(fn.calls, 1)
  clock.advance(2)
  cached(1)
  assert.is(fn.calls, 2)
})

test('should run every policy', () => {
  for (const policy of ['lru', 'fifo', 'lfu', 'rr', 'mru'] as const) {
    const fn = counted((x: number) => x)
    const cached = mcache(fn, { policy, maxsize: 3 })
    for (let i = 0; i < 10; i++) cached(i)
    assert.ok(cached.cache.stats().size <= 3, policy)
    assert.is(cached.cache.stats().evictions, 7, policy)
    assert.is(cached.cache.engine, policy === 'lru' || policy === 'fifo' ? 'lru-cache' : policy)
  }
  assert.is(mcache((x: number) => x, { maxsize: null }).cache.engine, 'map')
})

test('should cache a promise but forget it when it rejects', async () => {
  let calls = 0
  const flaky = mcache(async (x: number) => {
    calls++
    if (calls === 1) throw new Error('first call fails')
    return x
  })
  let failed = false
  await flaky(1).catch(() => (failed = true))
  assert.ok(failed)
  await new Promise((r) => setImmediate(r))
  assert.is(await flaky(1), 1)
  assert.is(await flaky(1), 1)
  assert.is(calls, 2)
})

test('should use a custom key function, called with `this`', () => {
  const fn = counted((user: { id: number; name: string }) => user.name.toUpperCase())
  const cached = mcache(fn, { key: (user: { id: number }) => user.id })
  assert.is(cached({ id: 1, name: 'ada' }), 'ADA')
  assert.is(cached({ id: 1, name: 'changed' }), 'ADA')
  assert.is(fn.calls, 1)
  const withFn = mcache((cb: () => number) => cb(), { key: () => 'constant' })
  assert.is(
    withFn(() => 7),
    7,
  )
})

test('should call straight through when TWAT_CACHE_DISABLE=1', async () => {
  const { stdout, code, stderr } = await runChild(
    `import { mcache } from ${JSON.stringify(RUNTIME_URL)}
     let calls = 0
     const f = mcache((x) => { calls++; return x })
     f(1); f(1)
     console.log(JSON.stringify({ calls, engine: f.cache.engine }))`,
    { env: { TWAT_CACHE_DISABLE: '1' } },
  )
  assert.is(code, 0, stderr)
  assert.equal(JSON.parse(stdout), { calls: 2, engine: 'disabled' })
})

test.run()
