// What each call did: the `twat-cache:call` TracingChannel (every status, in every kind of store, with Node's
// traceSync / tracePromise event order), keys redacted by default, subscriptions through every route of
// node:diagnostics_channel, and the TWAT_CACHE_DEBUG=1 line per call. Time is a hand-moved clock, never a sleep.
import { AsyncLocalStorage } from 'node:async_hooks'
import dc from 'node:diagnostics_channel'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { acache, mcache, traceKeys, TRACE_CHANNEL, type CallTrace } from '../src/runtime/index.js'
import { RUNTIME_URL, runChild } from './support/child.js'
import { ManualClock } from './support/manual-clock.js'
import { flush, storeKinds } from './support/store-kinds.js'
import { suite } from './support/suite.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-tracing-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)

interface Seen {
  readonly trace: CallTrace
  /** The events of this call, in order. */
  readonly events: string[]
}

/** Subscribe to every event of the channel; `calls(name)` lists the calls of one cache that have ended. */
function record() {
  const byTrace = new Map<CallTrace, Seen>()
  const ended: Seen[] = []
  const on = (event: string) => (message: unknown) => {
    const trace = message as CallTrace
    let seen = byTrace.get(trace)
    if (!seen) byTrace.set(trace, (seen = { trace, events: [] }))
    seen.events.push(event)
    if ((event === 'end' && !trace.async) || event === 'asyncEnd') ended.push(seen)
  }
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') }
  const channel = dc.tracingChannel(TRACE_CHANNEL)
  channel.subscribe(handlers)
  return {
    calls: (name: string) => ended.filter((seen) => seen.trace.name === name),
    statuses: (name: string) => ended.filter((seen) => seen.trace.name === name).map((seen) => seen.trace.status),
    stop: () => channel.unsubscribe(handlers),
  }
}

type Cached = ((...args: any[]) => any) & { cache: { kind: string; engine: string } }

const KINDS = Object.fromEntries(
  Object.entries(storeKinds<Cached>(freshDir)).map(([label, kind]) => [label, { make: kind.make, async: kind.promises }]),
)

for (const [label, { make, async }] of Object.entries(KINDS)) {
  const test = suite(`tracing: ${label}`)
  let names = 0
  const name = () => `tracing-${label}-${++names}`

  test('should publish every status a call can have, with the cache kind and engine', async () => {
    const clock = new ManualClock()
    const cacheName = name()
    let fail = false
    const f = make(
      (n: unknown) => {
        if (fail) throw new Error('origin down')
        return `v${typeof n === 'function' ? 'f' : n}`
      },
      { name: cacheName, ttl: 10, staleWhileRevalidate: 60, staleIfError: 600, clock },
    )
    const seen = record()
    try {
      assert.is(await f(1), 'v1')
      assert.is(await f(1), 'v1')
      clock.advance(15_000) // past the ttl, inside the stale window
      assert.is(await f(1), 'v1')
      await flush() // the background refresh
      fail = true
      clock.advance(200_000) // past the stale window of the refreshed entry, inside staleIfError
      assert.is(await f(1), 'v1', 'the last value instead of the error')
      let failure: unknown
      try {
        await f(2)
      } catch (error) {
        failure = error
      }
      assert.instance(failure, Error)
      fail = false
      assert.is(await f(() => 0), 'vf', 'a function argument cannot be keyed: run uncached')
    } finally {
      seen.stop()
    }
    assert.equal(seen.statuses(cacheName), ['miss', 'hit', 'stale', 'refresh', 'stale-if-error', 'error', 'bypass'])
    for (const { trace, events } of seen.calls(cacheName)) {
      assert.is(trace.kind, f.cache.kind)
      assert.is(trace.engine, f.cache.engine)
      const expected = trace.async
        ? trace.status === 'error'
          ? ['start', 'end', 'error', 'asyncStart', 'asyncEnd']
          : ['start', 'end', 'asyncStart', 'asyncEnd']
        : trace.status === 'error'
          ? ['start', 'error', 'end']
          : ['start', 'end']
      assert.equal(events, expected, `events of a ${trace.status}`)
      if (trace.status !== 'error' && trace.status !== 'refresh') assert.ok(String(trace.result).startsWith('v'), 'the result is published')
      if (trace.status === 'error') assert.is((trace.error as Error).message, 'origin down')
    }
    const call = seen.calls(cacheName).find((seen) => seen.trace.status === 'miss')!
    assert.is(call.trace.async, async, 'a promise ends at asyncEnd')
  })

  test('should redact keys unless traceKeys(true) asks for them', async () => {
    const cacheName = name()
    const f = make((who: string) => `hello ${who}`, { name: cacheName })
    const seen = record()
    try {
      await f('secret-42')
      traceKeys(true)
      await f('secret-42')
    } finally {
      traceKeys(false)
      seen.stop()
    }
    const [redacted, shown] = seen.calls(cacheName).map((seen) => seen.trace.key)
    assert.is(redacted, '[redacted]')
    assert.ok(shown !== undefined && shown !== '[redacted]', `the key as asked for: ${shown}`)
    // A shared store keys by the function's version and a hash of the arguments: the key shown is that.
    if (label.includes('keyv')) assert.match(shown!, /^[0-9a-f]+:[0-9a-f]+$/)
    else assert.ok(shown.includes('secret-42'), `the key as asked for: ${shown}`)
  })

  test.run()
}

const channel = suite('tracing: the channel')

channel('should publish nothing, and still cache, with nobody listening; and stop when the last subscriber goes', () => {
  let calls = 0
  const f = mcache((n: number) => (calls++, n * 2), { name: 'tracing-quiet' })
  const seen = record()
  f(1)
  f(1)
  seen.stop()
  f(1)
  f(2)
  assert.equal(seen.statuses('tracing-quiet'), ['miss', 'hit'])
  assert.is(calls, 2)
  assert.is(f.cache.stats().hits, 2)
})

channel('should trace the fast path for a subscriber of one event through diagnostics_channel.subscribe', () => {
  const f = mcache((n: number) => n * 2, { name: 'tracing-one-event' })
  f(7)
  const statuses: unknown[] = []
  const onEnd = (message: unknown) => statuses.push((message as CallTrace).status)
  dc.subscribe(`tracing:${TRACE_CHANNEL}:end`, onEnd)
  f(7)
  f(8)
  dc.unsubscribe(`tracing:${TRACE_CHANNEL}:end`, onEnd)
  f(7)
  assert.equal(statuses, ['hit', 'miss'])
})

channel('should run the call inside the stores bound to start (bindStore), as tracePromise does', async () => {
  const storage = new AsyncLocalStorage<CallTrace>()
  const start = dc.channel(`tracing:${TRACE_CHANNEL}:start`)
  start.bindStore(storage as never, (message) => message as CallTrace)
  let inside: CallTrace | undefined
  const f = acache(
    async (n: number) => {
      await Promise.resolve()
      inside = storage.getStore()
      return n
    },
    { name: 'tracing-stores' },
  )
  try {
    assert.is(await f(1), 1)
  } finally {
    start.unbindStore(storage as never)
  }
  assert.is(inside?.name, 'tracing-stores', 'the trace is the store across awaits')
  assert.is(inside?.status, 'miss')
})

channel('should keep each call of a recursive function its own status, and hand concurrent callers one promise', async () => {
  const fib: (n: number) => number = mcache((n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2)), { name: 'tracing-fib' })
  const slow = mcache(async (n: number) => n, { name: 'tracing-shared' })
  const seen = record()
  traceKeys(true)
  let first: Promise<number>
  let second: Promise<number>
  try {
    assert.is(fib(5), 5)
    first = slow(1)
    second = slow(1)
    await first
  } finally {
    traceKeys(false)
    seen.stop()
  }
  const byKey = new Map<string | undefined, unknown[]>()
  for (const { trace } of seen.calls('tracing-fib')) byKey.set(trace.key, [...(byKey.get(trace.key) ?? []), trace.status])
  assert.equal(byKey.get('5'), ['miss'], 'the outer call stays a miss')
  assert.equal(byKey.get('3'), ['miss', 'hit'])
  assert.ok(first === second, 'the same promise, traced or not')
})

channel.after(() => rmSync(root, { recursive: true, force: true }))

const debug = suite('tracing: TWAT_CACHE_DEBUG', { timeoutMs: 60_000 })

const DEBUG_SCRIPT = `
import { acache, mcache } from ${JSON.stringify(RUNTIME_URL)}
const double = mcache((n) => n * 2, { name: 'double' })
double(1); double(1)
const later = acache(async (n) => n + 1, { name: 'later' })
await later(1); await later(1)
console.log('done')
`

debug('should print one line per call on stderr: name, status, time in ms', async () => {
  const { code, stdout, stderr } = await runChild(DEBUG_SCRIPT, { env: { TWAT_CACHE_DEBUG: '1' } })
  assert.is(code, 0, stderr)
  assert.is(stdout.trim(), 'done')
  const lines = stderr.trim().split('\n')
  assert.is(lines.length, 4, stderr)
  const expected = [
    ['double', 'miss'],
    ['double', 'hit'],
    ['later', 'miss'],
    ['later', 'hit'],
  ]
  lines.forEach((line, i) => {
    const match = /^twat-cache (\S+) (\S+) (\d+\.\d{3})ms$/.exec(line)
    assert.ok(match, `line ${i + 1}: ${line}`)
    assert.equal([match![1], match![2]], expected[i])
  })
})

debug('should print nothing without it', async () => {
  const { code, stderr } = await runChild(DEBUG_SCRIPT, { env: { TWAT_CACHE_DEBUG: '' } })
  assert.is(code, 0, stderr)
  assert.is(stderr, '')
})

debug('should see a subscriber made before twat-cache is loaded, and TWAT_CACHE_TRACE_KEYS=1', async () => {
  const script = `
import dc from 'node:diagnostics_channel'
const seen = []
dc.tracingChannel('twat-cache:call').subscribe({ end: (m) => seen.push(m.status + ' ' + m.key) })
const { mcache } = await import(${JSON.stringify(RUNTIME_URL)})
const double = mcache((n) => n * 2, { name: 'double' })
double(21); double(21)
console.log(JSON.stringify(seen))
`
  const { code, stdout, stderr } = await runChild(script, { env: { TWAT_CACHE_TRACE_KEYS: '1' } })
  assert.is(code, 0, stderr)
  assert.equal(JSON.parse(stdout), ['miss 21', 'hit 21'])
})

for (const test of [channel, debug]) test.run()
