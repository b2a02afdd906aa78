/**
 * The `twat-cache:call` TracingChannel of node:diagnostics_channel, taken from Node itself when first needed (no
 * import, so bundles for runtimes without it load nothing). Browser bundles never load this module: they get
 * call/tracing.browser.ts instead of the tracing stage (package.json's `browser` field).
 *
 * The call pipeline must know, at the cost of one flag read per call, whether anyone listens. Node has no event for
 * a subscription, so the five channels' own subscribe, unsubscribe, bindStore and unbindStore are wrapped on these
 * channel objects (the ones every `tracingChannel('twat-cache:call')`, `channel(name)` and `subscribe(name, fn)`
 * reaches) to report the change. Hand-written: no package does this.
 */
import { nodeBuiltin } from './optional.js'

/** One of the five channels, as far as the pipeline uses it. */
export interface TracePart {
  readonly hasSubscribers: boolean
  publish(message: unknown): void
  runStores<R>(message: unknown, fn: () => R): R
}

export interface TraceChannel {
  readonly start: TracePart
  readonly end: TracePart
  readonly asyncStart: TracePart
  readonly asyncEnd: TracePart
  readonly error: TracePart
}

type Channels = { tracingChannel?: (name: string) => TraceChannel }

const WATCHED = ['subscribe', 'unsubscribe', 'bindStore', 'unbindStore'] as const

/**
 * Everyone told of subscription changes, shared by every copy of twat-cache in the process (a bundled copy and an
 * installed one wrap the same channel objects; each copy's flag must flip).
 */
const WATCHERS: Set<() => void> = ((globalThis as Record<symbol, unknown>)[Symbol.for('twat-cache.traceWatchers')] ??= new Set()) as Set<
  () => void
>
const WRAPPED = Symbol.for('twat-cache.traceWrapped')

/** The channel `name`, with `onChange(listening)` told now and on every change of its subscribers; undefined outside Node. */
export function openTraceChannel(name: string, onChange: (listening: boolean) => void): TraceChannel | undefined {
  const channels = nodeBuiltin<Channels>('node:diagnostics_channel')
  if (!channels?.tracingChannel) return undefined
  const traced = channels.tracingChannel(name)
  const parts = [traced.start, traced.end, traced.asyncStart, traced.asyncEnd, traced.error]
  const update = () => onChange(parts.some((part) => part.hasSubscribers))
  WATCHERS.add(update)
  for (const part of parts as Array<TracePart & { [WRAPPED]?: true }>) {
    if (part[WRAPPED]) continue
    Object.defineProperty(part, WRAPPED, { value: true })
    for (const method of WATCHED) {
      // Looked up on the prototype at each call: a channel changes its prototype when its first subscriber comes
      // and when its last one goes.
      Object.defineProperty(part, method, {
        configurable: true,
        writable: true,
        value: function (this: TracePart, ...args: unknown[]) {
          try {
            return (Object.getPrototypeOf(this)[method] as Function).apply(this, args)
          } finally {
            for (const watcher of WATCHERS) watcher()
          }
        },
      })
    }
  }
  update()
  return traced
}
