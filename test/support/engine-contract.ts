/**
 * ONE contract suite, run against every engine (memory, SQLite, files, keyv stores): the same behaviour is
 * required of each, so caches can move along their fallback chains without changing meaning.
 */
import { suite } from './suite.js'
import * as assert from 'uvu/assert'
import { MISS, type AsyncEngine, type MemoryEngine, type PersistentEngine } from '../../src/runtime/engines/contract.js'
import type { Clock } from '../../src/runtime/platform/clock.js'
import { CacheCounters } from '../../src/runtime/report/stats.js'
import { entryOf } from './entries.js'
import { ManualClock, withDateNow } from './manual-clock.js'

/** Every engine seen through one asynchronous interface. */
export interface ContractStore {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<boolean>
  has(key: string): Promise<boolean>
  clear(): Promise<void>
  size(): Promise<number>
  close(): Promise<void>
}

export interface ContractLimits {
  maxsize: number | null
  ttlMs: number
  /** The clock to give the engine (its EngineContext.clock, or the `clock` option). */
  clock: Clock
}

/** A server that owns time (Redis, memcached): a real ttl, and a real wait after which the entry must be gone. */
export interface ServerTime {
  readonly ttlMs: number
  readonly waitMs: number
}

export interface ContractFeatures {
  /** Supports expiry (ttlMs > 0). */
  ttl: boolean
  /** Supports an entry limit. */
  maxsize: boolean
  /** Eviction order the engine promises when full. */
  eviction: 'lru' | 'fifo' | 'lfu' | 'mru' | 'any'
  /**
   * How the ttl test moves time. 'clock' (the default): the engine reads `limits.clock`, which the test moves.
   * 'date-now': the store reads Date.now() itself (keyv's own expiry), so the test points Date.now at its clock while
   * it runs. A {@link ServerTime}: the server owns time, the test sleeps.
   */
  time?: 'clock' | 'date-now' | ServerTime
}

export type MakeStore = (limits: ContractLimits, counters: CacheCounters) => Promise<ContractStore> | ContractStore

export const fromMemoryEngine = (engine: MemoryEngine): ContractStore => ({
  get: async (key) => engine.get(key),
  set: async (key, value) => engine.set(key, value),
  delete: async (key) => engine.delete(key),
  has: async (key) => engine.has(key),
  clear: async () => engine.clear(),
  size: async () => engine.size(),
  close: async () => {},
})

/** Entries as the pipeline stores them: computed now on the store's clock, fresh for the store's ttl. */
const entryNow = (value: unknown, limits: Pick<ContractLimits, 'clock' | 'ttlMs'>) =>
  entryOf(value, { now: limits.clock.now(), ttlMs: limits.ttlMs })

export const fromPersistentEngine = (engine: PersistentEngine, limits: Pick<ContractLimits, 'clock' | 'ttlMs'>): ContractStore => ({
  get: async (key) => {
    const entry = engine.get(key)
    return entry === MISS ? MISS : entry.value
  },
  set: async (key, value) => engine.set(key, entryNow(value, limits)),
  delete: async (key) => engine.delete(key),
  has: async (key) => engine.has(key),
  clear: async () => engine.clear(),
  size: async () => engine.size(),
  close: async () => engine.close(),
})

export const fromAsyncEngine = (engine: AsyncEngine, limits: Pick<ContractLimits, 'clock' | 'ttlMs'>): ContractStore => ({
  get: async (key) => {
    const entry = await engine.get(key)
    return entry === MISS ? MISS : entry.value
  },
  set: (key, value) => engine.set(key, entryNow(value, limits)),
  delete: (key) => engine.delete(key),
  has: (key) => engine.has(key),
  clear: () => engine.clear(),
  size: async () => engine.size(),
  close: async () => engine.close?.(),
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Register the contract tests for one engine; call `.run()` on the returned suite. */
export function engineContractSuite(label: string, makeStore: MakeStore, features: ContractFeatures) {
  const test = suite(`engine contract: ${label}`)
  const open: ContractStore[] = []
  const make = async (limits: Partial<ContractLimits> = {}, counters = new CacheCounters()) => {
    const store = await makeStore({ maxsize: null, ttlMs: 0, clock: new ManualClock(), ...limits }, counters)
    open.push(store)
    return store
  }
  test.after.each(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  test('should report a miss for a key never set', async () => {
    const store = await make()
    assert.is(await store.get('absent'), MISS)
    assert.is(await store.has('absent'), false)
  })

  test('should return what was set, and overwrite on a second set', async () => {
    const store = await make()
    await store.set('k', { n: 1, list: [1, 2, 3] })
    assert.equal(await store.get('k'), { n: 1, list: [1, 2, 3] })
    await store.set('k', 'second')
    assert.is(await store.get('k'), 'second')
    assert.is(await store.size(), 1)
  })

  test('should store undefined, null, 0, false and "" as values, not as misses', async () => {
    const store = await make()
    const values: Array<[string, unknown]> = [
      ['u', undefined],
      ['n', null],
      ['z', 0],
      ['f', false],
      ['e', ''],
    ]
    for (const [key, value] of values) await store.set(key, value)
    for (const [key, value] of values) {
      assert.is(await store.has(key), true, `has(${key})`)
      assert.is(await store.get(key), value, `get(${key})`)
    }
  })

  test('should delete one entry and say whether it existed', async () => {
    const store = await make()
    await store.set('a', 1)
    await store.set('b', 2)
    assert.is(await store.delete('a'), true)
    assert.is(await store.delete('a'), false)
    assert.is(await store.get('a'), MISS)
    assert.is(await store.get('b'), 2)
  })

  test('should clear every entry', async () => {
    const store = await make()
    for (let i = 0; i < 5; i++) await store.set(`k${i}`, i)
    await store.clear()
    assert.is(await store.size(), 0)
    for (let i = 0; i < 5; i++) assert.is(await store.get(`k${i}`), MISS)
  })

  const time = features.time ?? 'clock'
  if (features.ttl && typeof time === 'string') {
    test('should keep an entry until its ttl is up, then never return it (time read from its clock)', async () => {
      const ttlMs = 60_000
      const clock = new ManualClock()
      const moved = time === 'date-now' ? withDateNow : (_: Clock, body: () => Promise<void>) => body()
      await moved(clock, async () => {
        const store = await make({ ttlMs, clock })
        await store.set('short', 'lived')
        clock.advance(ttlMs / 2)
        assert.is(await store.get('short'), 'lived')
        assert.is(await store.has('short'), true)
        clock.advance(ttlMs)
        assert.is(await store.get('short'), MISS)
        assert.is(await store.has('short'), false)
      })
    })
  }
  if (features.ttl && typeof time === 'object') {
    test(`should expire entries after a real ttl of ${time.ttlMs} ms (the server's time) and never return them`, async () => {
      const store = await make({ ttlMs: time.ttlMs })
      // Warm-up: the connection is open before the timed part, so set and get are two quick round trips.
      await store.set('warm-up', 1)
      assert.is(await store.get('warm-up'), 1)
      await store.set('short', 'lived')
      assert.is(await store.get('short'), 'lived')
      await sleep(time.waitMs)
      assert.is(await store.get('short'), MISS)
      assert.is(await store.has('short'), false)
    })
  }

  if (features.maxsize) {
    test('should hold at most maxsize entries and count evictions', async () => {
      const counters = new CacheCounters()
      const store = await make({ maxsize: 3 }, counters)
      for (let i = 0; i < 10; i++) await store.set(`k${i}`, i)
      assert.ok((await store.size()) <= 3, `size ${await store.size()} > 3`)
      assert.ok(counters.evictions >= 7, `evictions ${counters.evictions} < 7`)
      assert.is(await store.get('k9'), 9, 'the newest entry survives')
    })

    if (features.eviction === 'lru' || features.eviction === 'fifo') {
      test(`should evict in ${features.eviction} order`, async () => {
        const store = await make({ maxsize: 3 })
        await store.set('a', 1)
        await store.set('b', 2)
        await store.set('c', 3)
        await store.get('a') // refreshes 'a' under lru, not under fifo
        await store.set('d', 4)
        if (features.eviction === 'lru') {
          assert.is(await store.get('a'), 1)
          assert.is(await store.get('b'), MISS)
        } else {
          assert.is(await store.get('a'), MISS)
          assert.is(await store.get('b'), 2)
        }
      })
    }
    if (features.eviction === 'lfu') {
      test('should evict the least frequently used entry', async () => {
        const store = await make({ maxsize: 3 })
        await store.set('a', 1)
        await store.set('b', 2)
        await store.set('c', 3)
        for (let i = 0; i < 3; i++) await store.get('a')
        await store.get('c')
        await store.set('d', 4)
        assert.is(await store.get('b'), MISS)
        assert.is(await store.get('a'), 1)
        assert.is(await store.get('c'), 3)
      })
    }
    if (features.eviction === 'mru') {
      test('should evict the most recently used entry', async () => {
        const store = await make({ maxsize: 3 })
        await store.set('a', 1)
        await store.set('b', 2)
        await store.set('c', 3)
        await store.get('a')
        await store.set('d', 4)
        assert.is(await store.get('a'), MISS)
        assert.is(await store.get('b'), 2)
        assert.is(await store.get('c'), 3)
      })
    }
  }
  return test
}
