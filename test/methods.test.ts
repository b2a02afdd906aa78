import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { cachedMethod, getStats, mcache } from '../src/runtime/index.js'

const test = suite('method caches')

test('should cache a decorated method per instance, with `this`', () => {
  let calls = 0
  class Prices {
    constructor(readonly rate: number) {}
    @mcache({ maxsize: 10, name: 'Prices.of' })
    of(amount: number) {
      calls++
      return amount * this.rate
    }
  }
  const euro = new Prices(2)
  const yen = new Prices(100)
  assert.is(euro.of(3), 6)
  assert.is(euro.of(3), 6)
  assert.is(yen.of(3), 300)
  assert.is(calls, 2)
  const of = Prices.prototype.of as typeof Prices.prototype.of & { cache: { stats(): { hits: number; misses: number } } }
  assert.is(of.cache.stats().hits, 1)
  assert.is(of.cache.stats().misses, 2)
  assert.is(getStats('Prices.of')[0]?.misses, 2)
})

test('should give a static method one cache per class', () => {
  let calls = 0
  // biome-ignore lint/complexity/noStaticOnlyClass: the test is about a static method's cache
  class Config {
    @mcache()
    static load(name: string) {
      calls++
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class the static method was called on
      return `${name}:${this.name}`
    }
  }
  assert.is(Config.load('a'), 'a:Config')
  assert.is(Config.load('a'), 'a:Config')
  assert.is(calls, 1)
})

test('should install a cached method by hand with cachedMethod', () => {
  let calls = 0
  const counter = {
    step: 5,
    next: cachedMethod(mcache, function (this: { step: number }, x: number) {
      calls++
      return x + this.step
    }),
  }
  assert.is(counter.next(1), 6)
  assert.is(counter.next(1), 6)
  assert.is(calls, 1)
})

test('should reject decorating something that is not a method', () => {
  assert.throws(
    () => (mcache() as (fn: unknown, ctx: unknown) => unknown)(() => 1, { kind: 'getter', name: 'x' }),
    /decorates methods only/,
  )
})

test('should never keep an instance alive through its method cache', async () => {
  const gc = (globalThis as { gc?: () => void }).gc
  assert.type(gc, 'function', 'run with --expose-gc (scripts/run-tests.mjs does)')
  class Heavy {
    payload = new Array(1000).fill(1)
    @mcache()
    sum(n: number) {
      return this.payload.length + n
    }
  }
  let collected = 0
  const registry = new FinalizationRegistry(() => collected++)
  ;(() => {
    for (let i = 0; i < 20; i++) {
      const h = new Heavy()
      h.sum(1)
      registry.register(h, i)
    }
  })()
  for (let round = 0; round < 20 && collected < 20; round++) {
    gc!()
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.is(collected, 20)
})

test.run()
