/**
 * The memory tier (L1, the `memory` option): a bcache hit answered from memory against an mcache hit (the goal:
 * ≤ 1.5×) and a bcache hit without the tier (a SQLite read); an acache hit on Redis answered from memory (the goal:
 * ≤ 1 µs), against bentocache 1.6's tiered get on an L1 hit and an acache hit that goes to Redis. 1,000 warm
 * string keys in random order, every key cached and read once from the store before timing, so only tier hits are
 * measured. A redis-server is started on a free loopback port for the Redis contenders.
 *
 * bentocache's Redis driver needs ioredis, which is not installed here: its tiered store runs with a memory L1 and
 * its file driver as L2. An L1 hit reaches neither L2 nor the bus, so that is the path its tiered get takes on a hit.
 */
import { spawn } from 'node:child_process'
import net from 'node:net'
import { importBuilt, importPeer, Skip, temporaryFolder } from './harness/built.mjs'
import { loopOne, loopOneAsync, randomOrder } from './harness/measure.mjs'

export const title = 'memory tier (L1) hits'
/** Processes per contender: the hits are tens to hundreds of ns, as noisy as mcache's. */
export const processes = 4

const KEYS = 1000
const valueFor = (k) => ({ id: k.length, name: k, price: 9.99 })
const keys = Array.from({ length: KEYS }, (_, i) => `sku-${i}`)
const order = randomOrder(1000, KEYS)

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** A redis-server for this process on a free port, killed at exit; Skip when it is not installed. */
async function redisServer() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const failed = new Promise((_, reject) => child.once('error', () => reject(new Skip('redis-server is not installed'))))
  process.once('exit', () => child.kill('SIGKILL'))
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      const ok = await new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1')
        socket.once('connect', () => (socket.destroy(), resolve(true)))
        socket.once('error', () => resolve(false))
      })
      if (ok) return `redis://127.0.0.1:${port}`
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error('redis-server did not start')
  })()
  return Promise.race([ready, failed])
}

/** Call every key twice (computed and stored, then read back from the store into the tier). */
function warmSync(cached) {
  for (const k of keys) cached(k)
  for (const k of keys) cached(k)
}

async function warmAsync(cached) {
  for (const k of keys) await cached(k)
  for (const k of keys) await cached(k)
}

/** The bus must be trusted (a heartbeat came back) before the tier answers: wait for the first tier hit. */
async function tierTrusted(cached, key) {
  for (let i = 0; i < 500; i++) {
    const before = cached.cache.stats().l1Hits
    await cached(key)
    if (cached.cache.stats().l1Hits > before) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the memory tier never answered')
}

export const contenders = {
  'mcache hit': {
    vs: 'mcache hit',
    async setup() {
      const { mcache } = await importBuilt('index.js')
      const cached = mcache(valueFor, { maxsize: 2000 })
      warmSync(cached)
      return { body: loopOne((k) => cached(k).id, keys, order), ops: order.length }
    },
  },
  'bcache hit, memory tier': {
    vs: 'mcache hit',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-l1', memory: { maxsize: 2000 } })
      if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}, not better-sqlite3`)
      warmSync(cached)
      return { body: loopOne((k) => cached(k).id, keys, order), ops: order.length }
    },
  },
  'bcache hit, no memory tier': {
    vs: 'mcache hit',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-no-l1' })
      warmSync(cached)
      return { body: loopOne((k) => cached(k).id, keys, order), ops: order.length }
    },
  },
  'acache hit, default store (awaited)': {
    vs: 'acache hit, default store (awaited)',
    async setup() {
      const { acache } = await importBuilt('index.js')
      const cached = acache(async (k) => valueFor(k), { maxsize: 2000 })
      await warmAsync(cached)
      return { body: loopOneAsync(async (k) => (await cached(k)).id, keys, order), ops: order.length, async: true }
    },
  },
  'acache on Redis hit, memory tier (awaited)': {
    vs: 'acache hit, default store (awaited)',
    async setup() {
      const url = await redisServer()
      const { acache } = await importBuilt('index.js')
      const cached = acache(async (k) => valueFor(k), { url, name: 'bench-l1-redis', memory: { maxsize: 2000 } })
      await tierTrusted(cached, keys[0])
      await warmAsync(cached)
      if (cached.cache.engine !== 'keyv:redis') throw new Error(`acache runs on ${cached.cache.engine}, not keyv:redis`)
      return { body: loopOneAsync(async (k) => (await cached(k)).id, keys, order), ops: order.length, async: true }
    },
  },
  'bentocache tiered get, L1 hit (awaited)': {
    vs: 'acache hit, default store (awaited)',
    async setup() {
      const { BentoCache, bentostore } = await importPeer('bentocache')
      const { memoryDriver } = await importPeer('bentocache/drivers/memory')
      const { fileDriver } = await importPeer('bentocache/drivers/file')
      const bento = new BentoCache({
        default: 'tiered',
        stores: {
          tiered: bentostore()
            .useL1Layer(memoryDriver({ maxItems: 2000 }))
            .useL2Layer(fileDriver({ directory: temporaryFolder() })),
        },
      })
      for (const k of keys) await bento.set({ key: k, value: valueFor(k), ttl: '1h' })
      for (const k of keys) await bento.get({ key: k })
      return { body: loopOneAsync(async (k) => (await bento.get({ key: k })).id, keys, order), ops: order.length, async: true }
    },
  },
  'acache on Redis hit, no memory tier (awaited)': {
    vs: 'acache hit, default store (awaited)',
    async setup() {
      const url = await redisServer()
      const { acache } = await importBuilt('index.js')
      const cached = acache(async (k) => valueFor(k), { url, name: 'bench-redis' })
      await warmAsync(cached)
      // A round trip per hit: 100 of the 1,000 keys per body, or one measurement takes seconds.
      return { body: loopOneAsync(async (k) => (await cached(k)).id, keys, order.slice(0, 100)), ops: 100, async: true }
    },
  },
}

export function goals(results, { ratioGoal, limitGoal }) {
  return [
    ratioGoal(results, { goal: 'bcache hit, memory tier', subject: 'bcache hit, memory tier', baseline: 'mcache hit', max: 1.5 }),
    limitGoal(results, {
      goal: 'acache on Redis, memory tier hit',
      subject: 'acache on Redis hit, memory tier (awaited)',
      max: 1000,
      reference: 'bentocache tiered get, L1 hit (awaited)',
    }),
  ]
}
