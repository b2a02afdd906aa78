// twat-cache/otel: real calls of mcache, bcache and acache become OpenTelemetry spans (with the OpenTelemetry SDK's
// in-memory span exporter) and metrics (its in-memory metric exporter), with the status each call had.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SpanStatusCode } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import * as assert from 'uvu/assert'
import { instrumentTwatCache } from '../src/otel/index.js'
import { acache, bcache, mcache, traceKeys } from '../src/runtime/index.js'
import { suite } from './support/suite.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-otel-'))
const spans = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
// Exported on demand (forceFlush): the interval is never reached in a test.
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
const meterProvider = new MeterProvider({ readers: [reader] })

const test = suite('otel')
let stop: () => void = () => undefined

test.before.each(() => {
  spans.reset()
  stop = instrumentTwatCache({ tracerProvider, meterProvider })
})
test.after.each(() => stop())
test.after(async () => {
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
  rmSync(root, { recursive: true, force: true })
})

const spansOf = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((span) => span.name === `twat-cache ${name}`)
const statusesOf = (name: string) => spansOf(name).map((span) => span.attributes['twat_cache.status'])

/** The data points of one metric of the last export, as [attributes, value] pairs for one cache. */
async function pointsOf(metric: string, cache: string) {
  await reader.forceFlush()
  const exported: ResourceMetrics[] = metricExporter.getMetrics()
  const last = exported[exported.length - 1]
  const found = last?.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === metric)
  return (found?.dataPoints ?? []).filter((point) => point.attributes['twat_cache.name'] === cache) as Array<{
    attributes: Record<string, unknown>
    value: unknown
  }>
}

test('should make a span per mcache call, named by the cache, with kind, engine and status', () => {
  const double = mcache((n: number) => n * 2, { name: 'otel-double' })
  assert.is(double(2), 4)
  assert.is(double(2), 4)
  assert.equal(statusesOf('otel-double'), ['miss', 'hit'])
  const [span] = spansOf('otel-double')
  assert.is(span!.attributes['twat_cache.kind'], 'mcache')
  assert.is(span!.attributes['twat_cache.engine'], double.cache.engine)
  assert.is(span!.attributes['twat_cache.key'], undefined, 'keys are redacted: no key attribute')
})

test('should make spans for bcache calls, with its engine', () => {
  const square = bcache((n: number) => n * n, { name: 'otel-square', cacheDir: root })
  assert.is(square(3), 9)
  assert.is(square(3), 9)
  assert.equal(statusesOf('otel-square'), ['miss', 'hit'])
  assert.is(spansOf('otel-square')[0]!.attributes['twat_cache.kind'], 'bcache')
  assert.is(spansOf('otel-square')[0]!.attributes['twat_cache.engine'], square.cache.engine)
})

test('should end an acache span when its promise settles, and record a failed call as an error', async () => {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  const later = acache(
    async (n: number) => {
      if (n < 0) throw new Error('negative')
      await gate
      return n + 1
    },
    { name: 'otel-later' },
  )
  const pending = later(1)
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(spansOf('otel-later'), [], 'no span ends before the promise settles')
  release()
  assert.is(await pending, 2)
  assert.is(await later(1), 2)
  await later(-1).catch(() => undefined)
  assert.equal(statusesOf('otel-later'), ['miss', 'hit', 'error'])
  const failed = spansOf('otel-later')[2]!
  assert.is(failed.status.code, SpanStatusCode.ERROR)
  assert.is(failed.status.message, 'negative')
  assert.ok(
    failed.events.some((event) => event.name === 'exception'),
    'the exception is recorded',
  )
  assert.is(spansOf('otel-later')[0]!.attributes['twat_cache.kind'], 'acache')
})

test('should add the key when traceKeys(true) asks for it', () => {
  const greet = mcache((who: string) => `hi ${who}`, { name: 'otel-keys' })
  traceKeys(true)
  try {
    greet('ada')
  } finally {
    traceKeys(false)
  }
  assert.is(spansOf('otel-keys')[0]!.attributes['twat_cache.key'], 'ada')
})

test('should count calls by status and record their durations', async () => {
  const triple = mcache((n: number) => n * 3, { name: 'otel-metrics' })
  triple(1)
  triple(1)
  triple(1)
  const counts = await pointsOf('twat_cache.calls', 'otel-metrics')
  const byStatus = Object.fromEntries(counts.map((point) => [point.attributes['twat_cache.status'], point.value]))
  assert.equal(byStatus, { miss: 1, hit: 2 })
  const durations = await pointsOf('twat_cache.call.duration', 'otel-metrics')
  const total = durations.reduce((sum, point) => sum + (point.value as { count: number }).count, 0)
  assert.is(total, 3)
})

test('should stop making spans once stopped', () => {
  const inc = mcache((n: number) => n + 1, { name: 'otel-stopped' })
  inc(1)
  stop()
  inc(1)
  inc(2)
  assert.equal(statusesOf('otel-stopped'), ['miss'])
  assert.is(inc.cache.stats().hits, 1, 'the cache still caches')
})

test.run()
