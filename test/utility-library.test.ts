// Every exported function of a real utility library (es-toolkit) wrapped with mcache in the marker call form, as
// the build step does for a tag, then called with callbacks, objects and built-ins: each result must equal the
// uncached function's, no call may crash, and the calls whose arguments cannot be keyed (callbacks, Promises,
// Blobs…) must be counted as bypassed. Tagging a library like this crashed on every callback before.
import * as toolkit from 'es-toolkit'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { mcache, WarningCode } from '../src/runtime/index.js'
import { captureWarnings } from './support/warnings.js'

type AnyFunction = (...args: any[]) => any
type Wrapped = AnyFunction & { cache: { stats(): { hits: number; misses: number; bypassed: number } } }

const test = suite('a utility library, every export cached with mcache')

const isClass = (fn: Function) => /^class\b/.test(Function.prototype.toString.call(fn))
/** Every exported function (classes such as Mutex or Semaphore are constructed, not called). */
const exported = Object.entries(toolkit as Record<string, unknown>).filter(
  (entry): entry is [string, AnyFunction] => typeof entry[1] === 'function' && !isClass(entry[1] as Function),
)

/**
 * A representative call: the arguments (made fresh for every call, so that a function that changes its
 * arguments cannot change the next call's), whether they hold something that cannot be keyed, and, for results
 * that are functions, how to compare them (by calling them).
 */
interface Call {
  readonly fn: string
  readonly args: () => unknown[]
  readonly bypass: boolean
  readonly compare?: (cached: any, plain: any) => unknown[]
}

const users = () => [
  { name: 'ann', age: 31, team: 'a' },
  { name: 'bo', age: 25, team: 'b' },
  { name: 'cy', age: 31, team: 'a' },
]
const byAge = (user: { age: number }) => user.age
const sameId = (a: { id: number }, b: { id: number }) => a.id === b.id
const isEven = (n: number) => n % 2 === 0
const call = (fn: string, args: () => unknown[], extra: Partial<Omit<Call, 'fn' | 'args'>> = {}): Call => ({
  fn,
  args,
  bypass: false,
  ...extra,
})
const callback = (fn: string, args: () => unknown[], extra: Partial<Omit<Call, 'fn' | 'args'>> = {}): Call =>
  call(fn, args, { bypass: true, ...extra })
const byCalling =
  (...input: unknown[]) =>
  (cached: AnyFunction, plain: AnyFunction) => [cached(...input), plain(...input)]

const CALLS: Call[] = [
  // Callbacks: every one of these crashed with CacheKeyError before; now they run uncached.
  callback('countBy', () => [users(), (u: { team: string }) => u.team]),
  callback('groupBy', () => [['one', 'two', 'three'], (s: string) => s.length]),
  callback('keyBy', () => [users(), (u: { name: string }) => u.name]),
  callback('partition', () => [[1, 2, 3, 4], isEven]),
  callback('sortBy', () => [users(), [byAge]]),
  callback('orderBy', () => [users(), [byAge, 'name'], ['desc', 'asc']]),
  callback('uniqBy', () => [[1.1, 1.2, 2.3], Math.floor]),
  callback('differenceBy', () => [[1.1, 2.2], [1.5], Math.floor]),
  callback('intersectionBy', () => [[1.1, 2.2], [2.5], Math.floor]),
  callback('unionBy', () => [[1.1], [1.5, 2.2], Math.floor]),
  callback('xorBy', () => [[1.1, 3.3], [1.5, 2.2], Math.floor]),
  callback('differenceWith', () => [[{ id: 1 }, { id: 2 }], [{ id: 2 }], sameId]),
  callback('intersectionWith', () => [[{ id: 1 }, { id: 2 }], [{ id: 2 }], sameId]),
  callback('unionWith', () => [[{ id: 1 }], [{ id: 1 }, { id: 3 }], sameId]),
  callback('uniqWith', () => [[{ id: 1 }, { id: 1 }, { id: 2 }], sameId]),
  callback('maxBy', () => [users(), byAge]),
  callback('minBy', () => [users(), byAge]),
  callback('meanBy', () => [users(), byAge]),
  callback('sumBy', () => [users(), byAge]),
  callback('mapKeys', () => [{ a: 1, b: 2 }, (_v: number, k: string) => k.toUpperCase()]),
  callback('mapValues', () => [{ a: 1, b: 2 }, (v: number) => v * 10]),
  callback('pickBy', () => [{ a: 1, b: 2 }, (v: number) => v > 1]),
  callback('omitBy', () => [{ a: 1, b: 2 }, (v: number) => v > 1]),
  callback('findKey', () => [{ a: 1, b: 2 }, (v: number) => v === 2]),
  callback('dropWhile', () => [[1, 2, 3, 1], (n: number) => n < 3]),
  callback('dropRightWhile', () => [[1, 2, 3, 1], (n: number) => n < 3]),
  callback('takeWhile', () => [[1, 2, 3, 1], (n: number) => n < 3]),
  callback('takeRightWhile', () => [[1, 2, 3, 1], (n: number) => n < 3]),
  callback('flatMap', () => [[1, 2], (n: number) => [n, n]]),
  callback('flatMapDeep', () => [[1, 2], (n: number) => [[n, [n]]]]),
  callback('zipWith', () => [[1, 2], [10, 20], (a: number, b: number) => a + b]),
  callback('unzipWith', () => [
    [
      [1, 10],
      [2, 20],
    ],
    (a: number, b: number) => a + b,
  ]),
  callback('chunkBy', () => [[1, 1, 2, 3, 3], (n: number) => n]),
  callback('isEqualWith', () => [
    { a: 'X' },
    { a: 'x' },
    (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : undefined),
  ]),
  callback('cloneDeepWith', () => [{ a: 1, b: [2] }, (v: unknown) => (typeof v === 'number' ? v * 2 : undefined)]),
  callback('mergeWith', () => [{ a: [1] }, { a: [2] }, (x: unknown, y: unknown) => (Array.isArray(x) ? x.concat(y) : undefined)]),
  callback('negate', () => [isEven], { compare: byCalling(3) }),
  callback('unary', () => [(a: number, b = 1) => a + b], { compare: byCalling(1, 5) }),
  callback('ary', () => [(...n: number[]) => n.length, 1], { compare: byCalling(1, 2, 3) }),
  callback('spread', () => [(a: number, b: number) => a - b], { compare: byCalling([5, 3]) }),
  callback('flow', () => [(n: number) => n + 1, (n: number) => n * 2], { compare: byCalling(3) }),
  callback('flowRight', () => [(n: number) => n + 1, (n: number) => n * 2], { compare: byCalling(3) }),
  callback('partial', () => [(a: number, b: number) => a - b, 10], { compare: byCalling(3) }),
  callback('curry', () => [(a: number, b: number) => a - b], { compare: (cached, plain) => [cached(10)(3), plain(10)(3)] }),
  callback('once', () => [() => 42], { compare: byCalling() }),
  callback('attempt', () => [() => JSON.parse('{"a":1}')]),
  callback('mapAsync', () => [[1, 2], async (n: number) => n * 2]),
  callback('filterAsync', () => [[1, 2, 3], async (n: number) => n > 1]),
  callback('reduceAsync', () => [[1, 2, 3], async (sum: number, n: number) => sum + n, 0]),
  // Built-ins whose state the key cannot see: run uncached too.
  callback('isPromise', () => [Promise.resolve(1)]),
  callback('isBlob', () => [new Blob(['a'])]),
  callback('isFile', () => [new File(['a'], 'a.txt')]),
  callback('isWeakMap', () => [new WeakMap()]),
  callback('isWeakSet', () => [new WeakSet()]),
  callback('isFunction', () => [isEven]),
  callback('isSymbol', () => [Symbol('s')]),
  // Keyable arguments, objects and built-ins included: cached, and the second call of each is a hit.
  call('chunk', () => [[1, 2, 3, 4, 5], 2]),
  call('compact', () => [[0, 1, false, 2, '', 3, null]]),
  call('difference', () => [[1, 2, 3], [2]]),
  call('intersection', () => [
    [1, 2, 3],
    [2, 3, 4],
  ]),
  call('union', () => [
    [1, 2],
    [2, 3],
  ]),
  call('uniq', () => [[1, 1, 2]]),
  call('xor', () => [
    [1, 2],
    [2, 3],
  ]),
  call('zip', () => [
    [1, 2],
    ['a', 'b'],
  ]),
  call('unzip', () => [
    [
      [1, 'a'],
      [2, 'b'],
    ],
  ]),
  call('zipObject', () => [
    ['a', 'b'],
    [1, 2],
  ]),
  call('flatten', () => [[1, [2, [3]]]]),
  call('flattenDeep', () => [[1, [2, [3]]]]),
  call('windowed', () => [[1, 2, 3, 4], 2]),
  call('combinations', () => [[1, 2, 3], 2]),
  call('cartesianProduct', () => [
    [1, 2],
    ['a', 'b'],
  ]),
  call('head', () => [[3, 4]]),
  call('last', () => [[3, 4]]),
  call('take', () => [[1, 2, 3], 2]),
  call('dropRight', () => [[1, 2, 3], 1]),
  call('range', () => [0, 10, 3]),
  call('sum', () => [[1, 2, 3]]),
  call('median', () => [[3, 1, 2]]),
  call('clamp', () => [5, 1, 3]),
  call('round', () => [1.2345, 2]),
  call('camelCase', () => ['foo bar-baz']),
  call('kebabCase', () => ['fooBar baz']),
  call('snakeCase', () => ['fooBar baz']),
  call('startCase', () => ['foo_bar']),
  call('deburr', () => ['café crème']),
  call('escape', () => ['<a href="x">']),
  call('words', () => ['hello big world']),
  call('pad', () => ['ab', 6, '-']),
  call('pick', () => [{ a: 1, b: 2, c: 3 }, ['a', 'c']]),
  call('omit', () => [{ a: 1, b: 2, c: 3 }, ['b']]),
  call('invert', () => [{ a: 'x', b: 'y' }]),
  call('flattenObject', () => [{ a: { b: { c: 1 } }, d: [1] }]),
  call('sortKeys', () => [{ b: 1, a: 2 }]),
  call('toCamelCaseKeys', () => [{ first_name: 'ann', home_address: { zip_code: 1 } }]),
  call('cloneDeep', () => [{ when: new Date(5), tags: new Set(['a']), lookup: new Map([['k', [1]]]) }]),
  call('isEqual', () => [{ a: [1, { b: new Date(1) }] }, { a: [1, { b: new Date(1) }] }]),
  call('isEqual', () => [new Map([['a', 1]]), new Map([['a', 2]])]),
  call('isSubset', () => [
    [1, 2, 3],
    [1, 3],
  ]),
  call('isPlainObject', () => [{ a: 1 }]),
  call('isPlainObject', () => [new URL('https://a.example/')]),
  call('isError', () => [new TypeError('x')]),
  call('isError', () => [{ name: 'TypeError', message: 'x' }]),
  call('isDate', () => [new Date(Number.NaN)]),
  call('isRegExp', () => [/a/g]),
  call('isMap', () => [new Map()]),
  call('isSet', () => [new Set()]),
  call('isBuffer', () => [Buffer.from([1])]),
  call('isBuffer', () => [new Uint8Array([1])]),
  call('isTypedArray', () => [new Float64Array([1])]),
  call('isArrayBuffer', () => [new ArrayBuffer(2)]),
  call('isJSON', () => ['{"a":1}']),
  call('isNil', () => [null]),
  call('identity', () => [{ a: 1 }]),
]

test('should wrap every exported function and give every call the uncached function’s result, bypassing unkeyable ones', async () => {
  const warnings = captureWarnings()
  try {
    const wrapped = new Map<string, Wrapped>()
    for (const [name, fn] of exported) wrapped.set(name, mcache(fn, { name: `es-toolkit#${name}` }) as Wrapped)
    assert.ok(wrapped.size > 150, `${wrapped.size} functions wrapped`)

    const failures: string[] = []
    let expectedBypassed = 0
    let expectedHits = 0
    for (const { fn: name, args, bypass, compare } of CALLS) {
      const plain = (toolkit as unknown as Record<string, AnyFunction>)[name]!
      const cached = wrapped.get(name)
      if (!cached) {
        failures.push(`${name} is not an exported function`)
        continue
      }
      // Twice: the second call of a keyable call is a hit, of an unkeyable one another bypass.
      for (let round = 0; round < 2; round++) {
        try {
          let actual = cached(...args())
          let expected = plain(...args())
          if (compare) [actual, expected] = compare(actual, expected)
          if (actual instanceof Promise) [actual, expected] = [await actual, await expected]
          assert.equal(actual, expected, `${name}, call ${round + 1}`)
        } catch (error) {
          failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      if (bypass) expectedBypassed += 2
      else expectedHits += 1
    }
    assert.equal(failures, [], failures.join('\n'))

    const totals = { hits: 0, bypassed: 0 }
    for (const cached of wrapped.values()) {
      const stats = cached.cache.stats()
      totals.hits += stats.hits
      totals.bypassed += stats.bypassed
    }
    assert.is(totals.bypassed, expectedBypassed, 'every call with an unkeyable argument, and no other, bypassed the cache')
    assert.is(totals.hits, expectedHits, 'every keyable call hit the second time')
    const keyWarnings = await warnings.of(WarningCode.key)
    const bypassingFunctions = new Set(CALLS.filter((c) => c.bypass).map((c) => c.fn))
    assert.is(keyWarnings.length, bypassingFunctions.size, 'one TWAT_CACHE_KEY warning per cache that bypassed')
    console.log(`  ${wrapped.size} exported functions wrapped; ${CALLS.length * 2} calls, ${totals.bypassed} bypassed, ${totals.hits} hits`)
  } finally {
    warnings.stop()
  }
})

test.run()
