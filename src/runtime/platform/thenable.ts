/** Whether a function's result is a promise (or any thenable): then its settled value is what gets cached. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function'
}
