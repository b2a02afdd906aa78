/**
 * Transformed code, run: a hit does not call the function again; a declaration is still hoisted; `this`,
 * `arguments`, name, length and async-ness are kept; recursion goes through the cache (fib(30) runs its body 31
 * times); methods get one cache per instance.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { loadTransformed } from './support/transform-run.js'

const SOURCE = `
export const calls = { fib: 0, early: 0, greet: 0, area: 0, of: 0, total: 0, get: 0, fetch: 0, convert: 0, weight: 0 }

// Called above its definition: hoisting must survive the rewrite.
export const early = twice(21)

/** @mcache */
export function twice(n: number): number {
  calls.early++
  return n * 2
}

/** @cache mcache maxsize=1000 */
export function fib(n: number): number {
  calls.fib++
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

/** @mcache */
export function greet(this: { greeting: string } | void, name: string, punctuation = '!', ...rest: string[]): string {
  calls.greet++
  const greeting = this && 'greeting' in this ? this.greeting : 'hello'
  return greeting + ' ' + name + punctuation + rest.length + ':' + arguments.length
}

/** @mcache */
export const area = (width: number, height: number) => {
  calls.area++
  return width * height
}

/** @mcache */
export async function fetchUser(id: string) {
  calls.fetch++
  return { id }
}

export class Prices {
  constructor(private readonly rate: number) {}

  /** @mcache */
  of(sku: string): number {
    calls.of++
    return sku.length * this.rate
  }

  /** @mcache */
  static convert(value: number) {
    calls.convert++
    return value * 1000
  }

  #items = new Map([['a', 3]])

  /** @mcache */
  #weight(sku: string) {
    calls.weight++
    return this.#items.get(sku) ?? 0
  }

  weigh(sku: string) {
    return this.#weight(sku)
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
`

interface Loaded {
  calls: Record<string, number>
  early: number
  twice: (n: number) => number
  fib: (n: number) => number
  greet: (this: unknown, name: string, punctuation?: string, ...rest: string[]) => string
  area: (width: number, height: number) => number
  fetchUser: (id: string) => Promise<{ id: string }>
  Prices: {
    new (rate: number): { of(sku: string): number; weigh(sku: string): number }
    convert(value: number): number
  }
  api: { base: number; get(id: number): number }
}

const { module: m, code, cleanup } = await loadTransformed<Loaded>(SOURCE, 'run-fixture.ts')
const run = suite('transform: running transformed code')

run('should not call the function again on a hit', () => {
  assert.is(m.area(2, 3), 6)
  assert.is(m.area(2, 3), 6)
  assert.is(m.calls.area, 1)
  assert.is(m.area(3, 3), 9)
  assert.is(m.calls.area, 2)
})

run('should keep a tagged declaration hoisted, and cache the call made before its definition', () => {
  assert.is(m.early, 42)
  assert.is(m.twice(21), 42)
  assert.is(m.calls.early, 1)
})

run('should send recursion through the cache: fib(30) runs its body 31 times', () => {
  assert.is(m.fib(30), 832040)
  assert.is(m.calls.fib, 31)
  assert.is(m.fib(30), 832040)
  assert.is(m.calls.fib, 31)
})

run('should forward this and arguments, and evaluate defaults once', () => {
  assert.is(m.greet.call({ greeting: 'hi' }, 'ann'), 'hi ann!0:1')
  assert.is(m.greet.call(undefined, 'bob', '?', 'x', 'y'), 'hello bob?2:4')
  assert.is(m.calls.greet, 2)
})

run('should keep names and lengths', () => {
  assert.is(m.fib.name, 'fib')
  assert.is(m.fib.length, 1)
  assert.is(m.greet.name, 'greet')
  assert.is(m.greet.length, 1, 'parameters from the first default on do not count')
  assert.is(m.area.name, 'area')
  assert.is(m.area.length, 2)
  assert.is(m.api.get.name, 'get')
  assert.is(m.Prices.prototype.of.name, 'of')
  assert.is(m.Prices.prototype.of.length, 1)
})

run('should keep an async function async and cache its promise', async () => {
  assert.is(m.fetchUser.constructor.name, 'AsyncFunction')
  const [a, b] = await Promise.all([m.fetchUser('u1'), m.fetchUser('u1')])
  assert.equal(a, { id: 'u1' })
  assert.is(a, b)
  assert.is(m.calls.fetch, 1)
})

run('should give each instance its own cache, and static methods one per class', () => {
  const cheap = new m.Prices(1)
  const dear = new m.Prices(10)
  assert.is(cheap.of('abc'), 3)
  assert.is(dear.of('abc'), 30)
  assert.is(cheap.of('abc'), 3)
  assert.is(m.calls.of, 2)
  assert.is(m.Prices.convert(2), 2000)
  assert.is(m.Prices.convert(2), 2000)
  assert.is(m.calls.convert, 1)
})

run('should cache #private methods with their access to private state', () => {
  const prices = new m.Prices(1)
  assert.is(prices.weigh('a'), 3)
  assert.is(prices.weigh('a'), 3)
  assert.is(m.calls.weight, 1)
})

run('should cache object methods with their this', () => {
  assert.is(m.api.get(1), 11)
  assert.is(m.api.get(1), 11)
  assert.is(m.calls.get, 1)
})

run('should have run the transformed code, not the original', () => {
  assert.match(code, '__twat_mcache(__twat$fib$impl')
})

run.after(() => cleanup())
run.run()
