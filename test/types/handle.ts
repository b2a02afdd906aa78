// Type tests for the handle's entry operations: expire, refresh, peek and warm take the cached function's
// parameters and answer with its result, synchronously for mcache/bcache/fcache and with promises for acache.
import { acache, bcache, mcache, ucache, type CachePeek, type PeekStatus, type WarmReport } from '../../src/runtime/index.js'

const price = mcache((sku: string, region: 'eu' | 'us') => ({ sku, region, total: 1 }))
const expired: boolean = price.cache.expire('a', 'eu')
// @ts-expect-error expire takes the function's parameters
price.cache.expire('a', 'asia')
const refreshed: { sku: string; region: 'eu' | 'us'; total: number } = price.cache.refresh('a', 'us')
// @ts-expect-error refresh returns the function's result
const wrongResult: string = price.cache.refresh('a', 'us')
const peeked: CachePeek<{ sku: string; region: 'eu' | 'us'; total: number }> | undefined = price.cache.peek('a', 'eu')
const total: number | undefined = peeked?.value.total
const status: PeekStatus | undefined = peeked?.status
// @ts-expect-error peek may find nothing
const surely: number = price.cache.peek('a', 'eu').value.total
const warmed: Promise<WarmReport> = price.cache.warm(
  [
    ['a', 'eu'],
    ['b', 'us'],
  ],
  { concurrency: 2 },
)
const fromSet: Promise<WarmReport> = price.cache.warm(new Set<[string, 'eu' | 'us']>([['c', 'eu']]))
const readonlyLists: Promise<WarmReport> = price.cache.warm([['a', 'eu']] as const)
// @ts-expect-error warm takes lists of the function's arguments
price.cache.warm([['a', 'asia']])
// @ts-expect-error warm takes argument lists, not arguments
price.cache.warm(['a', 'eu'])
// @ts-expect-error concurrency is a number
price.cache.warm([['a', 'eu']], { concurrency: 'high' })

// An async function under a sync cache: refresh and peek hand out the promise a call returns.
const report = bcache(async (year: number) => ({ year, rows: [1, 2] }))
const later: Promise<{ year: number; rows: number[] }> = report.cache.refresh(2024)
const peekedPromise: Promise<{ year: number; rows: number[] }> | undefined = report.cache.peek(2024)?.value

// acache answers with promises, with the settled value.
const user = acache(async (id: number) => ({ id, name: 'x' }))
const userExpired: Promise<boolean> = user.cache.expire(1)
// @ts-expect-error the async handle answers with promises
const userExpiredSync: boolean = user.cache.expire(1)
const userRefreshed: Promise<{ id: number; name: string }> = user.cache.refresh(1)
const userPeek: Promise<CachePeek<{ id: number; name: string }> | undefined> = user.cache.peek(1)
// @ts-expect-error acache's peek is a promise
const userPeekSync: CachePeek<{ id: number; name: string }> | undefined = user.cache.peek(1)
const userWarm: Promise<WarmReport> = user.cache.warm([[1], [2]])
// @ts-expect-error the async handle takes the function's parameters
user.cache.refresh('1')

// ucache: one of the two, so the answers are either.
const chosen = ucache((text: string) => text.length)
const chosenPeek: CachePeek<number> | undefined | Promise<CachePeek<number> | undefined> = chosen.cache.peek('abc')

export { expired, refreshed, wrongResult, total, status, surely, warmed, fromSet, readonlyLists, later, peekedPromise }
export { userExpired, userExpiredSync, userRefreshed, userPeek, userPeekSync, userWarm, chosenPeek }
