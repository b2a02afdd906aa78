/**
 * One computation per key across processes (call/leases.ts): eight child processes released by a real barrier call
 * one cold key at once, on one bcache folder and on one Redis server. Each computation appends a line (pid, start
 * time) to a shared file, so the test counts computations across processes, not per process.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RUNTIME_URL, runChild, type ChildResult } from './support/child.js'
import { createBarrier } from './support/barrier.js'
import { startRedis, type TestServer } from './support/servers.js'

const test = suite('leases across processes', { timeoutMs: 120_000 })
const CHILDREN = 8

let redis: TestServer
let dir: string
test.before(async () => {
  redis = await startRedis()
})
test.after(async () => {
  await redis.stop()
})
test.before.each(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'twat-leases-'))
})
test.after.each(() => {
  rmSync(dir, { recursive: true, force: true })
})

interface Spec {
  /** The cache call, e.g. `bcache(compute, { cacheDir, name: 'cold' })`; `compute` and `RUNS` are in scope. */
  readonly cache: string
  /** The body of `compute(x)`, after the run was recorded; `first` says whether it is the first run of all. */
  readonly body: string
  readonly async?: boolean
}

/** A child: waits at the barrier, calls the cached function once with 21, prints { value | error, end }. */
function child(spec: Spec, barrierWait: string, runs: string): string {
  return `
    import { bcache, acache } from ${JSON.stringify(RUNTIME_URL)}
    import { appendFileSync, readFileSync } from 'node:fs'
    const RUNS = ${JSON.stringify(runs)}
    const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
    const record = () => {
      appendFileSync(RUNS, process.pid + ' ' + Date.now() + '\\n')
      return readFileSync(RUNS, 'utf8').trim().split('\\n').length === 1
    }
    const compute = ${spec.async === false ? '' : 'async '}function compute(x) {
      const first = record()
      ${spec.body}
    }
    const cached = ${spec.cache}
    // Connect (Redis) or open the database before the barrier, so that "at once" is the calls, not the connects.
    await cached.cache.has(0)
    ${barrierWait}
    try {
      const value = await cached(21)
      console.log(JSON.stringify({ value, end: Date.now() }))
    } catch (error) {
      console.log(JSON.stringify({ error: error.message, end: Date.now() }))
    }
    process.exit(0)
  `
}

/** Start the children, release them at once, and collect their results (and the computations' lines). */
async function race(spec: Spec, options: { onStarted?: (runs: string) => Promise<void> } = {}) {
  const barrier = createBarrier()
  const runs = path.join(dir, 'runs')
  try {
    const children: Promise<ChildResult>[] = []
    for (let i = 0; i < CHILDREN; i++) {
      children.push(runChild(child(spec, barrier.childWait(String(i)), runs), { env: { REDIS_URL: redis.url }, timeoutMs: 60_000 }))
    }
    await barrier.release(CHILDREN, 45_000)
    const go = Date.now()
    const watcher = options.onStarted?.(runs)
    const results = await Promise.all(children)
    await watcher
    const lines = existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n') : []
    return { go, results, runs: lines.map((line) => ({ pid: Number(line.split(' ')[0]), at: Number(line.split(' ')[1]) })) }
  } finally {
    barrier.remove()
  }
}

const outputs = (results: ChildResult[]) =>
  results.map((r) => {
    assert.ok(r.stdout.trim(), `a child printed nothing (exit ${r.code}): ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { value?: unknown; error?: string; end: number }
  })

const bcacheCall = (options = '') => `bcache(compute, { cacheDir: process.env.CACHE_DIR, name: 'cold', version: '1'${options} })`

async function raceIn(spec: Spec, options: { onStarted?: (runs: string) => Promise<void> } = {}) {
  process.env.CACHE_DIR = dir // children inherit the environment
  return race(spec, options)
}

const SLOW = 'await sleep(800); return x * 2'

test('bcache: 8 processes calling one cold key at once run the function once', async () => {
  const { results, runs } = await raceIn({ cache: bcacheCall(), body: SLOW })
  const out = outputs(results)
  assert.equal(
    out.map((o) => o.value),
    Array(CHILDREN).fill(42),
    JSON.stringify(out),
  )
  assert.is(runs.length, 1, `computations: ${JSON.stringify(runs)}`)
})

test('bcache, a synchronous function: 8 processes run it once (waiters sleep between polls)', async () => {
  const { results, runs } = await raceIn({ cache: bcacheCall(), body: 'sleepSync(400); return x * 2', async: false })
  const out = outputs(results)
  assert.equal(
    out.map((o) => o.value),
    Array(CHILDREN).fill(42),
    JSON.stringify(out),
  )
  assert.is(runs.length, 1, `computations: ${JSON.stringify(runs)}`)
})

test('bcache with lock: false: 8 processes compute 8 times', async () => {
  const { results, runs } = await raceIn({ cache: bcacheCall(', lock: false'), body: SLOW })
  assert.equal(
    outputs(results).map((o) => o.value),
    Array(CHILDREN).fill(42),
  )
  assert.is(runs.length, CHILDREN)
})

const redisCall = (options = '') => `acache(compute, { url: process.env.REDIS_URL, name: 'cold-' + process.env.ROUND${options} })`
let round = 0

async function raceRedis(spec: Spec, options: { onStarted?: (runs: string) => Promise<void> } = {}) {
  process.env.ROUND = String(++round) // a cold key on the one server each time
  return race(spec, options)
}

test('acache on Redis: 8 processes calling one cold key at once run the function once', async () => {
  const { results, runs } = await raceRedis({ cache: redisCall(), body: SLOW })
  const out = outputs(results)
  assert.equal(
    out.map((o) => o.value),
    Array(CHILDREN).fill(42),
    JSON.stringify(out),
  )
  assert.is(runs.length, 1, `computations: ${JSON.stringify(runs)}`)
})

test('acache on Redis with lock: false: 8 processes compute 8 times', async () => {
  const { results, runs } = await raceRedis({ cache: redisCall(', lock: false'), body: SLOW })
  assert.equal(
    outputs(results).map((o) => o.value),
    Array(CHILDREN).fill(42),
  )
  assert.is(runs.length, CHILDREN)
})

const LOCK_TIMEOUT_MS = 2000

/** Kill the first computation's process with SIGKILL as soon as it has started. */
const killHolder = async (runs: string) => {
  for (let i = 0; i < 3000; i++) {
    if (existsSync(runs) && readFileSync(runs, 'utf8').trim()) {
      process.kill(Number(readFileSync(runs, 'utf8').split(' ')[0]), 'SIGKILL')
      return
    }
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('no computation started within 30 s')
}

/** The first computation hangs (until it is killed); any other is quick. */
const HANGS_FIRST = 'if (first) await sleep(60_000); await sleep(100); return x * 2'

for (const [name, call, raceWith] of [
  ['bcache', bcacheCall(`, lockTimeout: '${LOCK_TIMEOUT_MS}ms'`), raceIn],
  ['acache on Redis', redisCall(`, lockTimeout: '${LOCK_TIMEOUT_MS}ms'`), raceRedis],
] as const) {
  test(`${name}: the holder killed mid-computation → one waiter takes over, the others finish within lockTimeout + 1 s`, async () => {
    const { results, runs } = await raceWith({ cache: call, body: HANGS_FIRST }, { onStarted: killHolder })
    assert.is(runs.length, 2, `computations: the killed holder's and one waiter's: ${JSON.stringify(runs)}`)
    const killed = results.filter((r) => r.code === null || r.code === 137 || !r.stdout.trim())
    assert.is(killed.length, 1, 'the holder was killed')
    const out = outputs(results.filter((r) => !killed.includes(r)))
    assert.equal(
      out.map((o) => o.value),
      Array(CHILDREN - 1).fill(42),
      JSON.stringify(out),
    )
    const leaseTaken = runs[0]!.at
    for (const o of out)
      assert.ok(o.end - leaseTaken <= LOCK_TIMEOUT_MS + 1000, `finished ${o.end - leaseTaken} ms after the lease was taken`)
  })
}

test('bcache: a holder that throws releases the lease; one waiter retries, the others get its value', async () => {
  const { results, runs } = await raceIn({
    cache: bcacheCall(),
    body: "await sleep(300); if (first) throw new Error('boom'); return x * 2",
  })
  const out = outputs(results)
  assert.is(runs.length, 2, `computations: ${JSON.stringify(runs)}`)
  assert.is(out.filter((o) => o.error === 'boom').length, 1, JSON.stringify(out))
  assert.is(out.filter((o) => o.value === 42).length, CHILDREN - 1, JSON.stringify(out))
})

test.run()
