/**
 * mcache hit with one primitive argument (lru policy), against a hand-written lru-cache memo (the floor: the same
 * LRUCache, nothing else) and the memoization packages people reach for. Two access patterns: one hot key, and
 * 1,000 warm keys visited in a precomputed random order.
 */
import { importBuilt, importPeer } from './harness/built.mjs'
import { loopOne, randomOrder } from './harness/measure.mjs'
import { lruMemo } from './harness/baselines.mjs'

export const title = 'mcache hit, one primitive argument'
/** Processes per contender (see run.mjs): hits of a few ns often land on the slower of two steady states. */
export const processes = 6

const KEYS = 1000
const MAXSIZE = 1024
const work = (x) => x * 2 + 1
const keys = Array.from({ length: KEYS }, (_, i) => i * 7 + 3)
const patterns = {
  'hot key': new Uint32Array(1000),
  '1,000 warm keys': randomOrder(1000, KEYS),
}

const makers = {
  'lru-cache memo': async () => lruMemo(work, MAXSIZE),
  mcache: async () => (await importBuilt('index.js')).mcache(work, { maxsize: MAXSIZE }),
  'memoizee (default)': async () => (await importPeer('memoizee')).default(work),
  'moize (maxSize 1024)': async () => (await importPeer('moize')).default(work, { maxSize: MAXSIZE }),
  'micro-memoize (maxSize 1024)': async () => (await importPeer('micro-memoize')).memoize(work, { maxSize: MAXSIZE }),
}

export const contenders = {}
for (const [pattern, order] of Object.entries(patterns)) {
  for (const [who, make] of Object.entries(makers)) {
    contenders[`${who} · ${pattern}`] = {
      vs: `lru-cache memo · ${pattern}`,
      async setup() {
        const cached = await make()
        for (const k of keys) cached(k) // every key is cached before timing starts: only hits are measured
        return { body: loopOne(cached, keys, order), ops: order.length }
      },
    }
  }
}

export function goals(results, { ratioGoal }) {
  return Object.keys(patterns).map((pattern) =>
    ratioGoal(results, {
      goal: `mcache hit, 1 primitive arg, ${pattern}`,
      subject: `mcache · ${pattern}`,
      baseline: `lru-cache memo · ${pattern}`,
      max: 1.5,
    }),
  )
}
