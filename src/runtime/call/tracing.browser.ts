/**
 * The browser's stand-in for tracing.ts (package.json's `browser` field): browsers have no node:diagnostics_channel,
 * so no call is ever traced, and the stage is this much: the same exports, doing nothing.
 */
export const TRACE_CHANNEL = 'twat-cache:call'

export type CallStatus = 'hit' | 'miss' | 'stale' | 'refresh' | 'stale-if-error' | 'bypass' | 'error'

export interface CallTrace {
  readonly name: string
  readonly kind: 'mcache' | 'bcache' | 'fcache' | 'acache' | 'ucache'
  readonly engine: string
  status: CallStatus | undefined
  async: boolean
  key: string | undefined
  result?: unknown
  error?: unknown
}

export interface TraceSite {
  readonly name: string
  readonly kind: CallTrace['kind']
  engine(): string
}

export const tracing = { on: false }

let showKeys = false

export function traceKeys(show: boolean): boolean {
  const previous = showKeys
  showKeys = show
  return previous
}

export function currentTrace(): CallTrace | undefined {
  return undefined
}

export function noteStatus(_status: CallStatus, _key?: unknown): void {}

export function noteStaleIfError(_trace: CallTrace | undefined): void {}

export function resumeTrace<R>(_trace: CallTrace | undefined, fn: () => R): R {
  return fn()
}

export function tracedCall(_site: TraceSite, call: Function): Function {
  return call
}

export function withTracing(_site: TraceSite, call: Function): Function {
  return call
}

export function traceRefresh(_site: TraceSite | undefined, _key: unknown, run: () => unknown): unknown {
  return run()
}
