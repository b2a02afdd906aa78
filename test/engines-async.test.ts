import Keyv from 'keyv'
import { createCacheConfig } from '../src/runtime/options/config.js'
import type { AsyncEngine } from '../src/runtime/engines/contract.js'
import { openKeyvEngine } from '../src/runtime/engines/async/keyv/connections.js'
import type { KeyvTarget } from '../src/runtime/engines/async/keyv/target.js'
import { createMemoryAsyncEngine } from '../src/runtime/engines/async/memory-async.js'
import { engineContractSuite, fromAsyncEngine, type ContractLimits } from './support/engine-contract.js'
import type { CacheCounters } from '../src/runtime/report/stats.js'
import { startMemcached, startRedis, type TestServer } from './support/servers.js'

let slices = 0

/** A keyv engine on its own slice of the store (a fresh function id), so contract tests never see each other. */
async function keyvEngine(target: KeyvTarget, limits: ContractLimits, counters: CacheCounters): Promise<AsyncEngine> {
  const opened = await openKeyvEngine(
    target,
    { id: `contract-${process.pid}-${++slices}`, ttlMs: limits.ttlMs },
    { counters, clock: limits.clock },
  )
  if ('missing' in opened) throw opened.error
  return opened.engine
}

engineContractSuite(
  'memory-async (the local store of acache)',
  (limits, counters) =>
    fromAsyncEngine(
      createMemoryAsyncEngine(
        createCacheConfig({ maxsize: limits.maxsize, ttl: limits.ttlMs ? `${limits.ttlMs}ms` : null, clock: limits.clock }),
        { counters, clock: limits.clock },
      ),
      limits,
    ),
  { ttl: true, maxsize: true, eviction: 'lru' },
).run()

// keyv's own expiry reads Date.now(): the ttl test points it at its clock.
engineContractSuite(
  'keyv memory store (new Keyv())',
  async (limits, counters) => fromAsyncEngine(await keyvEngine({ kind: 'memory' }, limits, counters), limits),
  { ttl: true, maxsize: false, eviction: 'any', time: 'date-now' },
).run()

// A Keyv instance passed as `store` is shared with its owner: clear() must only remove acache's own keys.
const shared = new Keyv()
engineContractSuite(
  'keyv instance passed as store',
  async (limits, counters) => fromAsyncEngine(await keyvEngine({ kind: 'instance', keyv: shared }, limits, counters), limits),
  { ttl: true, maxsize: false, eviction: 'any', time: 'date-now' },
).run()

let redis: TestServer | undefined
const redisSuite = engineContractSuite(
  'keyv redis (real redis-server)',
  async (limits, counters) => fromAsyncEngine(await keyvEngine({ kind: 'redis', url: redis!.url }, limits, counters), limits),
  // Redis owns time and expires to the millisecond: a 1 s ttl leaves a wide margin for the first read, 1.5 s of
  // waiting a certain expiry.
  { ttl: true, maxsize: false, eviction: 'any', time: { ttlMs: 1000, waitMs: 1500 } },
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
  async (limits, counters) => fromAsyncEngine(await keyvEngine({ kind: 'memcache', url: memcached!.url }, limits, counters), limits),
  // memcached counts ttl in whole seconds on a clock that ticks once a second: a 2 s ttl ends 1 to 2 s after the
  // write, so the first read has at least 1 s, and 3 s of waiting leaves 1 s for a late tick.
  { ttl: true, maxsize: false, eviction: 'any', time: { ttlMs: 2000, waitMs: 3000 } },
)
memcacheSuite.before(async () => {
  memcached = await startMemcached()
})
memcacheSuite.after(async () => {
  await memcached?.stop()
})
memcacheSuite.run()
