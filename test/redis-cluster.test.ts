/**
 * acache (and ucache on a shared store) on a real three-master Redis Cluster, through @keyv/redis's cluster
 * support: `store: new KeyvRedis(createCluster({ rootNodes, defaults }))`, as the README's "Redis deployments" shows.
 * Hits, misses, tags, leases, and a master killed: calls keep returning correct values, computed, with bounded
 * latency.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import KeyvRedis, { createCluster } from '@keyv/redis'
import { acache, invalidateTag, ucache } from '../src/runtime/index.js'
import { OPERATION_TIMEOUT_MS } from '../src/runtime/engines/async/keyv/engine.js'
import { startRedisCluster, type TestCluster } from './support/redis-cluster.js'

const test = suite('acache on a Redis Cluster', { timeoutMs: 120_000 })

let cluster: TestCluster
let names = 0
test.before(async () => {
  cluster = await startRedisCluster()
})
test.after(async () => {
  // At the end, not after each test: invalidateTag writes through every store a tagged cache used, which would
  // connect a closed one again.
  for (const s of stores.splice(0)) await s.disconnect(true).catch(() => undefined)
  await cluster.stop()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The store the README recommends for a cluster: commands fail at once while a node is unreachable. */
function clusterStore() {
  const client = createCluster({
    rootNodes: cluster.rootNodes.map((n) => ({ url: n.url })),
    defaults: { disableOfflineQueue: true, socket: { connectTimeout: 1000, reconnectStrategy: () => 500 } },
  })
  return new KeyvRedis(client, { throwOnConnectError: true, throwOnErrors: true })
}

const stores: KeyvRedis<unknown>[] = []
function store() {
  const s = clusterStore()
  stores.push(s)
  return s
}

test('hits and misses: many keys spread over the three masters', async () => {
  let runs = 0
  const square = acache(
    async (x: number) => {
      runs++
      return x * x
    },
    { store: store(), name: `square-${++names}` },
  )
  const keys = Array.from({ length: 30 }, (_, i) => i)
  assert.equal(
    await Promise.all(keys.map((k) => square(k))),
    keys.map((k) => k * k),
  )
  assert.is(runs, 30)
  assert.equal(
    await Promise.all(keys.map((k) => square(k))),
    keys.map((k) => k * k),
  )
  assert.is(runs, 30, 'every key is a hit the second time')
  assert.is(square.cache.engine, 'keyv:redis')
  const stats = square.cache.stats()
  assert.is(stats.hits, 30)
  assert.is(stats.errors, 0)
})

test('ucache on the cluster store: a second cache (another process) finds the entries', async () => {
  const name = `shared-${++names}`
  let runs = 0
  const fn = async (x: number) => {
    runs++
    return { x }
  }
  const first = ucache(fn, { store: store(), name })
  const second = ucache(fn, { store: store(), name })
  assert.equal(await first(7), { x: 7 })
  assert.equal(await second(7), { x: 7 })
  assert.is(runs, 1)
})

test('tags: invalidateTag reaches entries whose tag keys live in other hash slots', async () => {
  const name = `tagged-${++names}`
  let runs = 0
  const fn = async (x: number) => {
    runs++
    return x + runs * 1000
  }
  // Several tags per entry, so the tag read is a multi-key read across slots (keyv groups it by slot).
  const tagged = acache(fn, { store: store(), name, tags: ['prices', 'eu', 'catalog-7'] })
  const other = acache(fn, { store: store(), name })
  const first = await tagged(1)
  assert.is(await tagged(1), first, 'a hit')
  await invalidateTag('eu')
  await sleep(5) // invalidation times are stamped at a later instant than the entry's creation
  const again = await other(1)
  assert.is.not(again, first, 'the entry was invalid for every cache on the store, so it was computed again')
  assert.is(runs, 2)
})

test('leases: two caches of one function compute a cold key once', async () => {
  const name = `leased-${++names}`
  let runs = 0
  const fn = async (x: number) => {
    runs++
    await sleep(300)
    return x * 2
  }
  const a = acache(fn, { store: store(), name })
  const b = acache(fn, { store: store(), name })
  assert.equal(await Promise.all([a(21), b(21), a(22), b(22)]), [42, 42, 44, 44])
  assert.is(runs, 2)
})

test('a master killed: calls keep returning correct values, computed, within a bound set by the operation timeout', async () => {
  const name = `survivor-${++names}`
  let runs = 0
  const fn = async (x: number) => {
    runs++
    return x * 3
  }
  const cached = acache(fn, { store: store(), name })
  const keys = Array.from({ length: 12 }, (_, i) => i)
  assert.equal(
    await Promise.all(keys.map((k) => cached(k))),
    keys.map((k) => k * 3),
  )
  await cluster.nodes[1]!.stop('SIGKILL')
  // Each call waits for the store at most one operation timeout per step (read, lease, write), then computes.
  const bound = 3 * OPERATION_TIMEOUT_MS + 2000
  for (let round = 0; round < 3; round++) {
    const started = performance.now()
    const values = await Promise.all(keys.map((k) => cached(k + 100)))
    const took = performance.now() - started
    assert.equal(
      values,
      keys.map((k) => (k + 100) * 3),
    )
    assert.ok(took < bound, `round ${round} took ${Math.round(took)} ms (bound ${bound} ms)`)
  }
  assert.ok(runs >= 12, 'the values after the kill were computed')
})

test.run()
