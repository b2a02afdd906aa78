// Type tests for acache and ucache: acache always returns promises and its handle answers with promises; ucache's
// handle is one of the two (the cache it chose decides).
import { acache, ucache, type AsyncCached, type AsyncCacheHandle } from '../../src/runtime/index.js'

const user = acache(async (id: number) => ({ id, name: 'x' }))
const pending: Promise<{ id: number; name: string }> = user(1)
// @ts-expect-error an acache'd function returns a promise, not the value
const direct: { id: number } = user(1)
const has: Promise<boolean> = user.cache.has(1)
// @ts-expect-error the async handle answers with promises
const hasSync: boolean = user.cache.has(1)
// @ts-expect-error the async handle takes the function's parameters
user.cache.delete('1')
const closed: Promise<void> = user.cache.close()
const handle: AsyncCacheHandle<[id: number], { id: number; name: string }> = user.cache

// A function that returns a plain value gets a promise back.
const doubled = acache((n: number) => n * 2)
const later: Promise<number> = doubled(2)
// @ts-expect-error acache turns plain results into promises
const now: number = doubled(2)

const named: AsyncCached<(id: number) => Promise<{ id: number; name: string }>> = user

const chosen = ucache((text: string) => text.length)
const length: number = chosen('abc')
// @ts-expect-error ucache keeps the parameters
chosen(3)
const answer: boolean | Promise<boolean> = chosen.cache.has('abc')
// @ts-expect-error ucache's handle may be async: its answer is not known to be a plain boolean
const plain: boolean = chosen.cache.has('abc')

export { pending, direct, has, hasSync, closed, handle, later, now, named, length, answer, plain }
