// Signed and encrypted acache entries on a real redis-server: boxes rewritten on the server (moved to another key,
// replaced by a plain box) are refused, counted and warned about once; the cache's own boxes are hits.
import { createClient } from '@keyv/redis'
import { suite } from './support/suite.js'
import { captureWarnings, warningsDelivered } from './support/warnings.js'
import * as assert from 'uvu/assert'
import { acache } from '../src/runtime/caches/acache.js'
import { closeAllKeyvLinks } from '../src/runtime/engines/async/keyv/connections.js'
import { resetWarnings } from '../src/runtime/report/warnings.js'
import { startRedis, type TestServer } from './support/servers.js'

const test = suite('signed entries on redis-server')
let redis: TestServer
test.before(async () => {
  redis = await startRedis()
})
test.after(async () => {
  closeAllKeyvLinks()
  await redis.stop()
})

const SECRET = 'Zm9yIHRlc3RzIG9ubHk6IDMyIGJ5dGVzIG9mIGtleSEh'
const KEY = '8f1c2a7e5b3d9f0a4c6e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f1a'
const N = 10

test('should refuse boxes rewritten on the server and serve its own', async () => {
  await warningsDelivered()
  resetWarnings()
  const warnings = captureWarnings()
  const client = createClient({ url: redis.url })
  await client.connect()
  try {
    let calls = 0
    const lookup = async (n: number) => (calls++, { n, text: `redis-marker-${n}` })
    const f = acache(lookup, { url: redis.url, name: 'sealed-on-redis', secret: SECRET, encryptionKey: KEY })
    for (let i = 0; i < N; i++) assert.is((await f(i)).n, i)
    assert.is((await f(0)).text, 'redis-marker-0', 'a hit')
    assert.is(calls, N)
    const keys = (await client.keys('*')).filter((key) => key.includes('sealed-on-redis')).sort()
    assert.is(keys.length, N, keys.join(', '))
    const raw = await Promise.all(keys.map((key) => client.get(key)))
    for (const text of raw) assert.not.ok(text!.includes('redis-marker'), 'encrypted on the server')
    // Half moved to another key, half replaced by a plain box of the current format.
    const plain = JSON.stringify({ ...JSON.parse(raw[0]!), value: { '@': 2, v: { n: -1, text: 'planted' }, c: 0, f: 0, s: 0, e: 0 } })
    await Promise.all(keys.map((key, i) => client.set(key, i % 2 ? plain : raw[(i + 1) % N]!)))
    for (let i = 0; i < N; i++) assert.equal(await f(i), { n: i, text: `redis-marker-${i}` })
    assert.is(calls, 2 * N, 'every rewritten box was a miss')
    await warningsDelivered()
    assert.is(f.cache.stats().tampered, N, JSON.stringify([f.cache.stats(), warnings.seen]))
    const tampered = await warnings.of('TWAT_CACHE_TAMPERED')
    assert.is(tampered.length, 1, tampered.map((w) => w.message).join('\n'))
    assert.ok(tampered[0]!.message.includes(redis.url), tampered[0]!.message)
    await f.cache.close()
  } finally {
    warnings.stop()
    await client.quit()
  }
})

test.run()
