// Type tests for the TC39 method decorators and cachedMethod: decorated methods keep their signatures.
import { acache, bcache, cachedMethod, mcache } from '../../src/runtime/index.js'

class Prices {
  rate = 2
  @mcache({ maxsize: 10 })
  of(amount: number): number {
    return amount * this.rate
  }

  @bcache({ folderName: 'prices' })
  history(sku: string, days: number): number[] {
    return [sku.length, days]
  }

  @acache()
  async remote(sku: string): Promise<number> {
    return sku.length
  }
}
const prices = new Prices()
const price: number = prices.of(3)
// @ts-expect-error the decorated method keeps its parameters
prices.of('3')
const history: number[] = prices.history('a', 2)
const remote: Promise<number> = prices.remote('a')
// @ts-expect-error an async method stays async
const remoteNow: number = prices.remote('a')

class Reports {
  build = cachedMethod(mcache, function build(this: Reports, id: string): string {
    return id
  })
}
const built: string = new Reports().build('x')
// @ts-expect-error cachedMethod keeps the method's parameters
new Reports().build(1)

export { price, history, remote, remoteNow, built }
