/**
 * The lease stage within one process (call/leases.ts): two caches of one function on one store stand for two
 * processes (each has its own calls-in-flight map, so only the store's lease keeps them from both computing).
 * Across real processes: leases-processes.test.ts.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createClient } from '@keyv/redis'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'
import { acache } from '../src/runtime/caches/acache.js'
import { closeAllKeyvLinks } from '../src/runtime/engines/async/keyv/connections.js'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { ValidationError } from '../src/runtime/report/errors.js'
import { startMemcached, startRedis, type TestServer } from './support/servers.js'
import { ManualClock } from './support/manual-clock.js'
import { warningsDuring } from './support/warnings.js'

const test = suite('leases', { timeoutMs: 60_000 })

let dir: string
let redis: TestServer
let memcached: TestServer
let names = 0
const opened: Array<{ cache: object }> = []
test.before(async () => {
  redis = await startRedis()
  memcached = await startMemcached()
})
test.after(async () => {
  closeAllKeyvLinks()
  await redis.stop()
  await memcached.stop()
})
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'twat-leases-'))
})
test.after.each(async () => {
  for (const cached of opened.splice(0)) await (cached.cache as { close?: () => unknown }).close?.()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
function keep<T extends { cache: object }>(cached: T): T {
  opened.push(cached)
  return cached
}

/** Two caches of one function on one folder or server: two "processes". */
function pair(
  kind: 'bcache' | 'acache' | 'acache on memcached' | 'fcache',
  fn: (x: number) => unknown,
  options: Record<string, unknown> = {},
) {
  const name = `leased-${++names}`
  const make = () =>
    keep(
      kind.startsWith('acache')
        ? acache(fn as (x: number) => Promise<unknown>, { url: kind === 'acache' ? redis.url : memcached.url, name, ...options })
        : (kind === 'bcache' ? bcache : fcache)(fn, { cacheDir: dir, name, version: '1', ...options }),
    ) as unknown as ((x: number) => unknown) & { cache: { stats(): Record<string, number>; close(): unknown } }
  return [make(), make()] as const
}

test('options: lock and lockTimeout are checked, with the value and the fix in the message', () => {
  assert.throws(
    () => createCacheConfig({ lock: 'yes' as never }),
    (e: unknown) => e instanceof ValidationError && /lock.*"yes".*true/.test((e as Error).message),
  )
  assert.throws(
    () => createCacheConfig({ lockTimeout: 0 }),
    (e: unknown) => e instanceof ValidationError && /lockTimeout.*more than 0/.test((e as Error).message),
  )
  assert.throws(
    () => createCacheConfig({ lockTimeout: 'soon' }),
    (e: unknown) => e instanceof ValidationError && /lockTimeout.*"soon"/.test((e as Error).message),
  )
  assert.throws(
    () => createCacheConfig({ lock: false, lockTimeout: '5s' }),
    (e: unknown) => e instanceof ValidationError && /lock: false takes none: drop one/.test((e as Error).message),
  )
  assert.is(createCacheConfig({}).lock, true)
  assert.is(createCacheConfig({}).lockTimeoutMs, 10_000)
  assert.is(createCacheConfig({ lock_timeout: '2s' } as never).lockTimeoutMs, 2000)
})

for (const kind of ['bcache', 'acache', 'acache on memcached'] as const) {
  test(`${kind}: two caches of one function on one store compute a cold key once`, async () => {
    let runs = 0
    const [a, b] = pair(kind, async (x) => {
      runs++
      await sleep(300)
      return x * 2
    })
    assert.equal(await Promise.all([a(21), b(21)]), [42, 42])
    assert.is(runs, 1)
    // Nothing is left behind: a later miss of another key is not held up by a lease.
    assert.equal(await Promise.all([a(1), b(1)]), [2, 2])
    assert.is(runs, 2)
  })

  test(`${kind}: with a memory tier in front (memory: true), the lease still holds the other back`, async () => {
    let runs = 0
    const [a, b] = pair(
      kind,
      async (x) => {
        runs++
        await sleep(300)
        return x * 2
      },
      { memory: true },
    )
    assert.equal(await Promise.all([a(21), b(21)]), [42, 42])
    assert.is(runs, 1)
  })

  test(`${kind}: with lock: false each cache computes`, async () => {
    let runs = 0
    const [a, b] = pair(
      kind,
      async (x) => {
        runs++
        await sleep(300)
        return x * 2
      },
      { lock: false },
    )
    assert.equal(await Promise.all([a(21), b(21)]), [42, 42])
    assert.is(runs, 2)
  })

  test(`${kind}: a holder that throws gives the lease up; the waiter retries once and gets a value`, async () => {
    let runs = 0
    const [a, b] = pair(kind, async (x) => {
      runs++
      await sleep(200)
      if (runs === 1) throw new Error('first run fails')
      return x * 2
    })
    const [first, second] = await Promise.allSettled([a(21), b(21)])
    assert.is(first.status, 'rejected')
    assert.is((first as PromiseRejectedResult).reason.message, 'first run fails')
    assert.equal(second, { status: 'fulfilled', value: 42 })
    assert.is(runs, 2)
  })

  test(`${kind}: a waiter whose own retry fails too gets its own error (no stale value kept)`, async () => {
    let runs = 0
    const [a, b] = pair(kind, async () => {
      runs++
      await sleep(200)
      throw new Error(`run ${runs} fails`)
    })
    const settled = await Promise.allSettled([a(21), b(21)])
    assert.equal(
      settled.map((s) => (s as PromiseRejectedResult).reason?.message),
      ['run 1 fails', 'run 2 fails'],
    )
    assert.is(runs, 2)
  })

  test(`${kind}: with staleIfError, when the holder and the retry fail, both callers get the stale value`, async () => {
    const clock = new ManualClock(Date.now())
    let runs = 0
    let failing = false
    const [a, b] = pair(
      kind,
      async (x) => {
        runs++
        await sleep(200)
        if (failing) throw new Error('down')
        return x * 2
      },
      { ttl: 1, staleIfError: 3600, clock },
    )
    assert.is(await a(21), 42)
    clock.advance(2000) // past ttl, within staleIfError
    failing = true
    assert.equal(await Promise.all([a(21), b(21)]), [42, 42])
    assert.is(runs, 3, 'the first computation, then the holder and one retry')
  })
}

test('bcache: a holder that let its lease run out is taken over, with one TWAT_CACHE_LEASE_EXPIRED warning', async () => {
  let runs = 0
  const [a, b] = pair(
    'bcache',
    async (x) => {
      const run = ++runs
      await sleep(run === 1 ? 1500 : 50)
      return x * run
    },
    { lockTimeout: '400ms' },
  )
  const warnings = await warningsDuring(async () => {
    const slow = a(21)
    await sleep(50)
    assert.is(await b(21), 42, 'the waiter took over once the lease ran out, and computed')
    assert.is(await slow, 21)
  })
  assert.is(runs, 2)
  assert.equal(
    warnings.map((w) => w.code).filter((c) => c === 'TWAT_CACHE_LEASE_EXPIRED'),
    ['TWAT_CACHE_LEASE_EXPIRED'],
  )
})

test('bcache: a synchronous call does not block on a lease this process holds for a promise in flight', async () => {
  let runs = 0
  // Not an async function: the second cache cannot tell it returns promises before its first call.
  const fn = (x: number) => {
    runs++
    return sleep(300).then(() => x * 2)
  }
  const [a, b] = pair('bcache', fn, { lockTimeout: '20s' })
  const holding = a(21) as Promise<number>
  const started = performance.now()
  const joined = b(21) as Promise<number>
  assert.ok(performance.now() - started < 10_000, 'it computed instead of sleeping until the lease ran out')
  assert.equal(await Promise.all([holding, joined]), [42, 42])
  assert.is(runs, 2, 'the second cache computed instead of waiting for the lease')
})

test('fcache takes no leases: two caches on one folder both compute (README: One computation per key)', async () => {
  let runs = 0
  const [a, b] = pair('fcache', async (x) => {
    runs++
    await sleep(200)
    return x * 2
  })
  assert.equal(await Promise.all([a(21), b(21)]), [42, 42])
  assert.is(runs, 2)
})

test('Redis: the lease key is gone once the value is stored, and after a failure', async () => {
  const client = createClient({ url: redis.url })
  await client.connect()
  try {
    let runs = 0
    const [a] = pair('acache', async (x) => {
      runs++
      await sleep(300)
      if (x < 0) throw new Error('negative')
      return x
    })
    const pending = a(5)
    let held = 0
    for (let i = 0; i < 100 && held === 0 && runs === 0; i++) await sleep(5) // until it computes (bounded)
    held = (await client.keys('*__leases__*')).length
    assert.is(held, 1, 'a lease is held while it computes')
    await pending
    assert.equal(await client.keys('*__leases__*'), [])
    await (a(-1) as Promise<unknown>).catch(() => undefined)
    assert.equal(await client.keys('*__leases__*'), [])
    assert.is(runs, 2)
  } finally {
    await client.quit()
  }
})

test.run()
