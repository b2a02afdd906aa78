/**
 * What a lease adds to a miss (README, "One computation per key"): a leased miss against an unleased one
 * (`lock: false`), in the same process, on bcache (SQLite) and on acache over Redis. Each miss is a cold key,
 * computed by a function that returns at once, so the difference is the lease alone.
 *
 * - bcache: write transactions per miss, counted as commit frames in the WAL (checkpoints held off with
 *   `wal_autocheckpoint = 0` on the cache's own connection: every commit appends one commit frame), and time per miss.
 * - Redis: commands per miss (`INFO commandstats` before and after; it also counts the GET and DEL the release
 *   script runs inside Redis), round trips per miss (client → server flushes, counted by a TCP proxy in front of
 *   redis-server: what a client sends in one turn arrives as one chunk), and time on a direct connection.
 *
 * Misses run one after another (each awaited), so no two misses share a flush. A redis-server that cannot be
 * started skips the Redis half with the reason.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { importBuilt, importPeer, temporaryFolder } from './harness/built.mjs'
import { QUICK } from './harness/measure.mjs'

export const title = 'leases: a leased miss against an unleased one'

const MISSES = QUICK ? 200 : 2000
const ROUNDS = QUICK ? 1 : 3

/** Commit frames in a WAL file: frames of the current salt whose "database size after commit" field is not 0. */
function commitFrames(walFile) {
  let wal
  try {
    wal = readFileSync(walFile)
  } catch {
    return 0
  }
  if (wal.length < 32) return 0
  const pageSize = wal.readUInt32BE(8)
  const salt1 = wal.readUInt32BE(16)
  const salt2 = wal.readUInt32BE(20)
  let commits = 0
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break // an older generation
    if (wal.readUInt32BE(at + 4) !== 0) commits++
  }
  return commits
}

async function bcacheMisses(bcache, lock, round) {
  const dir = temporaryFolder()
  const cached = bcache((x) => x * 2, { cacheDir: dir, name: `misses-${lock}-${round}`, version: '1', lock })
  cached(-1) // open, and prepare the statements
  const db = cached.cache.store
  db.pragma('wal_autocheckpoint = 0')
  db.pragma('wal_checkpoint(TRUNCATE)')
  const wal = `${cached.cache.path}-wal`
  const before = commitFrames(wal)
  const t0 = performance.now()
  for (let i = 0; i < MISSES; i++) cached(i)
  const us = ((performance.now() - t0) * 1000) / MISSES
  const transactions = (commitFrames(wal) - before) / MISSES
  return { us, transactions, file: path.basename(cached.cache.path) }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address())
      server.close(() => resolve(port))
    })
  })
}

async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const failed = new Promise((_, reject) => child.once('error', reject))
  for (let i = 0; i < 200; i++) {
    const up = await Promise.race([
      failed,
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy()
          resolve(true)
        })
        socket.once('error', () => resolve(false))
      }),
    ])
    if (up) return { port, stop: () => child.kill('SIGKILL') }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  child.kill('SIGKILL')
  throw new Error('redis-server did not start')
}

/** A proxy that counts the chunks clients send: one per flush of the client's socket, i.e. one per round trip. */
async function countingProxy(target) {
  const counter = { chunks: 0 }
  const server = net.createServer((client) => {
    const upstream = net.connect(/** @type {number} */ (target), '127.0.0.1')
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk) => {
      counter.chunks++
      upstream.write(chunk)
    })
    upstream.pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  return { port: /** @type {net.AddressInfo} */ (server.address()).port, counter, close: () => server.close() }
}

async function commandCount(client) {
  const info = await client.info('commandstats')
  let calls = 0
  for (const match of info.matchAll(/calls=(\d+)/g)) calls += Number(match[1])
  return calls
}

/** Commands and round trips per miss through the counting proxy; time per miss on a direct connection. */
async function redisMisses(acache, admin, proxy, direct, lock, round) {
  const counted = acache(async (x) => x * 2, { url: `redis://127.0.0.1:${proxy.port}`, name: `counted-${lock}-${round}`, lock })
  await counted(-1) // connect
  const chunks = proxy.counter.chunks
  const commands = await commandCount(admin)
  for (let i = 0; i < MISSES; i++) await counted(i)
  const roundTrips = (proxy.counter.chunks - chunks) / MISSES
  // INFO itself is one command, counted in the second reading.
  const perMiss = ((await commandCount(admin)) - commands - 1) / MISSES
  await counted.cache.close()
  const timed = acache(async (x) => x * 2, { url: `redis://127.0.0.1:${direct}`, name: `timed-${lock}-${round}`, lock })
  await timed(-1)
  const t0 = performance.now()
  for (let i = 0; i < MISSES; i++) await timed(i)
  const us = ((performance.now() - t0) * 1000) / MISSES
  await timed.cache.close()
  return { us, roundTrips, commands: perMiss }
}

export async function measureAll() {
  const { bcache, acache } = await importBuilt('index.js')
  const results = {}
  const notes = [
    `${MISSES} cold keys per series, one after another, in one process; the function returns at once; best of ${ROUNDS} interleaved rounds.`,
  ]

  // Interleaved rounds, the best time of each kind: the machine's load moves between rounds, and the first round
  // also warms the JIT up.
  const best = async (measure) => {
    const rounds = []
    for (let r = 0; r < ROUNDS; r++) rounds.push([await measure(false, r), await measure(true, r)])
    const pick = (i) => rounds.map((round) => round[i]).reduce((a, b) => (b.us < a.us ? b : a))
    return [pick(0), pick(1)]
  }
  const [unleased, leased] = await best((lock, r) => bcacheMisses(bcache, lock, r))
  results['bcache miss, lock: false'] = {
    value: unleased.us,
    unit: 'µs',
    detail: `${unleased.transactions.toFixed(2)} write transactions per miss`,
  }
  results['bcache miss, leased'] = { value: leased.us, unit: 'µs', detail: `${leased.transactions.toFixed(2)} write transactions per miss` }
  results['bcache: write transactions a lease adds'] = {
    value: leased.transactions - unleased.transactions,
    unit: 'per miss',
    detail: 'WAL commit frames',
  }
  results['bcache: leased ÷ unleased miss time'] = { value: leased.us / unleased.us, unit: '×', detail: '' }

  let redis
  try {
    redis = await startRedis()
  } catch (error) {
    results['Redis'] = { skip: `redis-server could not be started (${error.message})` }
    return { results, notes }
  }
  const proxy = await countingProxy(redis.port)
  const { createClient } = await importPeer('@keyv/redis')
  const admin = createClient({ url: `redis://127.0.0.1:${redis.port}` })
  await admin.connect()
  try {
    const [plain, withLease] = await best((lock, r) => redisMisses(acache, admin, proxy, redis.port, lock, r))
    results['acache on Redis miss, lock: false'] = {
      value: plain.us,
      unit: 'µs',
      detail: `${plain.roundTrips.toFixed(2)} round trips, ${plain.commands.toFixed(2)} commands per miss`,
    }
    results['acache on Redis miss, leased'] = {
      value: withLease.us,
      unit: 'µs',
      detail: `${withLease.roundTrips.toFixed(2)} round trips, ${withLease.commands.toFixed(2)} commands per miss`,
    }
    results['Redis: round trips a lease adds'] = {
      value: withLease.roundTrips - plain.roundTrips,
      unit: 'per miss',
      detail: 'client flushes seen by a proxy',
    }
    results['Redis: leased ÷ unleased miss time'] = { value: withLease.us / plain.us, unit: '×', detail: 'direct connection' }
  } finally {
    await admin.quit()
    proxy.close()
    redis.stop()
  }
  return { results, notes }
}

export function goals(results, { limitGoal }) {
  return [
    limitGoal(results, {
      goal: 'a leased bcache miss adds ≤ 1 write transaction',
      subject: 'bcache: write transactions a lease adds',
      max: 1,
      unit: 'per miss',
    }),
    limitGoal(results, {
      goal: 'a leased Redis miss adds ≤ 1 round trip',
      subject: 'Redis: round trips a lease adds',
      max: 1,
      unit: 'per miss',
    }),
  ]
}
