import { systemClock } from '../src/runtime/platform/clock.js'
import Keyv from 'keyv'
import { createCacheConfig } from '../src/runtime/options/config.js'
import type { AsyncEngine } from '../src/runtime/engines/contract.js'
import { openKeyvEngine } from '../src/runtime/engines/async/keyv/connections.js'
import type { KeyvTarget } from '../src/runtime/engines/async/keyv/target.js'
import { createMemoryAsyncEngine } from '../src/runtime/engines/async/memory-async.js'
import { engineContractSuite, fromAsyncEngine } from './support/engine-contract.js'
import { startMemcached, startRedis, type TestServer } from './support/servers.js'

let slices = 0

/** A keyv engine on its own slice of the store (a fresh function id), so contract tests never see each other. */
async function keyvEngine(target: KeyvTarget, ttlMs: number): Promise<AsyncEngine> {
  const opened = await openKeyvEngine(target, { id: `contract-${process.pid}-${++slices}`, ttlMs })
  if ('missing' in opened) throw opened.error
  return opened.engine
}

engineContractSuite(
  'memory-async (the local store of acache)',
  (limits, counters) =>
    fromAsyncEngine(
      createMemoryAsyncEngine(createCacheConfig({ maxsize: limits.maxsize, ttl: limits.ttlMs ? `${limits.ttlMs}ms` : null }), { counters, clock: systemClock }),
    ),
  { ttl: true, maxsize: true, eviction: 'lru' },
).run()

engineContractSuite('keyv memory store (new Keyv())', async (limits) => fromAsyncEngine(await keyvEngine({ kind: 'memory' }, limits.ttlMs)), {
  ttl: true,
  maxsize: false,
  eviction: 'any',
}).run()

// A Keyv instance passed as `store` is shared with its owner: clear() must only remove acache's own keys.
const shared = new Keyv()
engineContractSuite(
  'keyv instance passed as store',
  async (limits) => fromAsyncEngine(await keyvEngine({ kind: 'instance', keyv: shared }, limits.ttlMs)),
  { ttl: true, maxsize: false, eviction: 'any' },
).run()

let redis: TestServer | undefined
const redisSuite = engineContractSuite(
  'keyv redis (real redis-server)',
  async (limits) => fromAsyncEngine(await keyvEngine({ kind: 'redis', url: redis!.url }, limits.ttlMs)),
  { ttl: true, maxsize: false, eviction: 'any' },
)
redisSuite.before(async () => {
  redis = await startRedis()
})
redisSuite.after(async () => {
  await redis?.stop()
})
redisSuite.run()

let memcached: TestServer | undefined
const memcacheSuite = engineContractSuite(
  'keyv memcache (real memcached)',
  async (limits) => fromAsyncEngine(await keyvEngine({ kind: 'memcache', url: memcached!.url }, limits.ttlMs)),
  // memcached counts ttl in whole seconds.
  { ttl: true, maxsize: false, eviction: 'any', ttlMs: 1100 },
)
memcacheSuite.before(async () => {
  memcached = await startMemcached()
})
memcacheSuite.after(async () => {
  await memcached?.stop()
})
memcacheSuite.run()
