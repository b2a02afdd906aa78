// A plain memory cache whose only freshness option is `tags`: invalidateTag (and revalidateTag, with no window to
// serve stale in) clears it, and it keeps bare results in its LRUCache, which is what the memory fast paths read, so
// a tagged hit costs what an untagged one does (bench/freshness.mjs measures it).
import { LRUCache } from 'lru-cache'
import * as assert from 'uvu/assert'
import { acache, invalidateTag, mcache, revalidateTag } from '../src/runtime/index.js'
import { suite } from './support/suite.js'

const test = suite('tags on plain memory caches')
let serial = 0
const uniqueTag = (name: string) => `${name}-memory-${++serial}`

test('should clear a plain mcache with the tags option on invalidateTag, and only for its own tags', async () => {
  const tag = uniqueTag('prices')
  let calls = 0
  const price = mcache((sku: string) => (calls++, `${sku}:${calls}`), { tags: [tag, uniqueTag('other')] })
  assert.is(price('a'), 'a:1')
  assert.is(price('b'), 'b:2')
  assert.is(price('a'), 'a:1')
  await invalidateTag(uniqueTag('unrelated'))
  assert.is(price('a'), 'a:1', 'another tag changes nothing')
  await invalidateTag(tag)
  assert.is(price.cache.stats().size, 0, 'cleared')
  assert.is(price('a'), 'a:3')
  assert.is(price('b'), 'b:4')
  await revalidateTag(tag)
  assert.is(price('a'), 'a:5', 'revalidated without a stale window: a miss')
  assert.is(price.cache.stats().hits, 2)
})

test('should keep bare results in its LRUCache (the fast paths read them), before and after an invalidation', async () => {
  const tag = uniqueTag('bare')
  const square = mcache((n: number) => ({ square: n * n }), { tags: [tag] })
  const plain = mcache((n: number) => ({ square: n * n }))
  square(3)
  plain(3)
  assert.is(square.cache.engine, 'lru-cache')
  const store = square.cache.store as LRUCache<number, object>
  assert.instance(store, LRUCache)
  assert.equal(store.get(3), { square: 9 }, 'the result itself, not an entry with a life')
  assert.equal(
    Object.keys(store.get(3) as object),
    Object.keys((plain.cache.store as LRUCache<number, object>).get(3)!),
    'the same as an untagged cache keeps',
  )
  const first = square(3)
  assert.is(square(3), first, 'a hit returns the stored object')
  await invalidateTag(tag)
  assert.is(store.size, 0)
  square(3)
  assert.is(square.cache.store, store, 'still the same LRUCache: the cache did not switch to entries')
  assert.equal(store.get(3), { square: 9 })
})

test("should clear acache's local store with the tags option too", async () => {
  const tag = uniqueTag('users')
  let calls = 0
  const user = acache(async (id: number) => (calls++, { id, calls }), { tags: [tag] })
  assert.equal(await user(1), { id: 1, calls: 1 })
  assert.equal(await user(1), { id: 1, calls: 1 })
  await invalidateTag([tag])
  assert.equal(await user(1), { id: 1, calls: 2 })
})

test.run()
