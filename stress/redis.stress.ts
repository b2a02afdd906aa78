// The reliability suite, Redis half (npm run stress): a redis-server killed mid-run and restarted on the same port,
// and a "black hole" server that accepts connections and never answers, each under 16 concurrent callers. Figures
// are printed; docs/reliability.md collects them. A missing redis-server fails the test (CI installs it).
import net from 'node:net'
import { suite } from '../test/support/suite.js'
import * as assert from 'uvu/assert'
import { startRedis } from '../test/support/servers.js'
import { acache } from '../src/runtime/caches/acache.js'
import { closeAllKeyvLinks } from '../src/runtime/engines/async/keyv/connections.js'
import { OPERATION_TIMEOUT_MS } from '../src/runtime/engines/async/keyv/engine.js'

const s = suite('reliability: redis', { timeoutMs: 120_000 })
s.after(() => closeAllKeyvLinks())

const CALLERS = 16
const KEYS = 20
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Call {
  started: number
  ended: number
  hit: boolean
  right: boolean
}

/** 16 callers calling `f` over KEYS keys until `until()` says stop, each pausing 2 ms between calls. */
async function hammer(f: (key: number) => Promise<{ key: number; at: number; v: string }>, until: () => boolean): Promise<Call[]> {
  const calls: Call[] = []
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; !until(); i++) {
        const key = (caller * 7 + i) % KEYS
        const started = performance.now()
        const value = await f(key)
        const ended = performance.now()
        // A hit returns a value computed before this call started.
        calls.push({ started, ended, hit: value.at < started, right: value.key === key && value.v === `value of ${key}` })
        await sleep(2)
      }
    }),
  )
  return calls
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN
}

s(
  'Redis killed mid-run and restarted on the same port: calls stay right, outage p99 within the operation timeout, hits back within 2 s',
  async () => {
    let redis = await startRedis()
    const port = redis.port
    let computed = 0
    const f = acache(async (key: number) => (computed++, { key, at: performance.now(), v: `value of ${key}` }), {
      url: redis.url,
      name: 'restart',
      ttl: '1m',
    })
    const t0 = performance.now()
    let killedAt = Number.NaN
    let restartedAt = Number.NaN
    let stop = false
    const run = hammer(f, () => stop)
    await sleep(1500)
    await redis.stop('SIGKILL')
    killedAt = performance.now()
    await sleep(2000)
    redis = await startRedis(port)
    restartedAt = performance.now()
    await sleep(4000)
    stop = true
    const calls = await run
    await redis.stop()
    await f.cache.close()
    const during = calls.filter((c) => c.started >= killedAt && c.started < restartedAt).map((c) => c.ended - c.started)
    const firstHitAfter = calls.filter((c) => c.started >= restartedAt && c.hit).reduce((min, c) => Math.min(min, c.ended), Infinity)
    const resumeMs = firstHitAfter - restartedAt
    const wrong = calls.filter((c) => !c.right).length
    const hitsBefore = calls.filter((c) => c.ended < killedAt && c.hit).length
    console.log(
      `  Redis restart, ${CALLERS} callers: ${calls.length} calls (${wrong} wrong, ${computed} computed), ${hitsBefore} hits before the kill; ` +
        `outage ${during.length} calls, p50 ${percentile(during, 50).toFixed(1)} ms, p99 ${percentile(during, 99).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms ` +
        `(operation timeout ${OPERATION_TIMEOUT_MS} ms); hits resumed ${resumeMs.toFixed(0)} ms after the restart (run ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    )
    assert.is(wrong, 0)
    assert.ok(hitsBefore > 0, 'hits before the kill')
    assert.ok(during.length > CALLERS, 'calls went on during the outage')
    assert.ok(percentile(during, 99) <= OPERATION_TIMEOUT_MS, `outage p99 ${percentile(during, 99)} ms`)
    assert.ok(resumeMs <= 2000, `hits resumed ${resumeMs} ms after the restart`)
  },
)

s('a "black hole" Redis (accepts, never answers): latency should stay bounded and calls right', async () => {
  const sockets = new Set<net.Socket>()
  const hole = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve))
  const { port } = hole.address() as net.AddressInfo
  const f = acache(async (key: number) => ({ key, at: performance.now(), v: `value of ${key}` }), {
    url: `redis://127.0.0.1:${port}`,
    name: 'hole',
  })
  const warnings: string[] = []
  const listener = (w: Error & { code?: string }) => warnings.push(w.code ?? '')
  process.on('warning', listener)
  const t0 = performance.now()
  let stop = false
  const run = hammer(f, () => stop)
  await sleep(6000)
  stop = true
  const calls = await run
  process.off('warning', listener)
  await f.cache.close()
  closeAllKeyvLinks()
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => hole.close(resolve))
  const latencies = calls.map((c) => c.ended - c.started)
  const wrong = calls.filter((c) => !c.right).length
  console.log(
    `  black hole, ${CALLERS} callers for ${((performance.now() - t0) / 1000).toFixed(1)} s: ${calls.length} calls (${wrong} wrong), ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(0)} ms; ${sockets.size} connections opened; warnings ${[...new Set(warnings)].join(', ')}`,
  )
  assert.is(wrong, 0)
  assert.ok(calls.length > CALLERS * 10, 'calls were not held up')
  assert.ok(percentile(latencies, 99) <= OPERATION_TIMEOUT_MS, `p99 ${percentile(latencies, 99)} ms`)
  assert.ok(Math.max(...latencies) <= OPERATION_TIMEOUT_MS + 1000, `max ${Math.max(...latencies)} ms`)
  assert.ok(warnings.includes('TWAT_CACHE_FAULT'))
})

s.run()
