// The memory tier (L1) across processes: a set (refresh), delete, clear, expire or invalidateTag made by one process
// is seen by another process's tier within 100 ms, for a bcache folder (PRAGMA data_version), an fcache folder (the
// change log) and acache on a real Redis (the pub/sub bus). With Redis killed, the tier stops answering within its
// documented bound (TRUST_MS + one heartbeat), and after a restart on the same port it answers again and is
// coherent again. Two child processes run the built runtime, driven over IPC; the delays are printed, and the
// assertions are on what a call made 100 ms after the change answers (never on how fast anything was).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { RUNTIME_URL } from './support/child.js'
import { startRedis, type TestServer } from './support/servers.js'
import { suite } from './support/suite.js'
import { startIpcWorker, type IpcWorker } from './support/ipc-worker.js'
import { HEARTBEAT_MS, TRUST_MS } from '../src/runtime/engines/async/keyv/bus.js'

const test = suite('memory tier (L1) across processes', { timeoutMs: 120_000 })
/** The promise: another process's change is seen within this. */
const WITHIN_MS = 100
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Reply {
  value?: string
  calls?: number
  l1Hits?: number
  started?: number
  at?: number
  error?: string
}

type Worker = IpcWorker<Reply>

function workerSource(label: string, make: string): string {
  return `
    import { bcache, fcache, acache, invalidateTag } from ${JSON.stringify(RUNTIME_URL)}
    import KeyvRedis from '@keyv/redis'
    const now = () => performance.timeOrigin + performance.now()
    let calls = 0
    const compute = (n) => n + ':' + ${JSON.stringify(label)} + ':' + ++calls
    const f = ${make}
    process.on('message', async (m) => {
      try {
        const started = now()
        let value
        if (m.op === 'call') value = await f(m.arg)
        else if (m.op === 'refresh') value = await f.cache.refresh(m.arg)
        else if (m.op === 'delete') await f.cache.delete(m.arg)
        else if (m.op === 'clear') await f.cache.clear()
        else if (m.op === 'expire') await f.cache.expire(m.arg)
        else if (m.op === 'invalidate') await invalidateTag(m.tag)
        else if (m.op === 'exit') {
          await f.cache.close?.()
          return process.send({ id: m.id }, () => process.exit(0))
        }
        process.send({ id: m.id, value, calls, l1Hits: f.cache.stats().l1Hits, started, at: now() })
      } catch (error) {
        process.send({ id: m.id, error: String(error?.stack ?? error) })
      }
    })
    process.send({ ready: true })
  `
}

function startWorker(label: string, make: string): Promise<Worker> {
  return startIpcWorker<Reply>(label, workerSource(label, make))
}

/** Call until A's tier answers (an l1 hit), at most 100 times; returns the value it holds. */
async function heldInMemory(a: Worker, arg: number): Promise<string> {
  let last = await a.ask({ op: 'call', arg })
  for (let i = 0; i < 100; i++) {
    const next = await a.ask({ op: 'call', arg })
    if (next.l1Hits! > last.l1Hits! && next.value === last.value) return next.value!
    last = next
    await sleep(5)
  }
  throw new Error('the tier never answered')
}

/**
 * After `change` in B: A calls until its answer differs from what its tier held, or until a call starts
 * WITHIN_MS after the change; that call must see it. Returns the delay to the first call that saw it.
 */
async function seenWithin(a: Worker, held: string, changed: Reply): Promise<{ delay: number; value: string }> {
  for (let i = 0; i < 1000; i++) {
    const reply = await a.ask({ op: 'call', arg: 1 })
    if (reply.value !== held) return { delay: reply.started! - changed.at!, value: reply.value! }
    if (reply.started! - changed.at! >= WITHIN_MS) {
      assert.unreachable(`a call ${(reply.started! - changed.at!).toFixed(1)} ms after the change still answered ${held} from memory`)
    }
    await sleep(2)
  }
  throw new Error('unreachable')
}

const OPERATIONS = [
  { op: 'refresh', arg: 1 },
  { op: 'delete', arg: 1 },
  { op: 'clear' },
  { op: 'expire', arg: 1 },
  { op: 'invalidate', tag: 'l1-x' },
] as const

async function coherenceRounds(store: string, a: Worker, b: Worker): Promise<void> {
  const delays: string[] = []
  for (const operation of OPERATIONS) {
    for (let round = 0; round < 3; round++) {
      const held = await heldInMemory(a, 1)
      const changed = await b.ask(operation)
      const seen = await seenWithin(a, held, changed)
      if (operation.op === 'refresh') assert.is(seen.value, changed.value, "A answers with B's refreshed value")
      else assert.match(seen.value, /^1:A:\d+$/, `after ${operation.op} in B, A recomputed`)
      delays.push(`${operation.op} ${seen.delay.toFixed(1)}`)
    }
  }
  console.log(`  ${store}: change in B → first call of A that saw it (ms): ${delays.join(', ')}`)
}

const folders: string[] = []
test.after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

for (const kind of ['bcache', 'fcache'] as const) {
  test(`should show ${kind} changes of another process within ${WITHIN_MS} ms`, async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'twat-l1-xproc-'))
    folders.push(root)
    const make = `${kind}(compute, { cacheDir: ${JSON.stringify(root)}, name: 'l1#${kind}', version: 'v1', tags: ['l1-x'], memory: true })`
    const [a, b] = await Promise.all([startWorker('A', make), startWorker('B', make)])
    try {
      await coherenceRounds(`${kind} folder`, a, b)
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
}

let redis: TestServer | undefined
test.after(async () => {
  await redis?.stop('SIGKILL')
})

test(`should show acache changes on Redis of another process within ${WITHIN_MS} ms, through the bus`, async () => {
  redis = await startRedis()
  const make = `acache(compute, { url: ${JSON.stringify(redis.url)}, name: 'l1#acache', version: 'v1', tags: ['l1-x'], memory: true })`
  const [a, b] = await Promise.all([startWorker('A', make), startWorker('B', make)])
  try {
    await coherenceRounds('acache on Redis', a, b)
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await redis.stop()
    redis = undefined
  }
})

test('should keep acache coherent on a @keyv/redis adapter you pass (the bus duplicates its client)', async () => {
  redis = await startRedis()
  const make = `acache(compute, { store: new KeyvRedis(${JSON.stringify(redis.url)}), name: 'l1#adapter', version: 'v1', memory: true })`
  const [a, b] = await Promise.all([startWorker('A', make), startWorker('B', make)])
  try {
    for (const operation of [
      { op: 'refresh', arg: 1 },
      { op: 'delete', arg: 1 },
    ] as const) {
      const held = await heldInMemory(a, 1)
      const changed = await b.ask(operation)
      const seen = await seenWithin(a, held, changed)
      if (operation.op === 'refresh') assert.is(seen.value, changed.value)
      else assert.match(seen.value, /^1:A:\d+$/)
    }
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await redis.stop()
    redis = undefined
  }
})

test('should stop answering from memory within its bound when Redis dies, and recover after a restart', async () => {
  redis = await startRedis()
  const { port } = redis
  const make = `acache(compute, { url: ${JSON.stringify(redis.url)}, name: 'l1#outage', version: 'v1', memory: true })`
  const [a, b] = await Promise.all([startWorker('A', make), startWorker('B', make)])
  const bound = TRUST_MS + HEARTBEAT_MS
  try {
    await heldInMemory(a, 1)
    const killed = now()
    await redis.stop('SIGKILL')
    redis = undefined
    // Calls until one is not answered from memory; a call started past the bound (with a margin for a loaded
    // machine's timers) must not be.
    let last = await a.ask({ op: 'call', arg: 1 })
    let servedFor = -1
    for (let i = 0; i < 2000 && servedFor < 0; i++) {
      const next = await a.ask({ op: 'call', arg: 1 })
      if (next.l1Hits === last.l1Hits) servedFor = next.started! - killed
      else if (next.started! - killed > bound + 200)
        assert.unreachable(`answered from memory ${(next.started! - killed).toFixed(0)} ms after Redis died`)
      last = next
      await sleep(5)
    }
    assert.ok(servedFor >= 0, 'the tier stopped answering')
    const during = await a.ask({ op: 'call', arg: 1 })
    assert.is(during.l1Hits, last.l1Hits, 'and stays off while Redis is down')
    assert.match(during.value!, /^1:A:\d+$/, 'calls are computed, and correct')

    redis = await startRedis(port)
    const restarted = now()
    // Hits from memory again: the store answers (after acache's back-off), the bus resubscribed and is trusted.
    let resumedAfter = -1
    let before = await a.ask({ op: 'call', arg: 1 })
    for (let i = 0; i < 4000 && resumedAfter < 0; i++) {
      await sleep(10)
      const next = await a.ask({ op: 'call', arg: 1 })
      if (next.l1Hits! > before.l1Hits!) resumedAfter = next.started! - restarted
      before = next
    }
    assert.ok(resumedAfter >= 0, 'the tier answers again after the restart')
    // And coherent again: B's change is seen within the promise.
    const held = await heldInMemory(a, 1)
    const changed = await b.ask({ op: 'refresh', arg: 1 })
    const seen = await seenWithin(a, held, changed)
    assert.is(seen.value, changed.value)
    console.log(
      `  Redis killed: the tier answered from memory for ${servedFor.toFixed(0)} ms (bound ${bound} ms); after the restart it ` +
        `answered again in ${resumedAfter.toFixed(0)} ms, and saw B's next change in ${seen.delay.toFixed(1)} ms`,
    )
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})

test.run()
