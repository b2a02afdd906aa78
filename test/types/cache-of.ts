// Type tests for cacheOf: the handle is typed by the function's parameters and result, whatever made the function
// cached (a wrapper, a tagged declaration or method, whose types do not say so), and per instance by method name.
import {
  acache,
  bcache,
  cacheOf,
  clearCache,
  getStats,
  mcache,
  ucache,
  type AsyncCacheHandle,
  type CacheHandle,
  type CacheHandleOf,
  type CacheStatsSnapshot,
} from '../../src/runtime/index.js'

// A wrapped function: exactly the handle its `.cache` has.
const price = mcache((sku: string, region: string): number => sku.length + region.length)
const priceHandle: CacheHandle<[sku: string, region: string], number> = cacheOf(price)
const priceHas: boolean = cacheOf(price).has('a', 'b')
// @ts-expect-error has takes the function's parameters
cacheOf(price).has('a')
// @ts-expect-error and their types
cacheOf(price).delete('a', 2)
const same: typeof price.cache = cacheOf(price)

const user = acache(async (id: number) => ({ id }))
const userHandle: AsyncCacheHandle<[id: number], { id: number }> = cacheOf(user)
const userHas: Promise<boolean> = cacheOf(user).has(1)
// @ts-expect-error an acache handle answers with promises
const userHasNow: boolean = cacheOf(user).has(1)

const chosen = ucache((text: string) => text.length)
const chosenAnswer: boolean | Promise<boolean> = cacheOf(chosen).has('x')

// A tagged declaration is a plain function to the type checker: a synchronous handle for a function that returns a
// value; for one that returns a promise, either kind (the tag decides), so its answers are awaited.
function squareOf(n: number): number {
  return n * n
}
const squareHandle: CacheHandle<[n: number], number> = cacheOf(squareOf)
const squareHas: boolean = cacheOf(squareOf).has(2)
// @ts-expect-error the parameters of the declaration
cacheOf(squareOf).has('2')

async function loadReport(year: number): Promise<string[]> {
  return [String(year)]
}
const reportHas: boolean | Promise<boolean> = cacheOf(loadReport).has(2024)
// @ts-expect-error not known to be synchronous
const reportHasNow: boolean = cacheOf(loadReport).has(2024)
async function awaited(): Promise<boolean> {
  return await cacheOf(loadReport).has(2024)
}
const reportHandle = cacheOf(loadReport)
if ('close' in reportHandle) {
  const asyncHas: Promise<boolean> = reportHandle.has(1)
  void asyncHas
}

// Methods: by instance and name, typed by the method; only names of methods are accepted.
class Prices {
  rate = 2
  @mcache({ maxsize: 10 })
  of(sku: string): number {
    return sku.length * this.rate
  }
  static convert(amount: number): string {
    return String(amount)
  }
  @bcache({ folderName: 'prices' })
  history(days: number): number[] {
    return [days]
  }
}
const prices = new Prices()
const ofHandle: CacheHandle<[sku: string], number> = cacheOf(prices, 'of')
const historyHas: boolean = cacheOf(prices, 'history').has(3)
const convertHandle: CacheHandle<[amount: number], string> = cacheOf(Prices, 'convert')
// @ts-expect-error rate is not a method
cacheOf(prices, 'rate')
// @ts-expect-error no such method
cacheOf(prices, 'missing')
// @ts-expect-error the method's parameters
cacheOf(prices, 'of').has(1)
const prototypeHandle: CacheHandle<[sku: string], number> = cacheOf(Prices.prototype.of)
// @ts-expect-error a class is not a function to call
cacheOf(Prices)
// @ts-expect-error a value that is not a function
cacheOf(42)

type Derived = CacheHandleOf<typeof price>
const derived: Derived = priceHandle

// getStats and clearCache take the function too.
const stats: CacheStatsSnapshot[] = getStats(squareOf)
const cleared: Promise<void> = clearCache(price)
// @ts-expect-error a name or a function
getStats(42)

export {
  priceHandle,
  priceHas,
  same,
  userHandle,
  userHas,
  userHasNow,
  chosenAnswer,
  squareHandle,
  squareHas,
  reportHas,
  reportHasNow,
  awaited,
  ofHandle,
  historyHas,
  convertHandle,
  prototypeHandle,
  derived,
  stats,
  cleared,
}
