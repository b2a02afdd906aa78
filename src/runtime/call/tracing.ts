/**
 * The tracing stage: what each call did, published on the node:diagnostics_channel TracingChannel `twat-cache:call`
 * (start, end, asyncStart, asyncEnd, error, as Node's traceSync and tracePromise publish them), with one
 * {@link CallTrace} per call. With nobody listening a call costs one flag read here: every composition's outer
 * function (and each memory fast path) checks `tracing.on` and only then takes the traced route, which runs the
 * same composition with a trace to note its status in.
 *
 * The stages note a status where they count it (`noteStatus`, beside `counters.hits++` and the rest). The trace of
 * the call running is a module slot, set for the synchronous part of the call; a stage that decides later (after an
 * asynchronous read, a rejection) keeps the trace it was called with (`currentTrace`, `resumeTrace`).
 *
 * Browser bundles get tracing.browser.ts instead (package.json's `browser` field): the same exports, doing nothing.
 */
import { debugLinesEnabled, traceKeysFromEnv } from '../options/environment.js'
import { isThenable } from '../platform/thenable.js'
import { openTraceChannel, type TraceChannel } from '../platform/trace-channel.js'

/** The TracingChannel every cached call is published on. */
export const TRACE_CHANNEL = 'twat-cache:call'

/**
 * What a call did: `hit` (a fresh value, or a call in flight joined), `miss` (computed), `stale` (a stale value
 * served while one background refresh runs), `refresh` (that background recomputation, published as its own
 * event), `stale-if-error` (the recomputation failed or timed out, the last value was served), `bypass` (the
 * arguments could not be keyed: run uncached), `error` (the call threw or rejected).
 */
export type CallStatus = 'hit' | 'miss' | 'stale' | 'refresh' | 'stale-if-error' | 'bypass' | 'error'

/** The five caches, as `.cache.kind` names them. */
type Kind = 'mcache' | 'bcache' | 'fcache' | 'acache' | 'ucache'

/** The message every event of one call carries (the same object from start to asyncEnd). */
export interface CallTrace {
  /** The cache's name (`.cache.name`). */
  readonly name: string
  /** The cache that runs, as `.cache.kind` says (a ucache names the cache it chose). */
  readonly kind: Kind
  /** The engine that runs (`.cache.engine`). */
  readonly engine: string
  /**
   * What the call did: final at `end` when `async` is false, at `asyncEnd` when it is true (a store read
   * asynchronously decides after `end`); undefined at `start`.
   */
  status: CallStatus | undefined
  /** The call returned a promise: it ends at `asyncEnd`. Set before `end`. */
  async: boolean
  /** The call's key: `'[redacted]'` unless {@link traceKeys} (or `TWAT_CACHE_TRACE_KEYS=1`) asks for it; undefined for a bypass. */
  key: string | undefined
  /** The value returned (resolved, for a promise). */
  result?: unknown
  /** What the call threw or rejected with. */
  error?: unknown
}

/** Where a call is traced from: its cache. The engine is read per call (a store may fall back while running). */
export interface TraceSite {
  readonly name: string
  readonly kind: Kind
  engine(): string
}

/** Whether anyone listens to the channel; flipped by a subscription (platform/trace-channel.ts). */
export const tracing = { on: false }

const channel: TraceChannel | undefined = openTraceChannel(TRACE_CHANNEL, (listening) => {
  tracing.on = listening
})

let showKeys = traceKeysFromEnv()

/**
 * Whether trace events carry keys as they are (`true`) or `'[redacted]'` (the default: keys are built from
 * arguments, which may be personal data). `TWAT_CACHE_TRACE_KEYS=1` sets it at start. Returns the previous setting.
 */
export function traceKeys(show: boolean): boolean {
  const previous = showKeys
  showKeys = show
  return previous
}

let active: CallTrace | undefined

/** The trace of the call whose synchronous part is running, if it is traced. */
export function currentTrace(): CallTrace | undefined {
  return active
}

/**
 * Note what the call running did, and its key. The first status noted stands (a stage notes before it computes,
 * and whatever runs inside that computation is not this call); `stale-if-error` and `error` override it.
 */
export function noteStatus(status: CallStatus, key?: unknown): void {
  const trace = active
  if (trace !== undefined && trace.status === undefined) {
    trace.status = status
    if (key !== undefined) trace.key = showKeys ? String(key) : '[redacted]'
  }
}

/** The call of `trace` answered with its stale value after all (a failed or slow recomputation). */
export function noteStaleIfError(trace: CallTrace | undefined): void {
  if (trace !== undefined) trace.status = 'stale-if-error'
}

/** Run `fn` as part of the call of `trace` (a continuation after an asynchronous step). */
export function resumeTrace<R>(trace: CallTrace | undefined, fn: () => R): R {
  if (trace === undefined) return fn()
  const previous = active
  active = trace
  try {
    return fn()
  } finally {
    active = previous
  }
}

/**
 * Run one call traced: `start`, then `end` when it returns; a promise then gets `asyncStart` and `asyncEnd` when it
 * settles, and a throw or rejection `error` first (Node's traceSync / tracePromise order). The caller gets what
 * the call returned, the same promise included (concurrent callers still share one).
 */
function runTraced(site: TraceSite, call: Function, self: unknown, args: ArrayLike<unknown>, status?: CallStatus): unknown {
  const ch = channel as TraceChannel
  const trace: CallTrace = { name: site.name, kind: site.kind, engine: site.engine(), status, async: false, key: undefined }
  return ch.start.runStores(trace, () => {
    const previous = active
    active = trace
    let result: unknown
    try {
      result = call.apply(self, args)
    } catch (error) {
      trace.status = 'error'
      trace.error = error
      ch.error.publish(trace)
      throw error
    } finally {
      active = previous
      // A store read asynchronously decides later (after `end`): the status of a promise is final at asyncEnd.
      if (isThenable(result)) trace.async = true
      else {
        trace.result = result
        trace.status ??= 'miss'
      }
      ch.end.publish(trace)
    }
    if (!trace.async) return result
    ;(result as PromiseLike<unknown>).then(
      (value) => {
        trace.status ??= 'miss'
        trace.result = value
        ch.asyncStart.publish(trace)
        ch.asyncEnd.publish(trace)
      },
      (error: unknown) => {
        trace.status = 'error'
        trace.error = error
        ch.error.publish(trace)
        ch.asyncStart.publish(trace)
        ch.asyncEnd.publish(trace)
      },
    )
    return result
  })
}

/** `call`, traced on every call: for the fast paths, which check `tracing.on` themselves. */
export function tracedCall(site: TraceSite, call: Function): Function {
  return function traced(this: unknown) {
    return runTraced(site, call, this, arguments)
  }
}

/** The tracing stage around a composition's cached function: traced while anyone listens, else `call` as it is. */
export function withTracing(site: TraceSite, call: Function): Function {
  return function cached(this: unknown) {
    return tracing.on ? runTraced(site, call, this, arguments) : call.apply(this, arguments)
  }
}

/** A background refresh, traced as a call of its own with status `refresh` while anyone listens. */
export function traceRefresh(site: TraceSite | undefined, key: unknown, run: () => unknown): unknown {
  if (!tracing.on || site === undefined) return run()
  return runTraced(
    site,
    () => {
      const trace = active as CallTrace
      trace.key = showKeys ? String(key) : '[redacted]'
      return run()
    },
    undefined,
    [],
    'refresh',
  )
}

/**
 * `TWAT_CACHE_DEBUG=1`: one line per call on stderr, `twat-cache <name> <status> <ms>ms`, written when the call
 * ends (a promise: when it settles).
 */
function printDebugLines(ch: TraceChannel): void {
  const now = () => performance.now()
  const started = new WeakMap<object, number>()
  const write = (trace: CallTrace) => {
    const began = started.get(trace)
    const ms = began === undefined ? 0 : now() - began
    const stderr = (globalThis as { process?: { stderr?: { write(text: string): unknown } } }).process?.stderr
    stderr?.write(`twat-cache ${trace.name} ${trace.status ?? 'miss'} ${ms.toFixed(3)}ms\n`)
  }
  ;(ch as unknown as { subscribe(handlers: Record<string, (message: unknown) => void>): void }).subscribe({
    start: (message) => void started.set(message as CallTrace, now()),
    end: (message) => {
      if (!(message as CallTrace).async) write(message as CallTrace)
    },
    asyncEnd: (message) => write(message as CallTrace),
  })
}

if (channel !== undefined && debugLinesEnabled()) printDebugLines(channel)
