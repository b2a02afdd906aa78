// cacheLife inside a computation: Next.js's profiles mean what they mean there (revalidate is the ttl, expire the
// end of the stale window), and anything else it is given is a clear error rather than a silent no-op.
import * as assert from 'uvu/assert'
import { cacheLife, mcache, ValidationError } from '../src/runtime/index.js'
import { ManualClock } from './support/manual-clock.js'
import { suite } from './support/suite.js'

const test = suite('cacheLife')

test("should give the 'hours' profile a ttl of an hour and a stale window to a day, as Next.js does", async () => {
  const clock = new ManualClock()
  let calls = 0
  const f = mcache((n: number) => (calls++, cacheLife('hours'), n + calls), { clock })
  assert.is(f(1), 2)
  clock.advance(59 * 60_000)
  assert.equal(f.cache.peek(1), { value: 2, status: 'fresh' }, 'revalidate: 1 hour')
  clock.advance(2 * 60_000)
  assert.equal(f.cache.peek(1), { value: 2, status: 'stale' })
  clock.advance(23 * 3_600_000)
  assert.is(f.cache.peek(1), undefined, 'expire: 1 day')
})

test('should refuse what it cannot honour, naming the value and the way to write it', () => {
  const f = mcache((life: unknown) => (cacheLife(life as never), 1))
  const message = (life: unknown) => {
    try {
      f(life)
    } catch (error) {
      assert.instance(error, ValidationError)
      return (error as Error).message
    }
    throw new Error('expected a ValidationError')
  }
  assert.match(
    message({ revalidate: 60, expire: 3600 }),
    /cacheLife revalidate=60: cacheLife takes \{ ttl, staleWhileRevalidate, staleIfError \}; Next\.js's \{ revalidate, expire \} is \{ ttl: revalidate, staleWhileRevalidate: expire - revalidate \}/,
  )
  assert.match(
    message('default'),
    /cacheLife="default": expected a duration .* or a profile \(seconds, minutes, hours, days, weeks, max\); Next\.js's default profile is the cache's own options here/,
  )
  assert.match(message('fortnight'), /cacheLife="fortnight": expected a duration/)
  assert.match(message({ ttl: -1 }), /cacheLife ttl=-1/)
})

test.run()
