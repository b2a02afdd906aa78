/**
 * `twat-cache/otel`: OpenTelemetry spans and metrics for every cached call, made from the `twat-cache:call`
 * TracingChannel (in the style of @bentocache/otel). `@opentelemetry/api` is an optional peer dependency: only this
 * entry needs it. Without providers given, the global ones registered by the OpenTelemetry SDK are used.
 */
import dc from 'node:diagnostics_channel'
import { metrics, SpanStatusCode, trace, type Attributes, type MeterProvider, type Span, type TracerProvider } from '@opentelemetry/api'
import { TRACE_CHANNEL, type CallTrace } from '../runtime/call/tracing.js'

export interface TwatCacheInstrumentationOptions {
  /** Where spans go; default: the global tracer provider. */
  readonly tracerProvider?: TracerProvider
  /** Where metrics go; default: the global meter provider. */
  readonly meterProvider?: MeterProvider
  /** Make a span per call. @default true */
  readonly spans?: boolean
  /** Count calls by status (`twat_cache.calls`) and record their durations (`twat_cache.call.duration`, ms). @default true */
  readonly metrics?: boolean
}

/** The instrumentation scope spans and metrics are reported under. */
export const INSTRUMENTATION_NAME = 'twat-cache'

/**
 * Turn every cached call into a span named `twat-cache <cache name>` with the attributes `twat_cache.name`,
 * `twat_cache.kind`, `twat_cache.engine`, `twat_cache.status` (and `twat_cache.key` when keys are shown, see
 * `traceKeys`), a failed call's span recording its error; and into the counter `twat_cache.calls` and the
 * histogram `twat_cache.call.duration` (milliseconds), by the same attributes but the key. A call's span starts
 * where the call is made (its parent is the span active there) and ends when the call returns, or when its promise
 * settles. Returns the function that stops it.
 * @example
 * const stop = instrumentTwatCache({ tracerProvider, meterProvider })
 */
export function instrumentTwatCache(options: TwatCacheInstrumentationOptions = {}): () => void {
  const withSpans = options.spans ?? true
  const withMetrics = options.metrics ?? true
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME)
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME)
  const calls = meter.createCounter('twat_cache.calls', { description: 'Cached calls, by cache and status' })
  const durations = meter.createHistogram('twat_cache.call.duration', { description: 'Duration of cached calls', unit: 'ms' })
  const open = new WeakMap<CallTrace, { span: Span | undefined; started: number }>()

  const attributesOf = (call: CallTrace): Attributes => ({
    'twat_cache.name': call.name,
    'twat_cache.kind': call.kind,
    'twat_cache.engine': call.engine,
    'twat_cache.status': call.status ?? 'miss',
  })

  const finish = (call: CallTrace) => {
    const opened = open.get(call)
    if (!opened) return
    open.delete(call)
    const attributes = attributesOf(call)
    if (withMetrics) {
      calls.add(1, attributes)
      durations.record(performance.now() - opened.started, attributes)
    }
    const { span } = opened
    if (!span) return
    span.setAttributes(attributes)
    if (call.key !== undefined && call.key !== '[redacted]') span.setAttribute('twat_cache.key', call.key)
    if (call.status === 'error') {
      const error = call.error
      if (error instanceof Error) span.recordException(error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
    }
    span.end()
  }

  const handlers = {
    start(message: unknown) {
      const call = message as CallTrace
      const span = withSpans
        ? tracer.startSpan(`twat-cache ${call.name}`, {
            attributes: { 'twat_cache.name': call.name, 'twat_cache.kind': call.kind, 'twat_cache.engine': call.engine },
          })
        : undefined
      open.set(call, { span, started: performance.now() })
    },
    end(message: unknown) {
      if (!(message as CallTrace).async) finish(message as CallTrace)
    },
    asyncStart() {},
    asyncEnd(message: unknown) {
      finish(message as CallTrace)
    },
    error() {},
  }
  const channel = dc.tracingChannel(TRACE_CHANNEL)
  channel.subscribe(handlers)
  let subscribed = true
  return () => {
    if (!subscribed) return
    subscribed = false
    channel.unsubscribe(handlers)
  }
}
