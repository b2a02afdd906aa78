import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { REPO_ROOT, runChild } from './support/child.js'
import { startRedis, type TestServer } from './support/servers.js'

// Children run the built runtime: `npx tsc -p tsconfig.build.json` (npm test builds first).
const ACACHE_URL = new URL('dist/runtime/caches/acache.js', `file://${REPO_ROOT}/`).href

const test = suite('acache across processes')

let redis: TestServer
test.before(async () => {
  redis = await startRedis()
})
test.after(async () => {
  await redis.stop()
})

/** A child that calls one Redis-cached function and prints what happened. It never closes the cache: an idle
 * connection must not keep the process alive. */
const sharedPrice = `
  import { acache } from ${JSON.stringify(ACACHE_URL)}
  let calls = 0
  const price = acache(async function price(sku) {
    calls++
    return { sku, computedBy: process.env.WHO }
  }, { url: process.env.REDIS_URL, name: 'shared-price' })
  const value = await price('sku-1')
  console.log(JSON.stringify({ calls, value, engine: price.cache.engine }))
`

test('should let a second process use the entry the first one stored in Redis', async () => {
  const first = await runChild(sharedPrice, { env: { REDIS_URL: redis.url, WHO: 'first' }, timeoutMs: 20_000 })
  assert.is(first.code, 0, first.stderr)
  assert.equal(JSON.parse(first.stdout), { calls: 1, value: { sku: 'sku-1', computedBy: 'first' }, engine: 'keyv:redis' })
  const second = await runChild(sharedPrice, { env: { REDIS_URL: redis.url, WHO: 'second' }, timeoutMs: 20_000 })
  assert.is(second.code, 0, second.stderr)
  assert.equal(JSON.parse(second.stdout), { calls: 0, value: { sku: 'sku-1', computedBy: 'first' }, engine: 'keyv:redis' })
})

/** Two caches that ask for a shared store whose package is hidden; prints engines, calls and warnings. */
const fallback = (options: string) => `
  import { acache } from ${JSON.stringify(ACACHE_URL)}
  const warnings = []
  process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }))
  let calls = 0
  const a = acache(async (x) => { calls++; return x }, { ...${options}, name: 'fallback-a' })
  const b = acache(async (x) => { calls++; return -x }, { ...${options}, name: 'fallback-b' })
  const before = a.cache.engine
  await a(1); await a(1); await b(1); await b(1)
  await new Promise((resolve) => setImmediate(resolve))
  console.log(JSON.stringify({ before, after: [a.cache.engine, b.cache.engine], calls, warnings }))
`

test('should run on the local store with one fallback warning when @keyv/redis is missing', async () => {
  const result = await runChild(fallback(`{ url: ${JSON.stringify(redis.url)} }`), { hide: ['@keyv/redis'] })
  assert.is(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  assert.is(out.before, 'keyv:redis', 'before the first call, the engine it means to use')
  assert.equal(out.after, ['memory-async', 'memory-async'])
  assert.is(out.calls, 2, 'the local store caches')
  const fallbacks = out.warnings.filter((w: { code: string }) => w.code === 'TWAT_CACHE_FALLBACK')
  assert.is(fallbacks.length, 1)
  assert.match(fallbacks[0].message, /@keyv\/redis/)
  assert.match(fallbacks[0].message, /npm install keyv @keyv\/redis/)
  assert.is(out.warnings.length, 1, 'no other warning')
})

test('should fall back with one warning naming keyv when keyv itself is missing', async () => {
  const result = await runChild(fallback(`{ preferredEngine: 'keyv' }`), { hide: ['keyv'] })
  assert.is(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  assert.equal(out.after, ['memory-async', 'memory-async'])
  assert.is(out.calls, 2)
  const fallbacks = out.warnings.filter((w: { code: string }) => w.code === 'TWAT_CACHE_FALLBACK')
  assert.is(fallbacks.length, 1)
  assert.match(fallbacks[0].message, /npm install keyv/)
})

test.run()
