/**
 * `cacheOf`: the handle of every kind of cached function, from transformed code (every rewrite shape: declarations at
 * the top, nested in a function, in a block, in a namespace, an anonymous default export; arrows, function
 * expressions, class methods instance, static and #private, object methods, marker calls), from wrapped functions,
 * and per instance; its errors; getStats/clearCache given a function; TWAT_CACHE_DISABLE; and a build with the plugin
 * disabled, where it warns once and hands out a handle that does nothing.
 */
import * as assert from 'uvu/assert'
import {
  acache,
  cacheOf,
  clearCache,
  getStats,
  mcache,
  NotCachedError,
  WarningCode,
  type CacheStatsSnapshot,
} from '../src/runtime/index.js'
import { suite } from './support/suite.js'
import { loadTransformed, RUNTIME_URL } from './support/transform-run.js'
import { warningsDuring } from './support/warnings.js'

const SOURCE = `
import { cacheOf, mcache, acache } from '${RUNTIME_URL}'

export const calls = { square: 0, inner: 0, inBlock: 0, circle: 0, anonymous: 0, area: 0, triple: 0, load: 0, of: 0, convert: 0, weight: 0, get: 0, marked: 0, fetched: 0 }

// Asked for before the declaration is reached: the registration sits at the top of the module.
export const early = cacheOf(square)

/** @mcache */
export function square(n: number) {
  calls.square++
  return n * n
}

export function outer(base: number) {
  /** @mcache */
  function inner(n: number) {
    calls.inner++
    return base + n
  }
  inner(1)
  inner(1)
  if (base > 0) {
    const before = cacheOf(inBlock).stats().misses
    /** @mcache */
    function inBlock(n: number) {
      calls.inBlock++
      return n * base
    }
    inBlock(2)
    inBlock(2)
    return { before, inner: cacheOf(inner).stats(), inBlock: cacheOf(inBlock).stats() }
  }
  return { before: -1, inner: cacheOf(inner).stats(), inBlock: undefined }
}

export namespace Geometry {
  /** @mcache */
  export function circle(r: number) {
    calls.circle++
    return 3 * r * r
  }
}

/** @mcache */
export default function (x: number) {
  calls.anonymous++
  return x + 1
}

/** @mcache */
export const area = (w: number, h: number) => {
  calls.area++
  return w * h
}

/** @mcache */
export const triple = function (n: number) {
  calls.triple++
  return n * 3
}

/** @cache acache */
export async function load(id: string) {
  calls.load++
  return { id }
}

export class Prices {
  constructor(readonly rate: number) {}

  /** @mcache */
  of(sku: string) {
    calls.of++
    return sku.length * this.rate
  }

  /** @mcache */
  static convert(n: number) {
    calls.convert++
    return n * 1000
  }

  /** @mcache */
  #weight(sku: string) {
    calls.weight++
    return sku.length
  }

  weigh(sku: string) {
    return this.#weight(sku)
  }

  weightHandle() {
    return cacheOf(this.#weight).bind(this)
  }
}

export const api = {
  base: 10,
  /** @mcache */
  get(id: number) {
    calls.get++
    return this.base + id
  },
}

export const marked = mcache((n: number) => {
  calls.marked++
  return -n
})

export const fetched = acache(async (id: string) => {
  calls.fetched++
  return id.length
})

export function plain(n: number) {
  return n
}

export function strictOuter(n: number) {
  'use strict'
  const before = cacheOf(twice).stats().misses
  twice(n)
  twice(n)
  return { before, stats: cacheOf(twice).stats() }

  /** @mcache */
  function twice(k: number) {
    return k * 2
  }
}

export function chosen(kind: string, n: number) {
  switch (kind) {
    case 'square':
      /** @mcache */
      function inCase(k: number) {
        return k * k
      }
      inCase(n)
      inCase(n)
      return cacheOf(inCase).stats()
    default:
      return undefined
  }
}

export class Registry {
  static stats: unknown
  static {
    /** @mcache */
    function add(k: number) {
      return k + 1
    }
    add(1)
    add(1)
    Registry.stats = cacheOf(add).stats()
  }
}
`

type Handle = ReturnType<typeof cacheOf>
interface Module {
  calls: Record<string, number>
  early: Handle
  square(n: number): number
  outer(base: number): { before: number; inner: CacheStatsSnapshot; inBlock: CacheStatsSnapshot | undefined }
  Geometry: { circle(r: number): number }
  default: ((x: number) => number) & { name: string }
  area(w: number, h: number): number
  triple(n: number): number
  load(id: string): Promise<{ id: string }>
  Prices: {
    new (rate: number): { of(sku: string): number; weigh(sku: string): number; weightHandle(): Handle }
    convert(n: number): number
    prototype: { of(sku: string): number }
  }
  api: { base: number; get(id: number): number }
  marked(n: number): number
  fetched(id: string): Promise<number>
  plain(n: number): number
  strictOuter(n: number): { before: number; stats: CacheStatsSnapshot }
  chosen(kind: string, n: number): CacheStatsSnapshot | undefined
  Registry: { stats: CacheStatsSnapshot }
}

const { module: m, code, cleanup } = await loadTransformed<Module>(SOURCE, 'cache-of-shapes.ts')

/** `hits`/`misses` of a snapshot, to compare in one assertion. */
function counts(stats: CacheStatsSnapshot | undefined): [number, number] {
  return [stats?.hits ?? -1, stats?.misses ?? -1]
}

const shapes = suite('cacheOf: every rewrite shape')

shapes.after(() => cleanup())

shapes('should give a tagged declaration its cache, before the declaration runs and before its first call', () => {
  assert.match(code, '__twat_registerDeclaredCache(square, __twat$square$cache)')
  assert.is(m.early, cacheOf(m.square), 'the handle asked for at the top is the one of the calls')
  assert.equal(counts(m.early.stats()), [0, 0])
  assert.is(m.square(3), 9)
  assert.is(m.square(3), 9)
  assert.is(m.calls.square, 1)
  assert.equal(counts(cacheOf(m.square).stats()), [1, 1])
  assert.is(cacheOf(m.square).has(3), true)
  assert.is(cacheOf(m.square).has(4), false)
  assert.is(cacheOf(m.square).name, 'src/cache-of-shapes.ts#square')
})

shapes('should give declarations nested in a function, in a block and in a namespace their caches', () => {
  const result = m.outer(5)
  assert.equal(counts(result.inner), [1, 1])
  assert.is(result.before, 0, 'the block-level declaration is registered at the top of its block')
  assert.equal(counts(result.inBlock), [1, 1])
  assert.equal([m.calls.inner, m.calls.inBlock], [1, 1])
  assert.is(m.Geometry.circle(2), 12)
  assert.is(m.Geometry.circle(2), 12)
  assert.equal(counts(cacheOf(m.Geometry.circle).stats()), [1, 1])
})

shapes('should register declarations after a directive, in a case clause and in a static block', () => {
  const strict = m.strictOuter(4)
  assert.is(strict.before, 0, 'registered above the first statement, after the directive')
  assert.equal(counts(strict.stats), [1, 1])
  assert.equal(counts(m.chosen('square', 3)), [1, 1])
  assert.equal(counts(m.Registry.stats), [1, 1])
})

shapes('should give an anonymous default export its cache and keep its name "default"', () => {
  assert.is(m.default.name, 'default')
  m.default(1)
  m.default(1)
  assert.is(m.calls.anonymous, 1)
  assert.equal(counts(cacheOf(m.default).stats()), [1, 1])
  assert.is(cacheOf(m.default).name, 'src/cache-of-shapes.ts#default')
})

shapes('should give arrows, function expressions and marker calls their .cache', () => {
  for (const [fn, args] of [
    [m.area, [2, 3]],
    [m.triple, [4]],
    [m.marked, [5]],
  ] as const) {
    ;(fn as (...a: number[]) => number)(...args)
    ;(fn as (...a: number[]) => number)(...args)
    const handle = cacheOf(fn as (...a: number[]) => number)
    assert.is(handle, (fn as unknown as { cache: Handle }).cache)
    assert.equal(counts(handle.stats()), [1, 1], fn.name)
    assert.is(handle.has(...args), true)
  }
  assert.equal([m.calls.area, m.calls.triple, m.calls.marked], [1, 1, 1])
})

shapes('should give an async cache a handle that answers with promises', async () => {
  await m.load('a')
  await m.load('a')
  assert.is(m.calls.load, 1)
  const answer = cacheOf(m.load).has('a')
  assert.instance(answer, Promise)
  assert.is(await answer, true)
  await m.fetched('abc')
  assert.is(await cacheOf(m.fetched).has('abc'), true)
  assert.is(await cacheOf(m.fetched).delete('abc'), true)
  assert.is(await cacheOf(m.fetched).has('abc'), false)
})

shapes('should give each instance its own handle of a method, and the method one over every instance', () => {
  const a = new m.Prices(2)
  const b = new m.Prices(3)
  a.of('sku')
  a.of('sku')
  b.of('sku')
  assert.is(m.calls.of, 2)
  assert.equal(counts(cacheOf(a, 'of').stats()), [1, 1])
  assert.equal(counts(cacheOf(b, 'of').stats()), [0, 1])
  // instance.method is the prototype's function: its handle is the method's, over every instance.
  assert.is(cacheOf(a.of), cacheOf(m.Prices.prototype.of))
  assert.equal(counts(cacheOf(m.Prices.prototype.of).stats()), [1, 2])
  assert.is(cacheOf(a, 'of').delete('sku'), true)
  assert.is(cacheOf(a, 'of').has('sku'), false)
  assert.is(cacheOf(b, 'of').has('sku'), true, "deleting a's entry leaves b's")
  assert.is(cacheOf(m.Prices.prototype.of).has('sku'), true)
})

shapes('should give static methods, #private methods and object methods their caches', () => {
  m.Prices.convert(2)
  m.Prices.convert(2)
  assert.equal(counts(cacheOf(m.Prices, 'convert').stats()), [1, 1])
  assert.is(cacheOf(m.Prices.convert).has(2), true)
  const p = new m.Prices(1)
  p.weigh('ab')
  p.weigh('ab')
  assert.is(m.calls.weight, 1)
  assert.equal(counts(p.weightHandle().stats()), [1, 1])
  assert.is(p.weightHandle().has('ab'), true)
  m.api.get(1)
  m.api.get(1)
  assert.is(m.calls.get, 1)
  assert.equal(counts(cacheOf(m.api, 'get').stats()), [1, 1])
  assert.is(cacheOf(m.api, 'get').has(1), true)
})

const errors = suite('cacheOf: functions that are not cached')

function notCached(run: () => unknown): NotCachedError {
  try {
    run()
  } catch (error) {
    if (error instanceof NotCachedError) return error
    throw error
  }
  throw new Error('expected a NotCachedError')
}

errors('should say the function is not cached and how to cache it', () => {
  const error = notCached(() => cacheOf(m.plain))
  assert.is(error.code, 'TWAT_CACHE_NOT_CACHED')
  assert.is(error.code, NotCachedError.code)
  assert.match(error.message, 'cacheOf(plain): plain is not a cached function.')
  assert.match(error.message, '/** @cache mcache */')
  assert.match(error.message, 'mcache(plain)')
})

errors('should say a bound function has no cache, and name a property that is not a method', () => {
  const a = new m.Prices(2)
  assert.match(
    notCached(() => cacheOf(a.of.bind(a))).message,
    /bound function, which has no cache of its own.*cacheOf\(instance, 'method'\)/,
  )
  assert.match(notCached(() => cacheOf(a, 'rate' as never)).message, 'Prices.rate is not a method (it is 2)')
  assert.match(
    notCached(() => cacheOf(42 as never)).message,
    "cacheOf takes a cached function, or an instance and the name of a cached method (cacheOf(prices, 'of')); got 42",
  )
  assert.match(notCached(() => cacheOf(null as never, 'of' as never)).message, 'needs an object or a class')
  class Plain {
    run() {
      return 1
    }
  }
  assert.match(notCached(() => cacheOf(new Plain(), 'run')).message, 'cacheOf(Plain.run): Plain.run is not a cached method. Tag the method')
})

const globals = suite('getStats and clearCache given a function')

globals('should read and clear the cache of the function given, and no other', async () => {
  const double = mcache((n: number) => n * 2, { name: 'double-for-globals' })
  const other = mcache((n: number) => n + 1, { name: 'other-for-globals' })
  double(1)
  double(1)
  other(1)
  assert.equal(getStats(double), [double.cache.stats()])
  assert.equal(counts(getStats(double)[0]), [1, 1])
  await clearCache(double)
  assert.is(double.cache.has(1), false)
  assert.is(other.cache.has(1), true)
  // A tagged declaration, by the function itself.
  m.square(7)
  assert.equal(getStats(m.square), [cacheOf(m.square).stats()])
  await clearCache(m.square)
  assert.is(cacheOf(m.square).has(7), false)
  const loads = acache(async (id: string) => id, { name: 'loads-for-globals' })
  await loads('x')
  await clearCache(loads)
  assert.is(await loads.cache.has('x'), false)
  assert.throws(
    () => getStats(m.plain),
    (e: unknown) => e instanceof NotCachedError,
  )
  await clearCache(m.plain).then(
    () => assert.unreachable('clearCache of a function that is not cached resolved'),
    (e: unknown) => assert.instance(e, NotCachedError),
  )
})

const disabledRuntime = suite('cacheOf with TWAT_CACHE_DISABLE=1')

disabledRuntime('should hand out the disabled caches of tagged declarations, without a warning', async () => {
  process.env.TWAT_CACHE_DISABLE = '1'
  try {
    const loaded = await loadTransformed<Module>(SOURCE, 'cache-of-env-disabled.ts')
    try {
      const seen = await warningsDuring(() => {
        loaded.module.square(2)
        loaded.module.square(2)
        assert.is(loaded.module.calls.square, 2, 'nothing is cached')
        assert.is(cacheOf(loaded.module.square).engine, 'disabled')
        assert.is(cacheOf(loaded.module.square).has(2), false)
      })
      assert.equal(seen, [])
    } finally {
      loaded.cleanup()
    }
  } finally {
    delete process.env.TWAT_CACHE_DISABLE
  }
})

const disabledBuild = suite('cacheOf in a build with the plugin disabled')

disabledBuild('should warn once and hand out handles that do nothing, for every shape, while functions run as written', async () => {
  let loaded: Awaited<ReturnType<typeof loadTransformed<Module>>> | undefined
  try {
    const seen = await warningsDuring(async () => {
      // The module asks for cacheOf(square) as it loads: the warning may come from there.
      loaded = await loadTransformed<Module>(SOURCE, 'cache-of-plugin-disabled.ts', { enabled: false })
      const d = loaded.module
      assert.not.match(loaded.code, '__twat_mcache')
      assert.is(d.early.engine, 'disabled')
      d.square(3)
      d.square(3)
      assert.is(d.calls.square, 2, 'the function runs as written')
      const handles = [
        cacheOf(d.square),
        cacheOf(d.Geometry.circle),
        cacheOf(d.default),
        cacheOf(d.area),
        cacheOf(d.triple),
        cacheOf(new d.Prices(1), 'of'),
        cacheOf(d.Prices.prototype.of),
        cacheOf(d.Prices, 'convert'),
        new d.Prices(1).weightHandle(),
        cacheOf(d.api, 'get'),
      ]
      for (const handle of handles) {
        assert.is(handle.engine, 'disabled', handle.name)
        assert.is(handle.has(3 as never), false, handle.name)
        assert.equal(counts(handle.stats()), [0, 0])
      }
      assert.is(cacheOf(d.square), cacheOf(d.square), 'one handle per function')
      assert.is(cacheOf(d.square).name, 'src/cache-of-plugin-disabled.ts#square', 'named as the enabled build names it')
      const nested = d.outer(5)
      assert.equal(counts(nested.inner), [0, 0])
      assert.equal(counts(nested.inBlock), [0, 0])
      assert.is(d.calls.inner, 2)
      const asyncAnswer = cacheOf(d.load).has('a')
      assert.instance(asyncAnswer, Promise, 'an acache site keeps an asynchronous handle')
      assert.is(await asyncAnswer, false)
      await cacheOf(d.load).clear()
      assert.is(d.default.name, 'default')
      assert.is(d.area.name, 'area')
    })
    const disabledWarnings = seen.filter((w) => w.code === WarningCode.disabled)
    assert.is(disabledWarnings.length, 1, JSON.stringify(seen))
    assert.match(disabledWarnings[0]!.message, 'is tagged @mcache, but this build ran the twat-cache plugin with enabled: false')
    // Marker calls still cache, and a function that was never tagged is still an error.
    const d = loaded!.module
    d.marked(1)
    d.marked(1)
    assert.is(d.calls.marked, 1)
    assert.is(cacheOf(d.marked).engine, 'lru-cache')
    assert.match(notCached(() => cacheOf(d.plain)).message, 'plain is not a cached function')
  } finally {
    loaded?.cleanup()
  }
})

shapes.run()
errors.run()
globals.run()
disabledRuntime.run()
disabledBuild.run()
