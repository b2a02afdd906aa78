/**
 * How every benchmark is timed: mitata's `measure` over a body that performs many operations (so that a hit of a few
 * nanoseconds is not drowned by the cost of calling the body), after an explicit warm-up, keeping the median (p50)
 * per operation. Each contender runs in its own process (see child.mjs) for several rounds; the best round counts.
 */
import { measure, do_not_optimize } from 'mitata'

/** `BENCH_QUICK=1` shortens every measurement (a smoke run, numbers not meaningful). */
export const QUICK = process.env.BENCH_QUICK === '1'
const CPU_MS = QUICK ? 20 : 80
const WARMUP_MS = QUICK ? 20 : 100
const ROUNDS = QUICK ? 1 : 2

let sink = 0

/** Consume a value so that computing it cannot be optimised away. */
export function consume(value) {
  do_not_optimize(value)
  if (typeof value === 'number') sink += value
}

/** The sink, printed by the child so that no benchmark's result is provably unused. */
export function sinkValue() {
  return sink
}

/**
 * A fresh loop calling `f(keys[order[i]])` for every i and summing the results. Each benchmark gets its own copy
 * (`new Function`): V8 keeps type feedback per function, and one shared loop calling many functions would turn its
 * call site megamorphic (no inlining) for whoever is measured after the first.
 */
export function loopOne(f, keys, order) {
  return new Function(
    'f',
    'keys',
    'order',
    `return function loop() {
      let acc = 0
      for (let i = 0; i < order.length; i++) acc += f(keys[order[i]])
      return acc
    }`,
  )(f, keys, order)
}

/** Same as loopOne with three arguments per call: f(a[j], b[j], c[j]) with j = order[i]. */
export function loopThree(f, a, b, c, order) {
  return new Function(
    'f',
    'a',
    'b',
    'c',
    'order',
    `return function loop() {
      let acc = 0
      for (let i = 0; i < order.length; i++) {
        const j = order[i]
        acc += f(a[j], b[j], c[j])
      }
      return acc
    }`,
  )(f, a, b, c, order)
}

/** The async version of loopOne: awaits every call in turn. */
export function loopOneAsync(f, keys, order) {
  return new Function(
    'f',
    'keys',
    'order',
    `return async function loop() {
      let acc = 0
      for (let i = 0; i < order.length; i++) acc += await f(keys[order[i]])
      return acc
    }`,
  )(f, keys, order)
}

/** Deterministic pseudo-random integers in [0, n) (mulberry32), so every run visits keys in the same order. */
export function randomOrder(length, n, seed = 1) {
  const out = new Uint32Array(length)
  let s = seed >>> 0
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((t ^ (t >>> 14)) >>> 0) % n
  }
  return out
}

async function warm(body, ms, isAsync) {
  const end = performance.now() + ms
  let n = 0
  while (performance.now() < end || n < 3) {
    consume(isAsync ? await body() : body())
    n++
  }
}

/**
 * Best-of-rounds median nanoseconds per operation of `body`, which performs `ops` operations per call and returns a
 * number (or a promise of one when `isAsync`).
 */
export async function nsPerOp({ body, ops, async: isAsync = false }, { rounds = ROUNDS, cpuMs = CPU_MS, warmupMs = WARMUP_MS } = {}) {
  await warm(body, warmupMs, isAsync)
  const options = { min_cpu_time: cpuMs * 1e6, min_samples: 12, batch_samples: 64 }
  let best = Infinity
  for (let round = 0; round < rounds; round++) {
    const stats = isAsync ? await measure(async () => consume(await body()), options) : await measure(() => consume(body()), options)
    best = Math.min(best, stats.p50 / ops)
  }
  return best
}
