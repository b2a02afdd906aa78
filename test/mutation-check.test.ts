// TWAT_CACHE_CHECK=1 (read when a cache is created): memory caches fingerprint each result they store and check it
// on every hit. A result some caller changed is reported once (TWAT_CACHE_MUTATED, naming the cache and the call),
// dropped, and computed again.
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache, mcache, WarningCode, type CacheOptions } from '../src/runtime/index.js'
import { counted } from './support/counted.js'
import { captureWarnings } from './support/warnings.js'

const test = suite('TWAT_CACHE_CHECK=1')
let serial = 0
const unique = (label: string) => `${label}-${++serial}`

/** Create a cache with TWAT_CACHE_CHECK=1 set, as a test runner or dev server would, and unset it again. */
function checked<T>(create: () => T): T {
  process.env.TWAT_CACHE_CHECK = '1'
  try {
    return create()
  } finally {
    delete process.env.TWAT_CACHE_CHECK
  }
}

const settings = (user: string) => ({ user, theme: { dark: false }, tags: ['a'], seen: new Map([['home', 1]]) })

test('without the check, a changed result is what every later hit returns', () => {
  const fn = counted(settings)
  const cached = mcache(fn)
  cached('ann').theme.dark = true
  assert.is(cached('ann').theme.dark, true)
  assert.is(fn.calls, 1)
})

test('should catch a caller that changed a cached result: warn once, drop the entry, compute again', async () => {
  const warnings = captureWarnings()
  try {
    const name = unique('settings')
    const fn = counted(settings)
    const cached = checked(() => mcache(fn, { name }))
    cached('ann').theme.dark = true
    const again = cached('ann')
    assert.is(again.theme.dark, false, 'recomputed, not the changed value')
    assert.is(fn.calls, 2)
    assert.is(cached('ann'), again, 'the recomputed result is cached again')
    assert.is(fn.calls, 2)
    again.tags.push('b')
    assert.equal(cached('ann').tags, ['a'])
    assert.is(fn.calls, 3)
    const stats = cached.cache.stats()
    assert.is(stats.misses, 3)
    assert.is(stats.hits, 1)
    const seen = (await warnings.of(WarningCode.mutated)).filter((w) => w.message.includes(`Cache ${name}:`))
    assert.is(seen.length, 1, 'warned once for the cache')
    assert.match(seen[0]!.message, /the cached result of the call \("ann"\) was changed/)
    assert.match(seen[0]!.message, /clone: true/)
  } finally {
    warnings.stop()
  }
})

test('should see changes deep inside, in Maps, arrays and typed arrays', () => {
  const fn = counted((n: number) => ({ deep: { list: [[n]] }, seen: new Map([['a', n]]), bytes: new Uint8Array([n]) }))
  const cached = checked(() => mcache(fn))
  cached(1).deep.list[0]!.push(2)
  cached(1)
  assert.is(fn.calls, 2)
  cached(1).seen.set('a', 9)
  cached(1)
  assert.is(fn.calls, 3)
  cached(1).bytes[0] = 7
  assert.equal(cached(1).bytes, new Uint8Array([1]))
  assert.is(fn.calls, 4)
})

test('should leave results that nobody changed cached, and results it cannot read unchecked', () => {
  const fn = counted((n: number) => ({ n }))
  const cached = checked(() => mcache(fn))
  for (let i = 0; i < 5; i++) assert.equal(cached(1), { n: 1 })
  assert.is(fn.calls, 1)
  const withFunction = counted((n: number) => ({ n, run: () => n }))
  const unreadable = checked(() => mcache(withFunction))
  unreadable(1).n = 5
  assert.is(unreadable(1).n, 5, 'a result holding a function is not fingerprinted')
  assert.is(withFunction.calls, 1)
})

test('should read TWAT_CACHE_CHECK when the cache is created, not on each call', () => {
  const fn = counted(settings)
  const cached = mcache(fn)
  process.env.TWAT_CACHE_CHECK = '1'
  try {
    cached('bo').theme.dark = true
    assert.is(cached('bo').theme.dark, true)
    assert.is(fn.calls, 1)
  } finally {
    delete process.env.TWAT_CACHE_CHECK
  }
})

test('should check the settled values of cached promises (acache and mcache)', async () => {
  type AsyncSettings = (user: string) => Promise<ReturnType<typeof settings>>
  for (const cache of [acache, mcache] as Array<(fn: AsyncSettings, options: CacheOptions) => AsyncSettings>) {
    const fn = counted(async (user: string) => settings(user))
    const cached = checked(() => cache(fn, { name: unique('async-settings') }))
    ;(await cached('cy')).theme.dark = true
    assert.is((await cached('cy')).theme.dark, false)
    assert.is(fn.calls, 2)
  }
})

test('should not check when clone is on: copies cannot be changed by a caller', () => {
  const fn = counted(settings)
  const cached = checked(() => mcache(fn, { clone: true }))
  cached('di').theme.dark = true
  assert.is(cached('di').theme.dark, false)
  assert.is(fn.calls, 1)
})

test.run()
