import { createCacheConfig } from '../src/runtime/options/config.js'
import { createMemoryEngine } from '../src/runtime/engines/memory/chain.js'
import { createLruEngine } from '../src/runtime/engines/memory/lru.js'
import { createMapEngine } from '../src/runtime/engines/memory/map.js'
import { engineContractSuite, fromMemoryEngine } from './support/engine-contract.js'

const viaChain = (policy: 'lru' | 'fifo' | 'lfu' | 'rr' | 'mru') =>
  engineContractSuite(
    `memory ${policy}`,
    (limits, counters) =>
      fromMemoryEngine(
        createMemoryEngine(
          createCacheConfig({
            policy,
            maxsize: limits.maxsize ?? null,
            ttl: limits.ttlMs ? `${limits.ttlMs}ms` : null,
            clock: limits.clock,
          }),
          { counters, clock: limits.clock },
        ),
      ),
    { ttl: policy === 'lru' || policy === 'fifo', maxsize: true, eviction: policy === 'rr' ? 'any' : policy },
  )

viaChain('lru').run()
viaChain('fifo').run()
viaChain('lfu').run()
viaChain('rr').run()
viaChain('mru').run()

engineContractSuite(
  'lru-cache engine, unbounded with ttl',
  (limits, counters) =>
    fromMemoryEngine(
      createLruEngine({ maxsize: limits.maxsize, ttlMs: limits.ttlMs || 60_000, fifo: false }, { counters, clock: limits.clock }),
    ),
  { ttl: true, maxsize: true, eviction: 'lru' },
).run()

engineContractSuite(
  'built-in Map store',
  (limits, counters) => fromMemoryEngine(createMapEngine(limits.maxsize, limits.ttlMs, { counters, clock: limits.clock })),
  { ttl: true, maxsize: true, eviction: 'fifo' },
).run()
