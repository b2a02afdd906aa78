/**
 * mcache hits whose key is not a single primitive: three primitive arguments (number, string, boolean), and one
 * plain object keyed by value. Baselines: the memoization packages for the three arguments, and a Map memo keyed by
 * JSON.stringify(args) (the usual hand-written by-value memo) for the object.
 */
import { readFileSync } from 'node:fs'
import { LRUCache } from 'lru-cache'
import path from 'node:path'
import { DIST, importBuilt, importPeer } from './harness/built.mjs'
import { loopOne, loopThree, randomOrder } from './harness/measure.mjs'

export const title = 'mcache hit, composite keys'
/** Processes per contender (see run.mjs): hits of a few ns often land on the slower of two steady states. */
export const processes = 5

const KEYS = 1000
const MAXSIZE = 2048
const three = (a, b, c) => a + b.length + (c ? 1 : 0)
const as = Array.from({ length: KEYS }, (_, i) => i)
const bs = Array.from({ length: KEYS }, (_, i) => `region-${i % 37}`)
const cs = Array.from({ length: KEYS }, (_, i) => i % 3 === 0)
const byValue = (query) => query.page * 31 + query.size
// Distinct objects with equal content would key alike; these are all different, so each is its own entry.
const queries = Array.from({ length: KEYS }, (_, i) => ({ page: i, size: 20 + (i % 5), sort: i % 2 ? 'name' : 'date', desc: i % 3 === 0 }))
const patterns = {
  'hot key': new Uint32Array(1000),
  '1,000 warm keys': randomOrder(1000, KEYS),
}

/** The usual by-value memo: a Map keyed by JSON.stringify of the arguments. */
function jsonMemo(fn) {
  const map = new Map()
  return (...args) => {
    const key = JSON.stringify(args)
    let v = map.get(key)
    if (v === undefined) {
      v = fn(...args)
      map.set(key, v)
    }
    return v
  }
}

/** A hand-written composite-key memo: lru-cache keyed by a template string (types are lost: 1 and '1' collide). */
function templateMemo(fn) {
  const lru = new LRUCache({ max: MAXSIZE })
  return (a, b, c) => {
    const key = `${a}|${b}|${c}`
    let v = lru.get(key)
    if (v === undefined) {
      v = fn(a, b, c)
      lru.set(key, v)
    }
    return v
  }
}

const threeMakers = {
  mcache: async () => (await importBuilt('index.js')).mcache(three, { maxsize: MAXSIZE }),
  'lru-cache memo, template-string key': async () => templateMemo(three),
  'memoizee (default)': async () => (await importPeer('memoizee')).default(three),
  'moize (maxSize 1024)': async () => (await importPeer('moize')).default(three, { maxSize: 1024 }),
  'micro-memoize (maxSize 1024)': async () => (await importPeer('micro-memoize')).memoize(three, { maxSize: 1024 }),
}
const objectMakers = {
  'JSON.stringify Map memo': async () => jsonMemo(byValue),
  mcache: async () => (await importBuilt('index.js')).mcache(byValue, { maxsize: MAXSIZE }),
}

export const contenders = {}
for (const [pattern, order] of Object.entries(patterns)) {
  for (const [who, make] of Object.entries(threeMakers)) {
    contenders[`3 primitives: ${who} · ${pattern}`] = {
      vs: `3 primitives: mcache · ${pattern}`,
      async setup() {
        const cached = await make()
        for (let i = 0; i < KEYS; i++) cached(as[i], bs[i], cs[i])
        return { body: loopThree(cached, as, bs, cs, order), ops: order.length }
      },
    }
  }
}
for (const [pattern, order] of Object.entries(patterns)) {
  for (const [who, make] of Object.entries(objectMakers)) {
    contenders[`object by value: ${who} · ${pattern}`] = {
      vs: `object by value: JSON.stringify Map memo · ${pattern}`,
      async setup() {
        const cached = await make()
        for (const q of queries) cached(q)
        return { body: loopOne(cached, queries, order), ops: order.length }
      },
    }
  }
}

/**
 * "Memory keys are never hashed": a reading of the built memory call path (the key encoding and index, the memory
 * fast paths and entries, the lru engine) for any hashing (node:crypto, createHash, the digest helper of
 * platform/hash.js). V8's Map hashes keys internally, as
 * it does for any Map; the point is that no hash is computed by the library on the memory path.
 */
function neverHashed() {
  const files = [
    'keys/encode.js',
    'keys/key-index.js',
    'call/memory-fast-path.js',
    'call/memory-entries.js',
    'call/memory-values.js',
    'engines/memory/lru.js',
  ]
  const found = []
  for (const file of files) {
    let text
    try {
      text = readFileSync(path.join(DIST, file), 'utf8')
    } catch {
      return { goal: 'memory keys are never hashed', value: `${file} is not built`, target: 'no hashing', pass: undefined }
    }
    for (const marker of ['node:crypto', 'createHash', 'digest(', "platform/hash.js'"]) {
      if (text.includes(marker)) found.push(`${file}: ${marker}`)
    }
  }
  return {
    goal: 'memory keys are never hashed',
    value: found.length ? found.join(', ') : `no hashing in ${files.join(', ')}`,
    target: 'no hashing',
    pass: found.length === 0,
  }
}

export function goals(results, { ratioGoal, limitGoal }) {
  return [
    neverHashed(),
    ...Object.keys(patterns).map((pattern) =>
      limitGoal(results, {
        goal: `mcache hit, 3 primitive args, ${pattern}`,
        subject: `3 primitives: mcache · ${pattern}`,
        max: 15,
        reference: `3 primitives: lru-cache memo, template-string key · ${pattern}`,
      }),
    ),
    ...Object.keys(patterns).map((pattern) =>
      ratioGoal(results, {
        goal: `mcache hit, object arg by value, ${pattern}`,
        subject: `object by value: mcache · ${pattern}`,
        baseline: `object by value: JSON.stringify Map memo · ${pattern}`,
        max: 1,
      }),
    ),
  ]
}
