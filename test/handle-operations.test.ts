// The handle's entry operations — expire, refresh, peek, warm — in every kind of cache: mcache (plain results and
// entries), acache (local, and a keyv store), bcache (sync and async functions), fcache, ucache, methods, and the
// disabled wrapper. Time is a hand-moved clock (the `clock` option), never a sleep.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import {
  acache,
  bcache,
  cachedMethod,
  invalidateTag,
  mcache,
  revalidateTag,
  ucache,
  ValidationError,
  type CacheOptions,
  type CacheStatsSnapshot,
} from '../src/runtime/index.js'
import { ManualClock } from './support/manual-clock.js'
import { flush, storeKinds } from './support/store-kinds.js'
import { suite } from './support/suite.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-handle-ops-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
let tagSerial = 0
const uniqueTag = (name: string) => `${name}-${++tagSerial}`

interface Handle {
  stats(): CacheStatsSnapshot
  expire(...args: unknown[]): boolean | Promise<boolean>
  refresh(...args: unknown[]): unknown
  peek(...args: unknown[]): unknown
  warm(list: unknown, options?: unknown): Promise<{ computed: number; skipped: number; failed: number }>
  has(...args: unknown[]): boolean | Promise<boolean>
}
type Cached = ((...args: any[]) => any) & { cache: Handle }

/** `async`: the handle answers with promises (acache); `promises`: calls return promises. */
const KINDS: Record<string, { make: (fn: (...args: any[]) => any, options: CacheOptions) => Cached; async: boolean; promises: boolean }> = {
  ...Object.fromEntries(
    Object.entries(storeKinds<Cached>(freshDir)).map(([label, kind]) => [
      label,
      { make: kind.make, async: kind.asyncHandle, promises: kind.promises },
    ]),
  ),
  'ucache (mcache)': { make: (fn, o) => ucache(fn, o) as never, async: false, promises: false },
}

/** Both memory compositions: plain results (no windows) and entries (a stale window from the start). */
const WINDOWS: Record<string, CacheOptions> = { 'no windows': {}, 'with staleWhileRevalidate': { ttl: 100, staleWhileRevalidate: 100 } }

for (const [label, { make, async, promises }] of Object.entries(KINDS)) {
  for (const [windows, extra] of Object.entries(WINDOWS)) {
    const test = suite(`handle operations: ${label}, ${windows}`)
    let names = 0
    const name = () => `handle-ops-${label}-${windows}-${++names}`
    const options = (o: CacheOptions = {}): CacheOptions => ({ name: name(), clock: new ManualClock(), ...extra, ...o })
    const isSync = (value: unknown) => !(value instanceof Promise)

    test('should peek at an entry without computing or counting, as fresh', async () => {
      let calls = 0
      const f = make((n: number) => (calls++, { n, calls }), options())
      assert.is(await f.cache.peek(1), undefined, 'nothing yet')
      assert.equal(await f(1), { n: 1, calls: 1 })
      const seen = f.cache.peek(1)
      assert.is(isSync(seen), !async, async ? 'an async handle answers with a promise' : 'a sync handle answers at once')
      const found = (await seen) as { value: unknown; status: string }
      assert.is(found.status, 'fresh')
      assert.equal(await found.value, { n: 1, calls: 1 })
      if (promises && !async) assert.instance(found.value, Promise, 'the value as a call returns it: a promise')
      assert.is(calls, 1, 'peek never computes')
      const stats = f.cache.stats()
      assert.is(stats.hits, 0, 'a peek is not a hit')
      assert.is(stats.misses, 1)
      assert.is(await f.cache.peek(2), undefined)
      assert.is(calls, 1)
    })

    test('should refresh: compute now, store and return, counted as no call', async () => {
      let version = 1
      let calls = 0
      const f = make((n: number) => (calls++, `${n}@${version}`), options())
      assert.is(await f(1), '1@1')
      version = 2
      const refreshed = f.cache.refresh(1)
      assert.is(isSync(refreshed), !promises, promises ? 'what a call returns: a promise' : 'what a call returns: the value')
      assert.is(await refreshed, '1@2')
      assert.is(calls, 2)
      assert.is(await f(1), '1@2', 'stored')
      assert.is(calls, 2)
      const stats = f.cache.stats()
      assert.is(stats.misses, 1, 'a refresh is no miss')
      assert.is(stats.hits, 1)
      assert.is(await f.cache.refresh(7), '7@2', 'a refresh of arguments never called stores them too')
      assert.is(await f(7), '7@2')
      assert.is(calls, 3)
    })

    test('should leave the entry as it was when a refresh fails, and give the error to the caller', async () => {
      let fail = false
      let calls = 0
      const f = make((n: number) => {
        calls++
        if (fail) throw new Error(`origin down for ${n}`)
        return n * 10
      }, options())
      assert.is(await f(3), 30)
      fail = true
      let error: Error | undefined
      try {
        await f.cache.refresh(3)
      } catch (e) {
        error = e as Error
      }
      assert.match(error?.message ?? '', /origin down for 3/)
      assert.is(await f(3), 30, 'the old entry is still there')
      assert.is(calls, 2)
    })

    test('should expire an entry: true when there was one, and the next call computes (or is served stale with a window)', async () => {
      const clock = new ManualClock()
      let version = 1
      let calls = 0
      const f = make((n: number) => (calls++, `${n}@${version}`), options({ clock }))
      assert.is(await f.cache.expire(1), false, 'no entry yet')
      assert.is(await f(1), '1@1')
      version = 2
      const expired = f.cache.expire(1)
      assert.is(isSync(expired), !async)
      assert.is(await expired, true)
      if (extra.staleWhileRevalidate) {
        const peeked = (await f.cache.peek(1)) as { value: unknown; status: string }
        assert.is(peeked.status, 'stale')
        assert.is(await f(1), '1@1', 'the stale value at once')
        await flush()
        assert.is(calls, 2, 'one refresh')
        assert.is(await f(1), '1@2')
        assert.is(f.cache.stats().stale, 1)
      } else {
        assert.is(await f.cache.peek(1), undefined, 'gone: no window to serve it in')
        assert.is(await f(1), '1@2', 'a miss: computed again')
        assert.is(calls, 2)
      }
    })

    test('should warm the argument lists without a fresh entry, a few at a time, and report the counts', async () => {
      let calls = 0
      let running = 0
      let most = 0
      const f = make(async (n: number) => {
        calls++
        running++
        most = Math.max(most, running)
        await new Promise((resolve) => setImmediate(resolve))
        running--
        if (n === 13) throw new Error('unlucky')
        return n * 2
      }, options())
      await f(1)
      assert.is(calls, 1)
      const report = await f.cache.warm([[1], [2], [3], [13], [4], [5]], { concurrency: 2 })
      assert.equal(report, { computed: 4, skipped: 1, failed: 1 })
      assert.is(calls, 6)
      assert.ok(most <= 2, `at most 2 at once, saw ${most}`)
      for (const n of [2, 3, 4, 5]) assert.is(await f(n), n * 2)
      assert.is(calls, 6, 'warmed entries are hits')
      const again = await f.cache.warm(new Set([[2], [6]]))
      assert.equal(again, { computed: 1, skipped: 1, failed: 0 }, 'any iterable')
    })

    test('should refuse warm arguments that are not argument lists, naming the value and the fix', async () => {
      const f = make((n: number) => n, options())
      const rejection = async (run: () => Promise<unknown>) => {
        try {
          await run()
        } catch (error) {
          return error as ValidationError
        }
        throw new Error('expected a rejection')
      }
      const notList = await rejection(() => f.cache.warm(5))
      assert.instance(notList, ValidationError)
      assert.match(
        notList.message,
        /warm\(argsList\)=5: expected an array \(or iterable\) of argument lists, e\.g\. f\.cache\.warm\(\[\[1\], \[2\]\]\)/,
      )
      const flat = await rejection(() => f.cache.warm([1, 2]))
      assert.match(
        flat.message,
        /warm\(argsList\)\[0\]=1: expected the arguments of one call as an array: f\.cache\.warm\(\[\[1\]\]\) warms f\(1\)/,
      )
      const concurrency = await rejection(() => f.cache.warm([[1]], { concurrency: 0 }))
      assert.match(concurrency.message, /warm concurrency=0: expected a whole number ≥ 1/)
      const unknown = await rejection(() => f.cache.warm([[1]], { parallel: 2 }))
      assert.match(unknown.message, /warm options\.parallel=2: unknown option/)
    })

    test('should follow tags in peek: an invalidated entry is not there, a revalidated one is stale (with a window)', async () => {
      const tag = uniqueTag('handle')
      let calls = 0
      const f = make((n: number) => (calls++, n + calls), options({ tags: [tag] }))
      assert.is(await f(1), 2)
      await revalidateTag(tag)
      const after = (await f.cache.peek(1)) as { status: string } | undefined
      if (extra.staleWhileRevalidate) assert.is(after?.status, 'stale')
      else assert.is(after, undefined)
      assert.is(f.cache.stats().invalidations, 0, 'a peek counts nothing')
      await f(1)
      await flush()
      const fresh = (await f.cache.peek(1)) as { status: string } | undefined
      assert.is(fresh?.status, 'fresh')
      await invalidateTag(tag)
      assert.is(await f.cache.peek(1), undefined)
    })

    test.run()
  }
}

const other = suite('handle operations: methods, cacheTag, disabled, concurrency')

other('should refresh and warm a per-instance method cache through bind(instance), with its `this`', async () => {
  class Prices {
    constructor(public rate: number) {}
    of(amount: number): number {
      return amount * this.rate
    }
  }
  Prices.prototype.of = cachedMethod(mcache, Prices.prototype.of, { maxsize: 10 })
  const a = new Prices(2)
  const b = new Prices(3)
  assert.is(a.of(5), 10)
  assert.is(b.of(5), 15)
  const handle = (Prices.prototype.of as unknown as { cache: Handle & { bind(self: unknown): Handle } }).cache
  a.rate = 4
  assert.is(handle.bind(a).refresh(5), 20, 'computed with the instance as `this`')
  assert.is(a.of(5), 20)
  assert.is(b.of(5), 15, 'the other instance is untouched')
  assert.equal(handle.peek(5), { value: 20, status: 'fresh' }, 'unbound: the first instance that has it')
  assert.is(handle.expire(5), true, 'unbound: every instance')
  assert.is(handle.bind(b).peek(5), undefined)
  assert.throws(() => handle.refresh(5), /keeps one cache per instance.*bind\(instance\)\.refresh/)
  let refused: Error | undefined
  await handle.warm([[1]]).catch((e: Error) => (refused = e))
  assert.match(refused?.message ?? '', /bind\(instance\)\.warm/)
  assert.equal(await handle.bind(b).warm([[1], [2]]), { computed: 2, skipped: 0, failed: 0 })
  assert.is(handle.bind(b).peek(2)?.toString(), '[object Object]')
  assert.equal(handle.bind(b).peek(2), { value: 6, status: 'fresh' })
})

other('should expire an entry that asked for windows with cacheLife, in a cache without windows of its own', async () => {
  const { cacheLife } = await import('../src/runtime/index.js')
  const clock = new ManualClock()
  let calls = 0
  const f = mcache(
    (n: number) => {
      calls++
      cacheLife({ ttl: 100, staleWhileRevalidate: 100 })
      return n + calls
    },
    { clock },
  )
  assert.is(f(1), 2)
  assert.is(f.cache.expire(1), true)
  assert.equal(f.cache.peek(1), { value: 2, status: 'stale' })
  assert.is(f(1), 2, 'stale at once')
  await flush()
  assert.is(f(1), 3)
})

other('should let concurrent calls join a refresh of a persistent async cache, and run it after a call in flight', async () => {
  let calls = 0
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const f = bcache(
    async (n: number) => {
      calls++
      if (calls === 1) await gate
      return `${n}:${calls}`
    },
    { cacheDir: freshDir(), name: 'handle-ops-inflight' },
  )
  const first = f(1)
  const refreshed = f.cache.refresh(1)
  const joined = f(1)
  release()
  assert.is(await first, '1:1')
  assert.is(await refreshed, '1:2', 'the refresh ran after the call in flight, so it stored last')
  assert.is(await joined, '1:2', 'a call during the refresh joined it')
  assert.is(await f(1), '1:2')
  assert.is(calls, 2)
})

other('should find nothing, compute on refresh and warm nothing when caching is disabled', async () => {
  process.env.TWAT_CACHE_DISABLE = '1'
  try {
    let calls = 0
    const f = mcache((n: number) => (calls++, n * 3))
    const g = acache(async (n: number) => n)
    assert.is(f.cache.engine, 'disabled')
    assert.is(f(1), 3)
    assert.is(f.cache.peek(1), undefined)
    assert.is(f.cache.expire(1), false)
    assert.is(f.cache.refresh(2), 6)
    assert.is(calls, 2)
    assert.equal(await f.cache.warm([[1], [2]]), { computed: 0, skipped: 0, failed: 0 })
    assert.is(calls, 2)
    assert.is(await g.cache.peek(1), undefined)
    assert.is(await g.cache.refresh(4), 4)
    let refused: Error | undefined
    await f.cache.warm('nope' as never).catch((e: Error) => (refused = e))
    assert.instance(refused, ValidationError)
  } finally {
    delete process.env.TWAT_CACHE_DISABLE
  }
})

other('should treat arguments that cannot be keyed as having no entry, and refresh them uncached', async () => {
  let calls = 0
  const f = mcache((cb: () => number) => (calls++, cb()))
  const callback = () => 7
  assert.is(f.cache.peek(callback), undefined)
  assert.is(f.cache.expire(callback), false)
  assert.is(f.cache.refresh(callback), 7)
  assert.is(f.cache.stats().bypassed, 1)
  assert.equal(await f.cache.warm([[callback]]), { computed: 0, skipped: 0, failed: 1 })
  assert.is(calls, 1)
})

other.after(() => rmSync(root, { recursive: true, force: true }))
other.run()
