// Type tests (checked by test/types.test.ts with tsc): a line marked @ts-expect-error must be an error, every other
// line must compile. Wrapping keeps signatures, generics and overloads, and handles take the function's parameters.
import { bcache, fcache, mcache, type Cached, type CacheHandle } from '../../src/runtime/index.js'

const square = mcache((x: number) => x * x)
const n: number = square(3)
// @ts-expect-error a string is not a number
square('3')
// The handle is typed by the function itself, with no annotation here.
square.cache.delete(3)
square.cache.has(3)
// @ts-expect-error delete takes the function's parameters
square.cache.delete('3')
// @ts-expect-error has takes the function's parameters
square.cache.has()
const squareHandle: CacheHandle<[x: number], number> = square.cache
// @ts-expect-error the handle of (x: number) => number is not the handle of a function of strings
const wrongHandle: CacheHandle<[string], number> = square.cache

function identity<T>(value: T): T {
  return value
}
const cachedIdentity = mcache(identity)
const s: string = cachedIdentity('x')
// @ts-expect-error the generic is kept: a string result is not a number
const wrong: number = cachedIdentity('x')

function parse(text: string): number
function parse(text: string, radix: number): number
function parse(text: string, radix = 10): number {
  return Number.parseInt(text, radix)
}
const cachedParse = mcache({ maxsize: 10 })(parse)
const p: number = cachedParse('ff', 16)
// @ts-expect-error overloads are kept
cachedParse(15)

const report = bcache((id: string, year: number) => ({ id, year }), { folderName: 'types' })
const year: number = report('a', 2024).year
report.cache.delete('a', 2024)
// @ts-expect-error bcache's handle takes (id: string, year: number)
report.cache.delete(2024, 'a')
const kept: boolean = report.cache.has('a', 1)
// @ts-expect-error a sync cache's has returns a boolean, not a promise
const notPromise: Promise<boolean> = report.cache.has('a', 1)

const blob = fcache((size: number) => new Float64Array(size))
const array: Float64Array = blob(3)
// @ts-expect-error fcache keeps the result type
const notArray: string = blob(3)

// Cached<F> names what mcache returns.
const named: Cached<(x: number) => number> = square
// @ts-expect-error Cached<F> of another signature does not fit
const misnamed: Cached<(x: string) => number> = square

export { n, s, wrong, p, year, kept, notPromise, array, notArray, named, misnamed, squareHandle, wrongHandle }
