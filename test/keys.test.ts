import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { CacheKeyError } from '../src/runtime/report/errors.js'
import { encodeArguments, memoryKey } from '../src/runtime/keys/encode.js'
import { KeyIndex } from '../src/runtime/keys/key-index.js'
import { isBypass, memoryKeyStage, textKeyStage } from '../src/runtime/keys/call-key.js'
import { random } from './support/random.js'

const keys = suite('argument keys')

keys('should key a single number or string by the value itself (no serialization)', () => {
  assert.is(memoryKey([42]), 42)
  assert.is(memoryKey(['sku-1']), 'sku-1')
})

keys('should keep 1 and "1" apart, in every position', () => {
  assert.is.not(memoryKey([1]), memoryKey(['1']))
  assert.is.not(memoryKey([1, 2]), memoryKey(['1', 2]))
  assert.is.not(encodeArguments([1]), encodeArguments(['1']))
  assert.is.not(memoryKey([true]), memoryKey(['true']))
  assert.is.not(memoryKey([null]), memoryKey([undefined]))
  assert.is.not(memoryKey([1n]), memoryKey([1]))
})

keys('should not let a string argument collide with a composite key', () => {
  const composite = memoryKey(['a', 'b'])
  assert.type(composite, 'string')
  assert.is.not(memoryKey([composite]), composite)
})

keys('should not confuse argument boundaries', () => {
  assert.is.not(memoryKey(['ab', 'c']), memoryKey(['a', 'bc']))
  assert.is.not(memoryKey([[1, 2], 3]), memoryKey([[1], 2, 3]))
  assert.is.not(memoryKey([[]]), memoryKey([]))
})

keys('should key plain objects by value, whatever their property order', () => {
  assert.is(memoryKey([{ a: 1, b: 2 }]), memoryKey([{ b: 2, a: 1 }]))
  assert.is.not(memoryKey([{ a: 1, b: 2 }]), memoryKey([{ a: 1, b: 3 }]))
  assert.is(memoryKey([{ x: { b: [1, { d: 1, c: 2 }], a: 0 } }]), memoryKey([{ x: { a: 0, b: [1, { c: 2, d: 1 }] } }]))
})

keys('should key Maps, Sets, Dates, typed arrays and BigInts by value', () => {
  assert.is(
    memoryKey([
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    ]),
    memoryKey([
      new Map([
        ['b', 2],
        ['a', 1],
      ]),
    ]),
  )
  assert.is.not(memoryKey([new Map([['a', 1]])]), memoryKey([new Map([['a', 2]])]))
  assert.is(memoryKey([new Set([1, 2, 3])]), memoryKey([new Set([3, 2, 1])]))
  assert.is.not(memoryKey([new Set([1])]), memoryKey([[1]]))
  assert.is(memoryKey([new Date(5)]), memoryKey([new Date(5)]))
  assert.is.not(memoryKey([new Date(5)]), memoryKey([5]))
  assert.is(memoryKey([new Float64Array([1.5, 2])]), memoryKey([new Float64Array([1.5, 2])]))
  assert.is.not(memoryKey([new Float64Array([1.5, 2])]), memoryKey([new Float64Array([1.5, 3])]))
  assert.is.not(memoryKey([new Uint8Array([1, 2])]), memoryKey([new Int8Array([1, 2])]))
  assert.is(memoryKey([10n ** 30n, 'x']), memoryKey([10n ** 30n, 'x']))
  assert.is.not(memoryKey([10n ** 30n, 'x']), memoryKey([10n ** 30n + 1n, 'x']))
})

keys('should key class instances by class and own properties', () => {
  class Point {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  class Vector {
    constructor(
      public x: number,
      public y: number,
    ) {}
  }
  assert.is(memoryKey([new Point(1, 2)]), memoryKey([new Point(1, 2)]))
  assert.is.not(memoryKey([new Point(1, 2)]), memoryKey([new Vector(1, 2)]))
  assert.is.not(memoryKey([new Point(1, 2)]), memoryKey([{ x: 1, y: 2 }]))
})

keys('should answer unkeyable for functions, symbols and circular arguments, and throw a clear error in strict mode', () => {
  const lenient = memoryKeyStage({}, () => 0)
  const strict = memoryKeyStage({ strict: true }, () => 0)
  const loop: Record<string, unknown> = { a: 1 }
  loop.self = loop
  const deep: unknown[] = []
  let cursor = deep
  for (let i = 0; i < 5; i++) cursor.push((cursor = []))
  cursor.push(deep)
  const cases: Array<[unknown[], RegExp]> = [
    [[() => 1, 2], /argument 0.*function.*`key` option.*keyBy: 'identity'/],
    [[1, Symbol('s')], /argument 1.*Symbol\(s\).*`key` option/],
    [[loop], /argument 0.*circular/],
    [[1, deep], /argument 1.*circular/],
  ]
  for (const [args, message] of cases) {
    const answer = lenient.keyOf(undefined, args)
    assert.ok(isBypass(answer), `no key for ${message}`)
    assert.throws(
      () => strict.keyOf(undefined, args),
      (e: Error) => e instanceof CacheKeyError && message.test(e.message),
    )
    assert.throws(
      () => textKeyStage({ strict: true }).keyOf(undefined, args),
      (e: Error) => e instanceof CacheKeyError && message.test(e.message),
    )
    assert.ok(isBypass(textKeyStage({}).keyOf(undefined, args)))
  }
  // With a key function, the message says that its result could not be keyed.
  const keyed = memoryKeyStage({ key: () => () => 1, strict: true }, () => 0)
  assert.throws(
    () => keyed.keyOf(undefined, [1]),
    (e: Error) => e instanceof CacheKeyError && /the key option's result \(a function\)/.test(e.message),
  )
})

keys('should accept shared (non-circular) references and deep values', () => {
  const shared = { n: 1 }
  assert.is(memoryKey([[shared, shared]]), memoryKey([[{ n: 1 }, { n: 1 }]]))
  let nested: unknown = 0
  for (let i = 0; i < 200; i++) nested = [nested]
  assert.type(memoryKey([nested]), 'string')
})

function randomArguments(next: () => number): unknown[] {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!
  const primitive = (): unknown =>
    pick<() => unknown>([
      () => Math.floor(next() * 4),
      () => String(Math.floor(next() * 4)),
      () => pick([true, false, null, undefined, NaN, -0, 0.5, '', '\u0001x', 'a'.repeat(300)]),
      () => pick([1n, new Date(3), new Map([[1, 2]]), [1, [2]], { nested: { x: 1 } }]),
      // Built-ins keyed by their real value: never indexed, so the index must hand them to memoryKey.
      () =>
        pick([
          new URL('http://a.example/'),
          new URL('http://b.example/'),
          new Error('x'),
          new TypeError('x'),
          Object(1),
          Object('1'),
          new Headers({ a: '1' }),
        ]),
    ])()
  const value = (): unknown => {
    const roll = next()
    if (roll < 0.6) return primitive()
    if (roll < 0.8) return Array.from({ length: Math.floor(next() * 4) }, primitive)
    const object: Record<string, unknown> = {}
    for (let i = Math.floor(next() * 4); i > 0; i--) object[pick(['b', 'a', 'c', 'd'])] = primitive()
    return object
  }
  return Array.from({ length: Math.floor(next() * 5) }, value)
}

keys('should give, through the key index, exactly the key memoryKey gives, for every argument list', () => {
  const next = random(7)
  const index = new KeyIndex(() => 10)
  let indexed = 0
  for (let i = 0; i < 20_000; i++) {
    const args = randomArguments(next)
    const expected = memoryKey(args)
    // Ask twice: the first call may insert, the second must find the same key.
    // Object.is: a single NaN argument is its own key, and NaN === NaN is false.
    const same = (actual: unknown, what: string) =>
      assert.ok(Object.is(actual, expected), `${what} of ${encodeArguments(args).slice(0, 80)}`)
    same(index.key(args), 'first lookup')
    same(index.key(args), 'second lookup')
    if (args.length === 2) same(index.two(args[0], args[1]) ?? expected, 'two()')
    if (args.length === 3) same(index.three(args[0], args[1], args[2]) ?? expected, 'three()')
    if (args.length === 1 && index.one(args[0]) !== undefined) {
      assert.is(index.one(args[0]), expected)
      indexed++
    }
  }
  assert.ok(indexed > 100, `the index answered ${indexed} single-object lists`)
})

keys('should give equal keys to equal objects whose properties come in another order, through the index', () => {
  const index = new KeyIndex(() => 10)
  const first = index.key([{ b: 1, a: 2 }, 'x'])
  assert.is(index.key([{ a: 2, b: 1 }, 'x']), first)
  assert.is(first, memoryKey([{ a: 2, b: 1 }, 'x']))
  assert.is.not(index.key([{ a: 1, b: 2 }, 'x']), first)
})

keys.run()
