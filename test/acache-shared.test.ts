import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import Keyv from 'keyv'
import KeyvRedis from '@keyv/redis'
import { acache } from '../src/runtime/caches/acache.js'
import { closeAllKeyvLinks } from '../src/runtime/engines/async/keyv/connections.js'
import { CacheFaultError } from '../src/runtime/report/errors.js'
import { freePort, startMemcached, startRedis, type TestServer } from './support/servers.js'
import { counted } from './support/counted.js'
import { ManualClock } from './support/manual-clock.js'

const test = suite('acache on shared stores (real redis-server and memcached)')

let redis: TestServer
let memcached: TestServer
const opened: Array<{ cache: { close(): Promise<void> } }> = []
let names = 0

test.before(async () => {
  redis = await startRedis()
  memcached = await startMemcached()
})

test.after.each(async () => {
  for (const cached of opened.splice(0)) await cached.cache.close()
})

test.after(async () => {
  closeAllKeyvLinks()
  await redis.stop()
  await memcached.stop()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** A promise the test resolves by hand: a real barrier, where a sleep would only hope the calls overlap. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}
/** Warnings are emitted on the next tick: let them arrive. */
const flush = () => new Promise((resolve) => setImmediate(resolve))

/** A fresh cache name per test: names key the entries and the warn-once messages. */
const unique = (label: string) => `${label}-${process.pid}-${++names}`

function track<T extends { cache: { close(): Promise<void> } }>(cached: T): T {
  opened.push(cached)
  return cached
}

function captureWarnings() {
  const seen: Array<{ code: string | undefined; message: string }> = []
  const listener = (warning: Error & { code?: string }) => seen.push({ code: warning.code, message: warning.message })
  process.on('warning', listener)
  return { seen, stop: () => process.off('warning', listener) }
}

test('should keep entries in Redis, where every cache of the same function finds them', async () => {
  const name = unique('users')
  const fetchUser = counted(async (id: number) => ({ id, tags: ['a', 'b'] }))
  const first = track(acache(fetchUser, { url: redis.url, name }))
  const second = track(acache(fetchUser, { url: redis.url, name }))
  assert.is(first.cache.engine, 'keyv:redis', 'the engine it will use, before the first call')
  assert.equal(await first(1), { id: 1, tags: ['a', 'b'] })
  assert.equal(await second(1), { id: 1, tags: ['a', 'b'] })
  assert.is(fetchUser.calls, 1)
  assert.is(second.cache.stats().hits, 1)
  assert.is(first.cache.engine, 'keyv:redis')
  assert.is(typeof (first.cache.store as { get?: unknown }).get, 'function', 'store is the Keyv instance')
})

test('should share one in-flight call between concurrent callers', async () => {
  const release = gate()
  const slow = counted(async (x: number) => {
    await release.promise
    return x * 3
  })
  const cached = track(acache(slow, { url: redis.url, name: unique('slow') }))
  const calls = Array.from({ length: 10 }, () => cached(2))
  // The lookup in Redis is in flight for all ten; let it reach the function before opening the gate.
  for (let i = 0; i < 200 && slow.calls === 0; i++) await sleep(5)
  release.open()
  const results = await Promise.all(calls)
  assert.equal(results, Array(10).fill(6))
  assert.is(slow.calls, 1)
})

test('should never cache a rejection, and reject every caller that shared it', async () => {
  let fail = true
  const release = gate()
  const flaky = counted(async (x: number) => {
    await release.promise
    if (fail) throw new Error(`down ${x}`)
    return x
  })
  const cached = track(acache(flaky, { url: redis.url, name: unique('flaky') }))
  const calls = Array.from({ length: 5 }, () => cached(4))
  for (let i = 0; i < 200 && flaky.calls === 0; i++) await sleep(5)
  release.open()
  const settled = await Promise.allSettled(calls)
  assert.is(flaky.calls, 1)
  for (const outcome of settled) assert.is((outcome as PromiseRejectedResult).reason?.message, 'down 4')
  fail = false
  assert.is(await cached(4), 4)
  assert.is(await cached(4), 4)
  assert.is(flaky.calls, 2)
})

test('should store undefined, null and JSON data; a Date comes back as its ISO string', async () => {
  const values: Record<string, unknown> = {
    undefined: undefined,
    null: null,
    date: new Date(0),
    nested: { list: [1, 'two', { three: true }], colon: ':starts-with-colon', none: null },
    buffer: Buffer.from('bytes'),
  }
  const produce = counted(async (which: string) => values[which])
  const cached = track(acache(produce, { url: redis.url, name: unique('values') }))
  for (const which of Object.keys(values)) await cached(which)
  assert.is(produce.calls, 5)
  assert.is(await cached('undefined'), undefined)
  assert.is(await cached('null'), null)
  assert.is(await cached('date'), '1970-01-01T00:00:00.000Z')
  assert.equal(await cached('nested'), values.nested)
  assert.equal(await cached('buffer'), Buffer.from('bytes'))
  assert.is(produce.calls, 5, 'every value was a hit')
})

test('should return but not store values that JSON would change, with one warning', async () => {
  const warnings = captureWarnings()
  try {
    const name = unique('map-result')
    const mapped = counted(async (x: number) => new Map([[x, 'one']]))
    const cached = track(acache(mapped, { url: redis.url, name }))
    const first = await cached(1)
    assert.instance(first, Map)
    assert.instance(await cached(1), Map)
    assert.is(mapped.calls, 2)
    assert.is(cached.cache.stats().errors, 2)
    await flush()
    const mine = warnings.seen.filter((w) => w.message.includes(name))
    assert.is(mine.length, 1)
    assert.is(mine[0]!.code, 'TWAT_CACHE_SERIALIZATION')
    assert.match(mine[0]!.message, /Map/)
  } finally {
    warnings.stop()
  }
})

test('should expire entries after the ttl', async () => {
  const now = counted(async (_x: number) => Date.now())
  // Redis owns this clock (PX expiry): a real-time ttl, with a margin on both sides for a loaded machine.
  const cached = track(acache(now, { url: redis.url, name: unique('ttl'), ttl: '1s' }))
  await cached(1)
  await cached(1)
  assert.is(now.calls, 1)
  await sleep(1600)
  await cached(1)
  assert.is(now.calls, 2)
})

test('should store every entry when several computations start in the same millisecond', async () => {
  // Entries computed at once are stamped apart by fractions of a millisecond (tags/registry.ts); Redis takes a
  // whole-millisecond PX, so a fractional ttl once made those writes fail.
  const clock = new ManualClock(Date.now())
  const name = unique('same-ms')
  const cached = track(acache(async (id: number) => ({ id }), { url: redis.url, name, ttl: '1h', clock }))
  const warnings = captureWarnings()
  try {
    for (const id of [1, 2, 3, 4]) await cached(id)
    await flush()
  } finally {
    warnings.stop()
  }
  assert.equal(warnings.seen, [])
  assert.is(cached.cache.stats().errors, 0)
  for (const id of [1, 2, 3, 4]) assert.ok(await cached.cache.has(id), `entry ${id} is in Redis`)
})

test("clear() should remove this function's entries, written by any cache, and no other function's", async () => {
  const name = unique('cleared')
  const f = counted(async (x: number) => x + 1)
  const g = counted(async (x: number) => x + 2)
  const cachedF = track(acache(f, { url: redis.url, name }))
  const otherCacheOfF = track(acache(f, { url: redis.url, name }))
  const cachedG = track(acache(g, { url: redis.url, name: unique('kept') }))
  await cachedF(1)
  await otherCacheOfF(2)
  await cachedG(1)
  assert.is(cachedF.cache.stats().size, 1, 'size counts the keys this cache wrote')
  await cachedF.cache.clear()
  assert.is(cachedF.cache.stats().size, 0)
  assert.is(await otherCacheOfF.cache.has(2), false, 'the other cache of the same function lost its entry too')
  assert.is(await cachedG.cache.has(1), true, 'another function keeps its entries')
  await cachedF(1)
  assert.is(f.calls, 3)
  await cachedG(1)
  assert.is(g.calls, 1)
})

test('should answer has() and delete() from the store', async () => {
  const double = counted(async (x: number) => x * 2)
  const cached = track(acache(double, { url: redis.url, name: unique('has-delete') }))
  assert.is(await cached.cache.has(1), false)
  await cached(1)
  assert.is(await cached.cache.has(1), true)
  assert.is(await cached.cache.delete(1), true)
  assert.is(await cached.cache.has(1), false)
  assert.is(await cached.cache.delete(1), false)
  await cached(1)
  assert.is(double.calls, 2)
})

test('should connect to $TWAT_CACHE_REDIS_URL with backend "redis"', async () => {
  const name = unique('from-env')
  const fn = counted(async (x: number) => x)
  const previous = process.env.TWAT_CACHE_REDIS_URL
  process.env.TWAT_CACHE_REDIS_URL = redis.url
  let viaBackend: ReturnType<typeof acache<typeof fn>> | undefined
  try {
    viaBackend = track(acache(fn, { backend: 'redis', name }))
  } finally {
    if (previous === undefined) delete process.env.TWAT_CACHE_REDIS_URL
    else process.env.TWAT_CACHE_REDIS_URL = previous
  }
  await viaBackend(9)
  const viaUrl = track(acache(fn, { url: redis.url, name }))
  assert.is(await viaUrl.cache.has(9), true, 'the entry is on the server the variable names')
  assert.is(viaBackend.cache.engine, 'keyv:redis')
})

test('should use a Keyv instance passed as store, and clear only its own keys there', async () => {
  const keyv = new Keyv(new KeyvRedis(redis.url))
  try {
    await keyv.set('owner-key', 'kept')
    const lookup = counted(async (x: number) => `v${x}`)
    const cached = track(acache(lookup, { store: keyv, name: unique('instance') }))
    assert.is(cached.cache.engine, 'keyv:redis')
    assert.is(cached.cache.store, keyv)
    assert.is(await cached(1), 'v1')
    assert.is(await cached(1), 'v1')
    assert.is(lookup.calls, 1)
    await cached.cache.clear()
    assert.is(await cached.cache.has(1), false)
    assert.is(await keyv.get('owner-key'), 'kept', "the owner's keys survive clear()")
  } finally {
    await keyv.disconnect()
  }
})

test('should wrap a keyv store adapter passed as store', async () => {
  const adapter = new KeyvRedis(redis.url)
  try {
    const lookup = counted(async (x: number) => x * 10)
    const name = unique('adapter')
    const cached = track(acache(lookup, { store: adapter, name }))
    const again = track(acache(lookup, { store: adapter, name }))
    assert.is(await cached(2), 20)
    assert.is(await again(2), 20)
    assert.is(lookup.calls, 1)
    assert.is(cached.cache.engine, 'keyv:redis')
  } finally {
    await adapter.disconnect()
  }
})

test('should cache in memcached', async () => {
  const name = unique('memcached')
  const lookup = counted(async (x: number) => ({ x }))
  const cached = track(acache(lookup, { url: memcached.url, name, ttl: '1m' }))
  assert.equal(await cached(1), { x: 1 })
  assert.equal(await cached(1), { x: 1 })
  assert.is(lookup.calls, 1)
  assert.is(cached.cache.engine, 'keyv:memcache')
  await cached.cache.clear()
  assert.is(await cached.cache.has(1), false)
  await cached(1)
  assert.is(lookup.calls, 2)
})

test('should return results while Redis is down, warn once, count the errors, and use it again once it is back', async () => {
  const server = await startRedis()
  const warnings = captureWarnings()
  try {
    const name = unique('dead-redis')
    const lookup = counted(async (x: number) => x * 7)
    // The back-off pause after a failure follows the cache's clock: moved by hand below, never slept through.
    const clock = new ManualClock()
    const cached = track(acache(lookup, { url: server.url, name, clock }))
    assert.is(await cached(1), 7)
    assert.is(await cached(1), 7)
    assert.is(lookup.calls, 1)
    await server.stop('SIGKILL')
    assert.is(await cached(1), 7, 'the result still comes back')
    assert.is(await cached(2), 14)
    assert.is(lookup.calls, 3)
    assert.ok(cached.cache.stats().errors >= 1, `errors ${cached.cache.stats().errors}`)
    await flush()
    const faults = warnings.seen.filter((w) => w.code === 'TWAT_CACHE_FAULT' && w.message.includes(name))
    assert.is(faults.length, 1, 'one warning, however many calls fail')
    assert.ok(faults[0]!.message.includes(`Redis at ${server.url}`), faults[0]!.message)

    const restarted = await startRedis(server.port)
    try {
      clock.advance(1100) // past the back-off pause
      assert.is(await cached(3), 21)
      assert.is(await cached(3), 21)
      assert.is(lookup.calls, 4, 'the second call was a hit again')
    } finally {
      await cached.cache.close()
      await restarted.stop()
    }
  } finally {
    warnings.stop()
  }
})

test('should return the result when Redis is not running at all', async () => {
  const port = await freePort()
  const lookup = counted(async (x: number) => x + 100)
  const cached = track(acache(lookup, { url: `redis://127.0.0.1:${port}`, name: unique('no-redis') }))
  assert.is(await cached(1), 101)
  assert.is(await cached(1), 101)
  assert.is(lookup.calls, 2)
  assert.ok(cached.cache.stats().errors >= 1)
})

test('should reject with CacheFaultError in strict mode when the store fails', async () => {
  const port = await freePort()
  const lookup = counted(async (x: number) => x)
  const cached = track(acache(lookup, { url: `redis://127.0.0.1:${port}`, name: unique('strict'), strict: true }))
  await cached(1).then(
    () => assert.unreachable('should reject'),
    (error: unknown) => {
      assert.instance(error, CacheFaultError)
      assert.match((error as Error).message, /read/)
    },
  )
  assert.is(lookup.calls, 0, 'strict mode does not run the function past a failed read')
})

test('should return results while memcached is down', async () => {
  const server = await startMemcached()
  try {
    const lookup = counted(async (x: number) => x * 2)
    const cached = track(acache(lookup, { url: server.url, name: unique('dead-memcached') }))
    assert.is(await cached(1), 2)
    assert.is(await cached(1), 2)
    await server.stop('SIGKILL')
    assert.is(await cached(1), 2)
    assert.is(lookup.calls, 2)
    assert.ok(cached.cache.stats().errors >= 1)
  } finally {
    await server.stop()
  }
})

test.run()
