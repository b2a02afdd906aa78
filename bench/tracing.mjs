/**
 * What the tracing stage costs a hit: an mcache hit (one primitive argument, 1,000 warm keys in a random order) and
 * a bcache hit on SQLite, with nobody listening to the `twat-cache:call` channel, and with a subscriber (a no-op
 * handler on every event, as an APM agent subscribes), against the hand-written lru-cache memo (the floor) and the
 * untraced bcache hit. Whether the stage moves the hits with nobody listening is what BENCH_PREVIOUS shows: the
 * same contenders on a build without the stage, in the same run (bench/README.md, "Tracing").
 */
import dc from 'node:diagnostics_channel'
import { importBuilt, temporaryFolder } from './harness/built.mjs'
import { lruMemo } from './harness/baselines.mjs'
import { loopOne, randomOrder } from './harness/measure.mjs'

export const title = 'tracing: hits with and without a subscriber'
/** Processes per contender (see run.mjs): nanosecond hits often land on the slower of two steady states. */
export const processes = 4

const KEYS = 1000
const MAXSIZE = 1024
const numbers = Array.from({ length: KEYS }, (_, i) => i * 7 + 3)
const skus = Array.from({ length: KEYS }, (_, i) => `sku-${i}`)
const order = randomOrder(1000, KEYS)
const work = (x) => x * 2 + 1
const record = (sku) => ({ sku, price: 9.99 })

/** Listen to every event of the channel, doing nothing with them. */
function subscribe() {
  const ignore = () => undefined
  dc.tracingChannel('twat-cache:call').subscribe({ start: ignore, end: ignore, asyncStart: ignore, asyncEnd: ignore, error: ignore })
}

async function filledMcache() {
  const cached = (await importBuilt('index.js')).mcache(work, { maxsize: MAXSIZE })
  for (const k of numbers) cached(k)
  return cached
}

async function filledBcache() {
  const cached = (await importBuilt('index.js')).bcache(record, { cacheDir: temporaryFolder(), name: 'bench-tracing', maxsize: 10_000 })
  if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}, not better-sqlite3`)
  for (const k of skus) cached(k)
  return cached
}

export const contenders = {
  'lru-cache memo': {
    vs: 'lru-cache memo',
    async setup() {
      const cached = lruMemo(work, MAXSIZE)
      for (const k of numbers) cached(k)
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'mcache hit, no subscriber': {
    vs: 'lru-cache memo',
    async setup() {
      const cached = await filledMcache()
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'mcache hit, with a subscriber': {
    vs: 'mcache hit, no subscriber',
    async setup() {
      const cached = await filledMcache()
      subscribe()
      return { body: loopOne(cached, numbers, order), ops: order.length }
    },
  },
  'bcache hit, no subscriber': {
    vs: 'bcache hit, no subscriber',
    async setup() {
      const cached = await filledBcache()
      return { body: loopOne((k) => cached(k).price, skus, order), ops: order.length }
    },
  },
  'bcache hit, with a subscriber': {
    vs: 'bcache hit, no subscriber',
    async setup() {
      const cached = await filledBcache()
      subscribe()
      return { body: loopOne((k) => cached(k).price, skus, order), ops: order.length }
    },
  },
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, {
      goal: 'mcache hit, nobody listening',
      subject: 'mcache hit, no subscriber',
      baseline: 'lru-cache memo',
      max: 1.5,
    }),
  ]
}
