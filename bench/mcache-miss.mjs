/**
 * What a miss costs beyond the function itself, and whether it grows with the number of entries. The cache is full
 * (1,000 or 100,000 entries, maxsize equal to that), every call uses a key never seen before, so each miss looks up,
 * calls the function, stores, and evicts the oldest entry: the steady state of a bounded cache under a stream of
 * new keys, with a constant entry count. Baseline: calling the function directly with the same keys.
 */
import { importBuilt } from './harness/built.mjs'
import { lruMemo } from './harness/baselines.mjs'

export const title = 'mcache miss cost'

const OPS = 1000
const work = (x) => x + 1

/** A loop over fresh keys (each call's key is new), with its own type feedback (see loopOne in measure.mjs). */
function freshKeys(f, start) {
  return new Function(
    'f',
    'start',
    `let next = start
    return function loop() {
      let acc = 0
      for (let i = 0; i < ${OPS}; i++) acc += f(next++)
      return acc
    }`,
  )(f, start)
}

function filled(cached, entries) {
  for (let k = 0; k < entries; k++) cached(k)
  return { body: freshKeys(cached, entries), ops: OPS }
}

export const contenders = {
  'the function, called directly': { vs: 'the function, called directly', setup: async () => ({ body: freshKeys(work, 0), ops: OPS }) },
}
for (const entries of [1_000, 100_000]) {
  const label = entries.toLocaleString('en-US')
  contenders[`lru-cache memo miss · ${label} entries`] = {
    vs: 'the function, called directly',
    setup: async () => filled(lruMemo(work, entries), entries),
  }
  contenders[`mcache miss · ${label} entries`] = {
    vs: 'the function, called directly',
    setup: async () => filled((await importBuilt('index.js')).mcache(work, { maxsize: entries }), entries),
  }
}

/**
 * "Does not grow with the number of entries": a miss is O(1), but 100,000 entries do not fit in the CPU caches, so
 * every map lookup and list update costs more; lru-cache used directly shows that growth too. The goal is met when
 * mcache grows no more than 2×, or no more than 1.25× the growth of lru-cache itself (its own cost, not ours).
 */
function growth(results, overhead, fmt) {
  const grow = overhead(results['mcache miss · 100,000 entries']) / overhead(results['mcache miss · 1,000 entries'])
  const rawSmall = results['lru-cache memo miss · 1,000 entries']
  const rawLarge = results['lru-cache memo miss · 100,000 entries']
  const rawGrow = rawSmall?.ns && rawLarge?.ns ? overhead(rawLarge) / overhead(rawSmall) : undefined
  return {
    goal: 'miss cost does not grow with entries (100k vs 1k)',
    value: `${fmt(overhead(results['mcache miss · 100,000 entries']))} vs ${fmt(overhead(results['mcache miss · 1,000 entries']))}`,
    ratio: grow,
    target: '≤ 2×, or ≤ 1.25× lru-cache’s own growth',
    pass: grow <= 2 || (rawGrow !== undefined && grow <= 1.25 * rawGrow),
    note: rawGrow === undefined ? undefined : `lru-cache alone grows ${rawGrow.toFixed(2)}×`,
  }
}

export function goals(results) {
  const direct = results['the function, called directly']
  const small = results['mcache miss · 1,000 entries']
  const large = results['mcache miss · 100,000 entries']
  if (!direct?.ns || !small?.ns || !large?.ns) {
    return [{ goal: 'mcache miss overhead', value: 'not measured', target: '≤ 300 ns', pass: undefined, note: small?.skip ?? large?.skip }]
  }
  const overhead = (r) => r.ns - direct.ns
  const fmt = (ns) => `${ns.toFixed(0)} ns`
  return [
    {
      goal: 'mcache miss overhead, 1,000 entries',
      value: fmt(overhead(small)),
      target: '≤ 300 ns beyond the function',
      pass: overhead(small) <= 300,
    },
    {
      goal: 'mcache miss overhead, 100,000 entries',
      value: fmt(overhead(large)),
      target: '≤ 300 ns beyond the function',
      pass: overhead(large) <= 300,
    },
    growth(results, overhead, fmt),
  ]
}
