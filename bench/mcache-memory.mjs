/**
 * Memory: a bounded mcache stays bounded (1,000,000 distinct calls through maxsize 1,000 leave the heap where 1,000
 * calls left it), and an entry costs about what an lru-cache entry costs. Heap sizes are read after full
 * collections (the child runs with --expose-gc). Keys and values are created before the first reading, so only
 * the cache's own structures are counted.
 */
import { LRUCache } from 'lru-cache'
import { importBuilt } from './harness/built.mjs'
import { QUICK } from './harness/measure.mjs'

export const title = 'mcache memory'

const CALLS = QUICK ? 100_000 : 1_000_000
const ENTRIES = 100_000
const BOUND = 1000

function heapUsed() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')
  for (let i = 0; i < 4; i++) globalThis.gc()
  return process.memoryUsage().heapUsed
}

/** Heap growth between 1,000 calls and `CALLS` calls with distinct arguments, through maxsize 1,000. */
function boundedGrowth(call) {
  for (let i = 0; i < BOUND; i++) call(i)
  const after1k = heapUsed()
  for (let i = BOUND; i < CALLS; i++) call(i)
  return heapUsed() - after1k
}

/** Heap bytes per entry of `fill(keys, values)` for ENTRIES entries; the cache is kept alive until measured. */
function bytesPerEntry(create, fill) {
  const before = heapUsed()
  const cache = create()
  fill(cache)
  const after = heapUsed()
  globalThis.__keepAlive = cache
  globalThis.__keepAlive = undefined
  return (after - before) / ENTRIES
}

export async function measureAll() {
  const { mcache } = await importBuilt('index.js')
  const results = {}
  const MB = 1024 * 1024

  const one = mcache((x) => x + 1, { maxsize: BOUND })
  results['heap growth, 1 primitive arg'] = {
    value: boundedGrowth(one) / MB,
    unit: 'MB',
    detail: `${CALLS.toLocaleString('en-US')} distinct calls vs 1,000, maxsize 1,000`,
  }
  const regions = Array.from({ length: 50 }, (_, i) => `region-${i}`)
  const three = mcache((a, b, c) => a + b.length + (c ? 1 : 0), { maxsize: BOUND })
  results['heap growth, 3 primitive args'] = {
    value: boundedGrowth((i) => three(i, regions[i % 50], i % 2 === 0)) / MB,
    unit: 'MB',
    detail: `${CALLS.toLocaleString('en-US')} distinct calls vs 1,000, maxsize 1,000`,
  }

  const keys = Array.from({ length: ENTRIES }, (_, i) => `sku-${i}`)
  const values = Array.from({ length: ENTRIES }, (_, i) => ({ id: i }))
  const valueByKey = new Map(keys.map((k, i) => [k, values[i]]))
  const lookup = (k) => valueByKey.get(k)
  const raw = bytesPerEntry(
    () => new LRUCache({ max: ENTRIES }),
    (lru) => {
      for (let i = 0; i < ENTRIES; i++) lru.set(keys[i], values[i])
    },
  )
  const ours = bytesPerEntry(
    () => mcache(lookup, { maxsize: ENTRIES }),
    (cached) => {
      for (let i = 0; i < ENTRIES; i++) cached(keys[i])
    },
  )
  results['bytes per entry, lru-cache (raw)'] = { value: raw, unit: 'B', detail: '100,000 string keys, object values' }
  results['bytes per entry, mcache'] = { value: ours, unit: 'B', detail: 'same keys and values, maxsize 100,000' }
  // Informational: composite keys are strings built by the cache; the raw version builds a template-string key.
  const rawThree = bytesPerEntry(
    () => new LRUCache({ max: ENTRIES }),
    (lru) => {
      for (let i = 0; i < ENTRIES; i++) lru.set(`${i}|${regions[i % 50]}|${i % 2 === 0}`, values[i])
    },
  )
  const oursThree = bytesPerEntry(
    () => mcache((a) => values[a], { maxsize: ENTRIES }),
    (cached) => {
      // Calls after the first pass are hits; they leave the key index (see src/runtime/keys/) in its steady state,
      // holding every live key, which is what a long-running process pays.
      for (let pass = 0; pass < 3; pass++) for (let i = 0; i < ENTRIES; i++) cached(i, regions[i % 50], i % 2 === 0)
    },
  )
  results['bytes per entry, 3 args, lru-cache + template key'] = { value: rawThree, unit: 'B', detail: 'key `${a}|${b}|${c}`' }
  results['bytes per entry, 3 args, mcache'] = { value: oursThree, unit: 'B', detail: 'same calls, maxsize 100,000, key index included' }
  return { results }
}

export function goals(results, { ratioGoal, limitGoal }) {
  return [
    limitGoal(results, { goal: 'bounded mcache stays bounded, 1 arg', subject: 'heap growth, 1 primitive arg', max: 2, unit: 'MB' }),
    limitGoal(results, { goal: 'bounded mcache stays bounded, 3 args', subject: 'heap growth, 3 primitive args', max: 2, unit: 'MB' }),
    ratioGoal(results, {
      goal: 'bytes per entry',
      subject: 'bytes per entry, mcache',
      baseline: 'bytes per entry, lru-cache (raw)',
      max: 1.5,
    }),
  ]
}
