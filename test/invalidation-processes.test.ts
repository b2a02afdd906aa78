// Tag invalidation across processes: `invalidateTag` in one process, and the next call of another process sharing
// the store (a bcache folder, an fcache folder, a real Redis and a real memcached for acache) recomputes; `revalidateTag` there serves the
// stale value once while one refresh replaces it. Two child processes run the built runtime and are driven over IPC,
// each step waiting for the other's answer: no sleeps. The propagation delay (from invalidateTag resolving in one
// process to the other process's next call answering with a recomputed value; two IPC hops included) is printed.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { RUNTIME_URL } from './support/child.js'
import { startMemcached, startRedis, type TestServer } from './support/servers.js'
import { suite } from './support/suite.js'
import { startIpcWorker, type IpcWorker } from './support/ipc-worker.js'

const test = suite('tag invalidation across processes', { timeoutMs: 90_000 })
const ROUNDS = 5

interface Reply {
  value?: string
  calls?: number
  stale?: number
  started?: number
  at?: number
  error?: string
}

/** A child process with one cached function, answering requests over IPC in order. */
type Worker = IpcWorker<Reply>

/**
 * The worker's source: `make` is the expression that caches `compute` (which names the worker and counts its calls).
 * Times are `performance.timeOrigin + performance.now()`: wall-clock based, sub-millisecond, comparable across
 * the processes of one machine.
 */
function workerSource(label: string, make: string): string {
  return `
    import { bcache, fcache, acache, invalidateTag, revalidateTag } from ${JSON.stringify(RUNTIME_URL)}
    const now = () => performance.timeOrigin + performance.now()
    let calls = 0
    const compute = async (n) => (calls++, n + ':' + ${JSON.stringify(label)} + ':' + calls)
    const f = ${make}
    process.on('message', async (m) => {
      try {
        if (m.op === 'call') {
          const started = now()
          const value = await f(m.arg)
          process.send({ id: m.id, value, calls, stale: f.cache.stats().stale, started, at: now() })
        } else if (m.op === 'invalidate' || m.op === 'revalidate') {
          const started = now()
          await (m.op === 'invalidate' ? invalidateTag : revalidateTag)(m.tag)
          process.send({ id: m.id, started, at: now() })
        } else if (m.op === 'exit') {
          await f.cache.close?.()
          process.send({ id: m.id }, () => process.exit(0))
        }
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

function summary(delays: number[]): string {
  const sorted = [...delays].sort((a, b) => a - b)
  const ms = (v: number) => `${v.toFixed(2)} ms`
  return `min ${ms(sorted[0]!)}, median ${ms(sorted[Math.floor(sorted.length / 2)]!)}, max ${ms(sorted[sorted.length - 1]!)} over ${sorted.length} rounds`
}

/** The two workers, A (invalidates) and B (calls), on the same store. */
async function pair(make: (label: string) => string): Promise<[Worker, Worker]> {
  return Promise.all([startWorker('A', make('A')), startWorker('B', make('B'))])
}

/**
 * Call `worker` until its answer stops changing (the same value twice, nothing recomputed, nothing served stale),
 * at most 200 times: a stamp in the same millisecond as another process's invalidation counts as before it, so an
 * entry computed then is recomputed once more (see verdictFromTimes).
 */
async function settled(worker: Worker, arg: number): Promise<Reply> {
  let last = await worker.ask({ op: 'call', arg })
  for (let i = 0; i < 200; i++) {
    const next = await worker.ask({ op: 'call', arg })
    if (next.value === last.value && next.calls === last.calls && next.stale === last.stale) return next
    last = next
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`the answers for ${arg} kept changing`)
}

/** invalidateTag in A; B's next call recomputes, every round; and the entry it stores is valid in A. */
async function invalidationRounds(store: string, a: Worker, b: Worker, tag: string): Promise<void> {
  assert.is((await a.ask({ op: 'call', arg: 1 })).value, '1:A:1')
  const hit = await b.ask({ op: 'call', arg: 1 })
  assert.is(hit.value, '1:A:1', 'B reads the entry A stored')
  assert.is(hit.calls, 0)
  const delays: number[] = []
  let bCalls = 0
  for (let round = 1; round <= ROUNDS; round++) {
    const invalidated = await a.ask({ op: 'invalidate', tag })
    const next = await b.ask({ op: 'call', arg: 1 })
    assert.is(next.value, `1:B:${++bCalls}`, `round ${round}: B's next call after the invalidation recomputed`)
    delays.push(next.at! - invalidated.at!)
    const before = await a.ask({ op: 'call', arg: 1 })
    const inA = await settled(a, 1)
    // B's entry, or (computed in the millisecond of the invalidation) recomputed once by A.
    assert.ok(before.value === next.value || /^1:A:/.test(before.value!), `A answers with B's new entry: ${before.value}`)
    assert.is(inA.value, before.value, 'and that entry stays valid')
    bCalls = (await settled(b, 1)).calls!
  }
  console.log(`  ${store}: invalidateTag → the other process's next call recomputed: ${summary(delays)}`)
}

/** revalidateTag in A; B's next call answers stale at once, and a refresh in B replaces it. */
async function revalidationRounds(store: string, a: Worker, b: Worker, tag: string): Promise<void> {
  assert.match((await a.ask({ op: 'call', arg: 2 })).value!, /^2:A:\d+$/)
  const delays: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const before = await settled(b, 2)
    const revalidated = await a.ask({ op: 'revalidate', tag })
    const next = await b.ask({ op: 'call', arg: 2 })
    assert.is(next.value, before.value, `round ${round}: the stale value at once`)
    assert.is(next.stale, before.stale! + 1, 'counted as a stale answer')
    assert.is(next.calls, before.calls, 'nothing computed for the caller')
    delays.push(next.at! - revalidated.at!)
    const after = await settled(b, 2)
    assert.match(after.value!, /^2:B:\d+$/, 'a refresh in B replaced it')
    const refreshes = after.calls! - before.calls!
    assert.ok(
      refreshes === 1 || refreshes === 2,
      `one refresh (two when it started in the millisecond of the revalidation), not ${refreshes}`,
    )
  }
  console.log(`  ${store}: revalidateTag → the other process's next call served stale: ${summary(delays)}`)
}

const folders: string[] = []
const freshRoot = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-xproc-tags-'))
  folders.push(dir)
  return dir
}
test.after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

const windows = "ttl: '1h', staleWhileRevalidate: '1h'"

for (const kind of ['bcache', 'fcache'] as const) {
  test(`should make ${kind} entries invalidated in one process a miss in another that shares the folder`, async () => {
    const root = freshRoot()
    const make = () =>
      `${kind}(compute, { cacheDir: ${JSON.stringify(root)}, folderName: 'shared', name: 'xproc#${kind}', version: 'v1', tags: ['prices'], ${windows} })`
    const [a, b] = await pair(make)
    try {
      await invalidationRounds(`${kind} folder`, a, b, 'prices')
      await revalidationRounds(`${kind} folder`, a, b, 'prices')
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
}

let redis: TestServer | undefined
test('should make acache entries invalidated in one process a miss in another on the same Redis', async () => {
  redis = await startRedis()
  const make = () =>
    `acache(compute, { url: ${JSON.stringify(redis!.url)}, name: 'xproc#acache', version: 'v1', tags: ['prices'], ${windows} })`
  const [a, b] = await pair(make)
  try {
    await invalidationRounds('acache on Redis', a, b, 'prices')
    await revalidationRounds('acache on Redis', a, b, 'prices')
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await redis.stop()
  }
})

// memcached cannot list keys, and needs not to: invalidation times are keys of their own, read with each tagged hit.
test('should make acache entries invalidated in one process a miss in another on the same memcached', async () => {
  const memcached = await startMemcached()
  const make = () =>
    `acache(compute, { url: ${JSON.stringify(memcached.url)}, name: 'xproc#memcached', version: 'v1', tags: ['prices'], ${windows} })`
  const [a, b] = await pair(make)
  try {
    await invalidationRounds('acache on memcached', a, b, 'prices')
    await revalidationRounds('acache on memcached', a, b, 'prices')
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await memcached.stop()
  }
})

test.run()
