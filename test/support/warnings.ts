/**
 * Process warnings in tests. process.emitWarning delivers a warning on the next tick, so waiting for setImmediate
 * (after every pending tick) is enough to have them all: no sleeping.
 */

/** Resolves once every warning emitted so far has been delivered to the 'warning' listeners. */
export function warningsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export interface SeenWarning {
  readonly code?: string
  readonly message: string
}

/** The warnings emitted while `body` runs (and not those of earlier tests, which are delivered first). */
export async function warningsDuring(body: () => unknown): Promise<SeenWarning[]> {
  await warningsDelivered()
  const seen: SeenWarning[] = []
  const listener = (warning: Error & { code?: string }) => seen.push({ code: warning.code, message: warning.message })
  process.on('warning', listener)
  try {
    await body()
    await warningsDelivered()
  } finally {
    process.off('warning', listener)
  }
  return seen
}
