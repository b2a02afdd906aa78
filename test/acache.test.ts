import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache } from '../src/runtime/caches/acache.js'
import { CacheKeyError, ValidationError } from '../src/runtime/report/errors.js'
import { clearCache, getStats } from '../src/runtime/api/registry.js'
import { counted } from './support/counted.js'
import { ManualClock } from './support/manual-clock.js'

const test = suite('acache (local store)')

/** A promise the test resolves by hand: a real barrier, where a sleep would only hope the calls overlap. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}

test('should not call the function again on a hit', async () => {
  const square = counted(async (x: number) => x * x)
  const cached = acache(square)
  assert.is(await cached(4), 16)
  assert.is(await cached(4), 16)
  assert.is(square.calls, 1)
  assert.is(await cached(5), 25)
  assert.is(square.calls, 2)
  assert.is(cached.cache.engine, 'memory-async')
  assert.is(cached.cache.kind, 'acache')
  assert.is(typeof (cached.cache.store as { peek?: unknown }).peek, 'function', 'the local store is the memory chain (an LRUCache)')
})

test('should share one in-flight promise between concurrent calls', async () => {
  const release = gate()
  const slow = counted(async (x: number) => {
    await release.promise
    return { x }
  })
  const cached = acache(slow)
  const calls = Array.from({ length: 10 }, () => cached(1))
  release.open()
  const results = await Promise.all(calls)
  assert.is(slow.calls, 1)
  for (const result of results) assert.is(result, results[0])
  assert.equal(results[0], { x: 1 })
})

test('should never cache a rejection, and reject every caller that shared it', async () => {
  let fail = true
  const release = gate()
  const flaky = counted(async (x: number) => {
    await release.promise
    if (fail) throw new Error(`boom ${x}`)
    return x
  })
  const cached = acache(flaky)
  const calls = Array.from({ length: 5 }, () => cached(7))
  release.open()
  const settled = await Promise.allSettled(calls)
  assert.is(flaky.calls, 1)
  for (const outcome of settled) {
    assert.is(outcome.status, 'rejected')
    assert.is((outcome as PromiseRejectedResult).reason.message, 'boom 7')
  }
  fail = false
  assert.is(await cached(7), 7)
  assert.is(flaky.calls, 2)
  assert.is(await cached(7), 7)
  assert.is(flaky.calls, 2)
})

test('should return promises for functions that do not, and turn a throw into an uncached rejection', async () => {
  const plain = counted((x: number) => x + 1)
  const cached = acache(plain)
  const first = cached(1)
  assert.instance(first, Promise)
  assert.is(await first, 2)
  assert.is(await cached(1), 2)
  assert.is(plain.calls, 1)

  const thrower = counted((x: number): number => {
    throw new Error(`no ${x}`)
  })
  const cachedThrower = acache(thrower)
  const outcome = cachedThrower(3)
  assert.instance(outcome, Promise)
  await outcome.then(
    () => assert.unreachable('should reject'),
    (error: Error) => assert.is(error.message, 'no 3'),
  )
  await cachedThrower(3).catch(() => {})
  assert.is(thrower.calls, 2)
})

test('should cache undefined and null results', async () => {
  const nothing = counted(async (_x: number) => undefined)
  const cached = acache(nothing)
  assert.is(await cached(1), undefined)
  assert.is(await cached(1), undefined)
  assert.is(nothing.calls, 1)
  const nil = counted(async (_x: number) => null)
  const cachedNil = acache(nil)
  assert.is(await cachedNil(1), null)
  assert.is(await cachedNil(1), null)
  assert.is(nil.calls, 1)
})

test('should expire entries after the ttl', async () => {
  const clock = new ManualClock()
  const now = counted(async (_x: number) => clock.now())
  const cached = acache(now, { ttl: '40ms', clock })
  await cached(1)
  clock.advance(39)
  await cached(1)
  assert.is(now.calls, 1)
  clock.advance(2)
  await cached(1)
  assert.is(now.calls, 2)
})

test('should hold at most maxsize entries', async () => {
  const id = counted(async (x: number) => x)
  const cached = acache(id, { maxsize: 2 })
  await cached(1)
  await cached(2)
  await cached(3)
  assert.is(cached.cache.stats().size, 2)
  await cached(1)
  assert.is(id.calls, 4, 'the oldest entry was evicted')
})

test('should key by the key option', async () => {
  const fetchUser = counted(async (user: { id: number; name: string }) => user.name)
  const cached = acache(fetchUser, { key: (user: { id: number }) => user.id })
  assert.is(await cached({ id: 1, name: 'a' }), 'a')
  assert.is(await cached({ id: 1, name: 'changed' }), 'a')
  assert.is(fetchUser.calls, 1)
  assert.is(await cached.cache.has({ id: 1, name: '' }), true)
})

test('should work as acache(options)(fn), keep name and length, and count statistics', async () => {
  async function add(a: number, b: number) {
    return a + b
  }
  const cached = acache({ maxsize: 10, name: 'acache-add' })(add)
  assert.is(cached.name, 'add')
  assert.is(cached.length, 2)
  assert.is(await cached(1, 2), 3)
  assert.is(await cached(1, 2), 3)
  const stats = cached.cache.stats()
  assert.is(stats.hits, 1)
  assert.is(stats.misses, 1)
  assert.is(stats.sets, 1)
  assert.is(stats.size, 1)
  assert.is(stats.engine, 'memory-async')
  assert.is(getStats('acache-add')[0]?.hits, 1)
})

test('should answer has/delete/clear with promises', async () => {
  const double = counted(async (x: number) => x * 2)
  const cached = acache(double, { name: 'acache-handle' })
  await cached(1)
  await cached(2)
  const has = cached.cache.has(1)
  assert.instance(has, Promise)
  assert.is(await has, true)
  assert.is(await cached.cache.has(3), false)
  assert.is(await cached.cache.delete(1), true)
  assert.is(await cached.cache.delete(1), false)
  await cached(1)
  assert.is(double.calls, 3)
  await cached.cache.clear()
  assert.is(cached.cache.stats().size, 0)
  assert.is(cached.cache.stats().hits, 0)
  await cached(2)
  assert.is(double.calls, 4)
  await cached(2)
  await clearCache('acache-handle')
  await cached(2)
  assert.is(double.calls, 5)
})

test('should cache a decorated async method per instance', async () => {
  let calls = 0
  class Users {
    constructor(readonly prefix: string) {}
    @acache({ name: 'Users.byId' })
    async byId(id: number) {
      calls++
      return `${this.prefix}${id}`
    }
  }
  const a = new Users('a')
  const b = new Users('b')
  assert.is(await a.byId(1), 'a1')
  assert.is(await a.byId(1), 'a1')
  assert.is(await b.byId(1), 'b1')
  assert.is(calls, 2)
})

test('should run a call whose argument cannot be a key uncached, and reject (not throw) with it in strict mode', async () => {
  const cached = acache(async (fn: () => number) => fn())
  assert.is(await cached(() => 1), 1)
  assert.is(cached.cache.stats().bypassed, 1)
  const strict = acache(async (fn: () => number) => fn(), { strict: true })
  const outcome = strict(() => 1)
  assert.instance(outcome, Promise)
  await outcome.then(
    () => assert.unreachable('should reject'),
    (error: unknown) => assert.instance(error, CacheKeyError),
  )
})

test('should call straight through, still with promises, when TWAT_CACHE_DISABLE=1', async () => {
  process.env.TWAT_CACHE_DISABLE = '1'
  try {
    const plain = counted((x: number) => x)
    const cached = acache(plain)
    assert.instance(cached(1), Promise)
    assert.is(await cached(1), 1)
    assert.is(plain.calls, 2)
    assert.is(cached.cache.engine, 'disabled')
    assert.is(await cached.cache.has(1), false)
  } finally {
    delete process.env.TWAT_CACHE_DISABLE
  }
})

test('should use keyv\'s memory store with preferredEngine "keyv"', async () => {
  const now = counted(async (_x: number) => ({ when: new Date(0), none: null }))
  const cached = acache(now, { preferredEngine: 'keyv', name: 'acache-keyv-memory' })
  assert.is(cached.cache.engine, 'keyv', 'the engine it will use, before the first call')
  assert.equal(await cached(1), { when: new Date(0), none: null })
  // keyv serializes to JSON: a Date comes back as its ISO string.
  assert.equal(await cached(1), { when: '1970-01-01T00:00:00.000Z', none: null })
  assert.is(now.calls, 1)
  assert.is(cached.cache.engine, 'keyv')
  assert.is(typeof (cached.cache.store as { get?: unknown }).get, 'function')
})

test('should reject contradictory or impossible options when the cache is created', () => {
  const fn = async () => 1
  assert.throws(
    () => acache(fn, { preferredEngine: 'better-sqlite3' }),
    (e: unknown) => e instanceof ValidationError && /bcache/.test(e.message),
  )
  assert.throws(
    () => acache(fn, { url: 'redis://127.0.0.1:1', backend: 'memcache' }),
    (e: unknown) => e instanceof ValidationError && e.option === 'backend',
  )
  assert.throws(
    () => acache(fn, { url: 'redis://127.0.0.1:1', store: new Map() }),
    (e: unknown) => e instanceof ValidationError && e.option === 'url',
  )
  assert.throws(
    () => acache(fn, { store: { get() {} } }),
    (e: unknown) => e instanceof ValidationError && e.option === 'store',
  )
})

test.run()
