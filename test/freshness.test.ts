// Freshness and invalidation, in every kind of store: stale-while-revalidate, stale-if-error with back-off,
// refreshAhead, tags (invalidateTag, revalidateTag), cacheLife / cacheTag / noStore inside the computation, and
// shouldCache. Time is a hand-moved clock (the `clock` option), never a sleep.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { acache, cacheLife, cacheTag, invalidateTag, noStore, revalidateTag, type CacheStatsSnapshot } from '../src/runtime/index.js'
import { ManualClock } from './support/manual-clock.js'
import { flush, storeKinds } from './support/store-kinds.js'
import { suite } from './support/suite.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-freshness-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
let tagSerial = 0
/** A tag of its own per test: invalidations are process-wide. */
const uniqueTag = (name: string) => `${name}-${++tagSerial}`

type Cached = ((...args: any[]) => any) & { cache: { stats(): CacheStatsSnapshot } }

const KINDS = Object.fromEntries(
  Object.entries(storeKinds<Cached>(freshDir)).map(([label, kind]) => [label, { make: kind.make, async: kind.promises }]),
)

for (const [label, { make, async }] of Object.entries(KINDS)) {
  const test = suite(`freshness: ${label}`)
  let names = 0
  const name = () => `freshness-${label}-${++names}`

  test('should serve a stale value at once within staleWhileRevalidate, while exactly one refresh replaces it', async () => {
    const clock = new ManualClock()
    let version = 1
    let calls = 0
    const f = make((n: number) => (calls++, `${n}@${version}`), { name: name(), ttl: 10, staleWhileRevalidate: 60, clock })
    assert.is(await f(1), '1@1')
    version = 2
    clock.advance(15_000) // past the ttl, inside the stale window
    const stale = f(1)
    if (!async) assert.is(stale, '1@1', 'a sync function answers synchronously')
    assert.is(await stale, '1@1')
    assert.is(await f(1), '1@1', 'still stale: the refresh runs after this task')
    assert.is(calls, 1, 'the refresh has not run yet')
    await flush()
    assert.is(calls, 2, 'one refresh for both stale calls')
    assert.is(await f(1), '1@2')
    const stats = f.cache.stats()
    assert.is(stats.stale, 2)
    assert.is(stats.refreshes, 1)
  })

  test('should keep the old value when a refresh fails, and count the failure', async () => {
    const clock = new ManualClock()
    let fail = false
    let calls = 0
    const f = make(
      (n: number) => {
        calls++
        if (fail) throw new Error('origin down')
        return n * 2
      },
      { name: name(), ttl: 10, staleWhileRevalidate: 60, clock },
    )
    assert.is(await f(2), 4)
    fail = true
    clock.advance(11_000)
    assert.is(await f(2), 4)
    await flush()
    assert.is(calls, 2)
    assert.is(await f(2), 4, 'the old value is kept')
    assert.ok(f.cache.stats().errors >= 1)
  })

  test('should answer with the last value when a recomputation fails within staleIfError, and back off', async () => {
    const clock = new ManualClock()
    let fail = false
    let calls = 0
    const f = make(
      (n: number) => {
        calls++
        if (fail) throw new Error('origin down')
        return `v${n}`
      },
      { name: name(), ttl: 10, staleIfError: 600, clock },
    )
    assert.is(await f(3), 'v3')
    fail = true
    clock.advance(20_000) // expired, inside the error window
    assert.is(await f(3), 'v3', 'the last value instead of the error')
    assert.is(calls, 2)
    assert.is(await f(3), 'v3')
    assert.is(calls, 2, 'backing off: the dead origin is not called again at once')
    clock.advance(1_000)
    assert.is(await f(3), 'v3')
    assert.is(calls, 3, 'tried again after the pause')
    assert.ok(f.cache.stats().staleIfError >= 3)
    fail = false
    clock.advance(5_000)
    assert.is(await f(3), 'v3')
    assert.is(calls, 4, 'recomputed once the origin is back')
    clock.advance(700_000)
    fail = true
    let failed = false
    try {
      await f(3)
    } catch {
      failed = true
    }
    assert.ok(failed, 'past the error window, the error reaches the caller')
  })

  test('should start a refresh ahead of expiry past refreshAhead × ttl', async () => {
    const clock = new ManualClock()
    let calls = 0
    const f = make((_n: number) => (calls++, calls), { name: name(), ttl: 100, refreshAhead: 0.8, clock })
    assert.is(await f(1), 1)
    clock.advance(50_000)
    assert.is(await f(1), 1)
    await flush()
    assert.is(calls, 1, 'not due yet at half the ttl')
    clock.advance(35_000)
    assert.is(await f(1), 1, 'a hit: the refresh runs in the background')
    await flush()
    assert.is(calls, 2)
    assert.is(await f(1), 2)
  })

  test('should make entries carrying an invalidated tag a miss, and a revalidated one stale', async () => {
    const clock = new ManualClock()
    const tag = uniqueTag('prices')
    let calls = 0
    const f = make((n: number) => (calls++, `${n}:${calls}`), { name: name(), ttl: 100, staleWhileRevalidate: 100, tags: [tag], clock })
    assert.is(await f(1), '1:1')
    await invalidateTag(tag)
    assert.is(await f(1), '1:2', 'invalidated: recomputed')
    assert.ok(f.cache.stats().invalidations >= 1, 'counted')
    await revalidateTag(tag)
    assert.is(await f(1), '1:2', 'revalidated: the stale value at once')
    await flush()
    assert.is(await f(1), '1:3', 'and one refresh replaced it')
    await invalidateTag(uniqueTag('unrelated'))
    assert.is(await f(1), '1:3', 'another tag changes nothing')
  })

  test('should take tags, life and noStore from inside the computation', async () => {
    const clock = new ManualClock()
    const tag = uniqueTag('product')
    let calls = 0
    const f = make(
      (n: number) => {
        calls++
        if (n === 0) noStore()
        cacheTag(tag, `${tag}:${n}`)
        cacheLife(n === 2 ? { ttl: 1000, staleWhileRevalidate: 10 } : 5)
        return `${n}:${calls}`
      },
      { name: name(), clock },
    )
    assert.is(await f(0), '0:1')
    assert.is(await f(0), '0:2', 'noStore(): not stored')
    assert.is(await f(1), '1:3')
    assert.is(await f(2), '2:4')
    clock.advance(6_000)
    assert.is(await f(1), '1:5', 'cacheLife(5): expired after 5 s')
    assert.is(await f(2), '2:4', 'cacheLife({ ttl: 1000 }): still fresh')
    await invalidateTag(`${tag}:2`)
    assert.is(await f(2), '2:6', 'cacheTag: invalidated by its own tag')
    await invalidateTag(tag)
    assert.is(await f(1), '1:7')
  })

  test('should not store a result shouldCache rejects', async () => {
    let calls = 0
    const f = make((n: number) => (calls++, n < 0 ? null : n), { name: name(), shouldCache: (result: unknown) => result !== null })
    assert.is(await f(-1), null)
    assert.is(await f(-1), null)
    assert.is(calls, 2)
    assert.is(await f(5), 5)
    assert.is(await f(5), 5)
    assert.is(calls, 3)
  })

  if (async) {
    test('should give 100 concurrent calls on an expired entry 100 stale answers and 1 recomputation', async () => {
      const clock = new ManualClock()
      let calls = 0
      const f = make(async (n: number) => (calls++, n + calls), { name: name(), ttl: 1, staleWhileRevalidate: 60, clock })
      assert.is(await f(10), 11)
      clock.advance(2_000)
      const answers = await Promise.all(Array.from({ length: 100 }, () => f(10)))
      assert.equal(new Set(answers), new Set([11]))
      await flush()
      assert.is(calls, 2)
      assert.is(await f(10), 12)
    })
  }

  test.run()
}

const timeouts = suite('freshness: timeouts of async calls')

timeouts('should return the stale value when the recomputation is slower than timeout, and store its result later', async () => {
  const clock = new ManualClock()
  let release!: () => void
  let calls = 0
  const f = acache(
    async (n: number) => {
      calls++
      if (calls > 1) await new Promise<void>((resolve) => (release = resolve))
      return n * calls
    },
    { ttl: 1, staleIfError: 60, timeout: '300ms', clock },
  )
  assert.is(await f(7), 7)
  clock.advance(2_000)
  const started = Date.now()
  assert.is(await f(7), 7, 'the stale value after the timeout')
  assert.ok(Date.now() - started >= 250, 'it waited for the timeout')
  release()
  await flush()
  assert.is(await f(7), 14, 'the slow recomputation stored its result')
  assert.is(f.cache.stats().staleIfError, 1)
})

timeouts('should reject after hardTimeout with CacheTimeoutError, and start afresh on the next call', async () => {
  let calls = 0
  let release!: () => void
  const f = acache(
    async (n: number) => {
      calls++
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve))
      return n
    },
    { hardTimeout: '300ms' },
  )
  let code: string | undefined
  try {
    await f(1)
  } catch (error) {
    code = (error as { code?: string }).code
  }
  assert.is(code, 'TWAT_CACHE_TIMEOUT')
  assert.is(await f(1), 1, 'the next call started afresh')
  assert.is(calls, 2)
  release()
})

timeouts.after(() => rmSync(root, { recursive: true, force: true }))
timeouts.run()
