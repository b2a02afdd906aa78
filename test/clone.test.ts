// clone: true — every hit of a memory cache returns a structured copy of the cached value (a cached promise: a
// promise of a copy), and the first result is stored as a copy, so a caller that changes what it got changes
// nobody else's answer. Disk caches decode a fresh value per hit anyway; there clone gives calls that join a call
// in flight their own copy.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Keyv from 'keyv'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import {
  acache,
  bcache,
  createCacheConfig,
  type CacheOptions,
  mcache,
  openCache,
  SerializationError,
  ValidationError,
  WarningCode,
} from '../src/runtime/index.js'
import { counted } from './support/counted.js'
import { captureWarnings } from './support/warnings.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-clone-'))
let serial = 0
const unique = (label: string) => `${label}-${++serial}`
const cacheDir = () => path.join(root, unique('dir'))

const test = suite('clone: true')
test.after(() => rmSync(root, { recursive: true, force: true }))

interface Order {
  id: number
  items: string[]
  seen: Map<string, Date>
}
const makeOrder = (id: number): Order => ({ id, items: ['a'], seen: new Map([['x', new Date(5)]]) })

test('without clone, a caller that changes a result changes what every later hit returns', () => {
  const cached = mcache(makeOrder)
  cached(1).items.push('changed')
  assert.equal(cached(1).items, ['a', 'changed'])
  assert.is(cached(1), cached(1), 'one object for every caller')
})

test('should hand every hit its own copy, and keep the first result apart from the stored one', () => {
  const fn = counted(makeOrder)
  const cached = mcache(fn, { clone: true })
  const first = cached(1)
  first.items.push('first caller')
  const hit = cached(1)
  assert.equal(hit, makeOrder(1), 'the first caller’s change is not in the cache')
  hit.seen.set('y', new Date(6))
  assert.equal(cached(1), makeOrder(1), 'nor a later caller’s')
  assert.is.not(cached(1), cached(1))
  assert.instance(cached(1).seen.get('x'), Date, 'Maps and Dates survive the copy')
  assert.is(fn.calls, 1, 'still cached')
  assert.is(cached.cache.stats().hits, 5)
})

test('should hand out promises of copies for cached promises (mcache and acache)', async () => {
  type AsyncOrders = (id: number) => Promise<Order>
  for (const cache of [mcache, acache] as Array<(fn: AsyncOrders, options: CacheOptions) => AsyncOrders>) {
    const fn = counted(async (id: number) => makeOrder(id))
    const cached = cache(fn, { clone: true })
    const [a, b] = await Promise.all([cached(1), cached(1)]) // the second joins the first while it is in flight
    assert.is.not(a, b)
    a.items.push('changed')
    b.items.push('changed too')
    const later = cached(1)
    assert.instance(later, Promise)
    assert.equal(await later, makeOrder(1))
    assert.is(fn.calls, 1)
  }
})

test('should return a result a copy would not reproduce, uncached, and warn once', async () => {
  class Money {
    constructor(readonly cents: number) {}
    format() {
      return `${this.cents / 100}`
    }
  }
  const warnings = captureWarnings()
  try {
    const name = unique('money')
    const fn = counted((cents: number) => new Money(cents))
    const cached = mcache(fn, { clone: true, name })
    assert.is(cached(150).format(), '1.5', 'the class is kept: the result itself')
    assert.is(cached(150).format(), '1.5')
    assert.is(fn.calls, 2, 'not cached')
    const buffers = counted((n: number) => Buffer.alloc(n))
    const cachedBuffers = mcache(buffers, { clone: true })
    assert.ok(Buffer.isBuffer(cachedBuffers(2)))
    cachedBuffers(2)
    assert.is(buffers.calls, 2, 'a Buffer would come back a Uint8Array: not cached')
    const seen = (await warnings.of(WarningCode.serialization)).filter((w) => w.message.includes(`Cache ${name}:`))
    assert.is(seen.length, 1)
    assert.match(seen[0]!.message, /cannot be cloned for clone: true: it is an instance of Money/)
  } finally {
    warnings.stop()
  }
})

test('should drop a promised result that cannot be copied once it settles, and give it to its callers as it is', async () => {
  class Token {
    constructor(readonly value: string) {}
  }
  const fn = counted(async (value: string) => new Token(value))
  const cached = acache(fn, { clone: true, name: unique('token') })
  const [first, joined] = await Promise.all([cached('a'), cached('a')])
  assert.instance(first, Token)
  assert.instance(joined, Token, 'a caller that joined in flight gets the value, not a broken copy')
  assert.instance(await cached('a'), Token)
  assert.is(fn.calls, 2, 'the entry was dropped: the third call computed again')
})

test('should throw SerializationError for a result that cannot be copied in strict mode', () => {
  const cached = mcache(() => ({ run: () => 1 }), { clone: true, strict: true })
  assert.throws(
    () => cached(),
    (e: Error) => e instanceof SerializationError && /a function/.test(e.message),
  )
})

test('bcache: hits decode a fresh value with or without clone; with clone, calls joining one in flight get copies', async () => {
  for (const clone of [false, true]) {
    const fn = counted(async (id: number) => makeOrder(id))
    const cached = bcache(fn, { clone, cacheDir: cacheDir(), name: unique('orders') })
    const [a, b] = await Promise.all([cached(1), cached(1)])
    assert.is(fn.calls, 1)
    if (clone) assert.is.not(a, b)
    else assert.is(a, b, 'without clone, the call in flight is one value for all who join it')
    const [c, d] = [await cached(1), await cached(1)]
    assert.is.not(c, d, 'a hit read back from the disk is a fresh value')
    assert.equal(c, makeOrder(1))
  }
})

test('acache on a shared store: calls joining one in flight get copies with clone', async () => {
  const fn = counted(async (id: number) => makeOrder(id))
  const cached = acache(fn, { clone: true, store: new Keyv(), name: unique('shared-orders') })
  const [a, b] = await Promise.all([cached(1), cached(1)])
  assert.is.not(a, b)
  assert.equal(a, b)
  assert.is(fn.calls, 1)
})

test('openCache: get returns a copy and set stores one with clone', () => {
  const cache = openCache<Order>({ clone: true })
  const order = makeOrder(1)
  cache.set('o', order)
  order.items.push('after set')
  const got = cache.get('o')!
  got.items.push('after get')
  assert.equal(cache.get('o'), makeOrder(1))
})

test('should validate clone as true or false, in tags and at run time alike', () => {
  assert.is(createCacheConfig({ clone: true }).clone, true)
  assert.is(createCacheConfig({}).clone, false)
  assert.throws(
    () => createCacheConfig({ clone: 'yes' as never }),
    (e: Error) => e instanceof ValidationError && /clone="yes": expected true or false/.test(e.message),
  )
})

test.run()
