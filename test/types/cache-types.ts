// Type-level tests: checked by test/types.test.ts with tsc. A line marked @ts-expect-error must be an error;
// every other line must compile. Proves that wrapping keeps signatures, generics and overloads.
import { mcache, type CacheHandle } from '../../src/runtime/index.js'

const square = mcache((x: number) => x * x)
const n: number = square(3)
// @ts-expect-error a string is not a number
square('3')
const handle: CacheHandle<[number]> = square.cache
handle.delete(3)
// @ts-expect-error delete takes the function's parameters
handle.delete('3')

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

class Prices {
  rate = 2
  @mcache({ maxsize: 10 })
  of(amount: number): number {
    return amount * this.rate
  }
}
const price: number = new Prices().of(3)

export { n, s, wrong, p, price }
