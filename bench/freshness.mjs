/**
 * What freshness costs on a hit: a hit on a tagged entry (the `tags` option, and a tag from `cacheTag()`) and a
 * stale hit under staleWhileRevalidate, against the untagged hit of the same cache, in memory (mcache) and in
 * SQLite (bcache); and bentocache 1.6 (memory driver, `getOrSet` with a tag, awaited, as its callers do) as the
 * peer. 1,000 warm keys in a random order; every key is cached before timing.
 *
 * A stale hit is measured in its steady state: the entry is past its ttl (a hand-moved clock) and its refresh is
 * pending, so each hit serves the stale value and finds a refresh already under way. Here the refreshes fail (the
 * function throws once the cache is filled) and back off, which keeps every entry stale for the whole run.
 */
import { importBuilt, importPeer, temporaryFolder } from './harness/built.mjs'
import { loopOne, loopOneAsync, randomOrder } from './harness/measure.mjs'

export const title = 'freshness: tagged and stale hits'
/** Processes per contender (see run.mjs): nanosecond memory hits are noisy; the SQLite ones take seconds each. */
export const processes = 4

const KEYS = 1000
const MAXSIZE = 1024
const numbers = Array.from({ length: KEYS }, (_, i) => i * 7 + 3)
const skus = Array.from({ length: KEYS }, (_, i) => `sku-${i}`)
const order = randomOrder(1000, KEYS)
const work = (x) => x * 2 + 1
const record = (sku) => ({ sku, price: 9.99, tags: ['a', 'b'] })

/** A clock the stale contenders move past the ttl once the cache is filled. */
function handClock() {
  let now = Date.now()
  return { now: () => now, advance: (ms) => (now += ms) }
}

/** `fn` until `failing.on`, then a throw: the stale entries' refreshes fail and back off. */
function failingAfterFill(fn) {
  const failing = { on: false }
  const wrapped = (x) => {
    if (failing.on) throw new Error('refresh disabled for the benchmark')
    return fn(x)
  }
  return { wrapped, failing }
}

/** Fill, go past the ttl, and let the first stale hits start (and fail) their refreshes. */
async function staleSteadyState(cached, keys, clock, failing) {
  for (const k of keys) cached(k)
  clock.advance(2_000)
  failing.on = true
  for (const k of keys) cached(k)
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  if (cached.cache.stats().stale < keys.length) throw new Error('the stale contender did not serve stale values')
}

const memory = {
  'mcache hit, untagged': {
    vs: 'mcache hit, untagged',
    async setup() {
      const cached = (await importBuilt('index.js')).mcache(work, { maxsize: MAXSIZE })
      for (const k of numbers) cached(k)
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'mcache hit, tagged (tags option)': {
    vs: 'mcache hit, untagged',
    async setup() {
      const cached = (await importBuilt('index.js')).mcache(work, { maxsize: MAXSIZE, tags: ['prices'] })
      for (const k of numbers) cached(k)
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'mcache hit, tagged (cacheTag entry)': {
    vs: 'mcache hit, untagged',
    async setup() {
      const { mcache, cacheTag } = await importBuilt('index.js')
      const cached = mcache((x) => (cacheTag('prices'), work(x)), { maxsize: MAXSIZE })
      for (const k of numbers) cached(k)
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'mcache stale hit (staleWhileRevalidate)': {
    vs: 'mcache hit, untagged',
    async setup() {
      const clock = handClock()
      const { wrapped, failing } = failingAfterFill(work)
      const cached = (await importBuilt('index.js')).mcache(wrapped, { maxsize: MAXSIZE, ttl: 1, staleWhileRevalidate: 3600, clock })
      await staleSteadyState(cached, numbers, clock, failing)
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'bentocache getOrSet, memory, tagged (awaited)': {
    vs: 'mcache hit, untagged',
    async setup() {
      const { BentoCache, bentostore } = await importPeer('bentocache')
      const { memoryDriver } = await importPeer('bentocache/drivers/memory')
      const bento = new BentoCache({
        default: 'memory',
        stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: MAXSIZE * 2 })) },
      })
      // Bentocache keys are strings; the conversion is part of using it as a memo.
      const cached = (x) => bento.getOrSet({ key: String(x), factory: () => work(x), ttl: '1h', tags: ['prices'] })
      for (const k of numbers) await cached(k)
      return { body: loopOneAsync(cached, numbers, order), ops: order.length, async: true }
    },
  },
  'acache hit, tagged (awaited)': {
    vs: 'bentocache getOrSet, memory, tagged (awaited)',
    async setup() {
      const cached = (await importBuilt('index.js')).acache(async (x) => work(x), { maxsize: MAXSIZE, tags: ['prices'] })
      for (const k of numbers) await cached(k)
      return { body: loopOneAsync(cached, numbers, order), ops: order.length, async: true }
    },
  },
}

/** A bcache on SQLite, filled with `record` for every sku. */
async function filledBcache(fn, options) {
  const cached = (await importBuilt('index.js')).bcache(fn, {
    cacheDir: temporaryFolder(),
    name: 'bench-freshness',
    maxsize: 10_000,
    ...options,
  })
  if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}, not better-sqlite3`)
  return cached
}

const sqlite = {
  'bcache hit, untagged': {
    vs: 'bcache hit, untagged',
    async setup() {
      const cached = await filledBcache(record, {})
      for (const k of skus) cached(k)
      return { body: loopOne((k) => cached(k).price, skus, order), ops: order.length }
    },
  },
  'bcache hit, tagged (tags option)': {
    vs: 'bcache hit, untagged',
    async setup() {
      const cached = await filledBcache(record, { tags: ['prices'] })
      for (const k of skus) cached(k)
      return { body: loopOne((k) => cached(k).price, skus, order), ops: order.length }
    },
  },
  'bcache stale hit (staleWhileRevalidate)': {
    vs: 'bcache hit, untagged',
    async setup() {
      const clock = handClock()
      const { wrapped, failing } = failingAfterFill(record)
      const cached = await filledBcache(wrapped, { ttl: 1, staleWhileRevalidate: 3600, clock })
      await staleSteadyState(cached, skus, clock, failing)
      return { body: loopOne((k) => cached(k).price, skus, order), ops: order.length }
    },
  },
}

export const contenders = { ...memory, ...sqlite }

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, {
      goal: 'mcache tagged hit',
      subject: 'mcache hit, tagged (tags option)',
      baseline: 'mcache hit, untagged',
      max: 1.2,
    }),
    ratioGoal(results, {
      goal: 'bcache tagged hit',
      subject: 'bcache hit, tagged (tags option)',
      baseline: 'bcache hit, untagged',
      max: 1.5,
    }),
    ratioGoal(results, {
      goal: 'mcache tagged hit vs bentocache',
      subject: 'mcache hit, tagged (tags option)',
      baseline: 'bentocache getOrSet, memory, tagged (awaited)',
      max: 0.1,
      note: '≥ 10× faster',
    }),
  ]
}
