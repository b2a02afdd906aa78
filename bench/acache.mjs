/**
 * acache hit on its default (in-process) store, awaited, against a hand-written async lru-cache memo (the floor),
 * p-memoize 8 (its default Map cache) and keyv's memory store (`new Keyv()`, a get). 1,000 warm keys in a random
 * order; every key is cached before timing, so only hits are measured. Each call is awaited, as callers do.
 */
import { LRUCache } from 'lru-cache'
import { importBuilt, importPeer } from './harness/built.mjs'
import { loopOneAsync, randomOrder } from './harness/measure.mjs'

export const title = 'acache hit (default store)'
/** Processes per contender (see run.mjs): an awaited hit is ~100 ns, and as noisy as the synchronous ones. */
export const processes = 6

const KEYS = 1000
const MAXSIZE = 1024
const compute = async (x) => x * 2 + 1
const keys = Array.from({ length: KEYS }, (_, i) => i * 7 + 3)
const order = randomOrder(1000, KEYS)

/** The baseline: an async function doing lru.get / await compute / set. */
function awaitedLruMemo(fn) {
  const lru = new LRUCache({ max: MAXSIZE })
  return async (k) => {
    let v = lru.get(k)
    if (v === undefined) {
      v = await fn(k)
      lru.set(k, v)
    }
    return v
  }
}

async function warmed(cached) {
  for (const k of keys) await cached(k)
  return { body: loopOneAsync(cached, keys, order), ops: order.length, async: true }
}

export const contenders = {
  'awaited lru-cache memo': { vs: 'awaited lru-cache memo', setup: async () => warmed(awaitedLruMemo(compute)) },
  acache: {
    vs: 'awaited lru-cache memo',
    setup: async () => warmed((await importBuilt('index.js')).acache(compute, { maxsize: MAXSIZE })),
  },
  'p-memoize (default Map cache)': {
    vs: 'awaited lru-cache memo',
    setup: async () => warmed((await importPeer('p-memoize')).default(compute)),
  },
  'keyv memory store, get': {
    vs: 'awaited lru-cache memo',
    async setup() {
      const { Keyv } = await importPeer('keyv')
      const keyv = new Keyv()
      for (const k of keys) await keyv.set(String(k), await compute(k))
      // keyv keys are strings; the conversion is part of using it as a memo.
      return { body: loopOneAsync((k) => keyv.get(String(k)), keys, order), ops: order.length, async: true }
    },
  },
}

export function goals(results, { ratioGoal }) {
  return [ratioGoal(results, { goal: 'acache hit, default store', subject: 'acache', baseline: 'awaited lru-cache memo', max: 1.3 })]
}
