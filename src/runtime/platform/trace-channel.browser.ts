/** The browser's stand-in for trace-channel.ts: there is no node:diagnostics_channel, so tracing is never on. */
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

export function openTraceChannel(_name: string, _onChange: (listening: boolean) => void): TraceChannel | undefined {
  return undefined
}
