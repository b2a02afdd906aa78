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

/** Collect the process warnings emitted while a test runs (emitWarning delivers them on a later tick). */
export function captureWarnings() {
  const seen: Array<{ code: string | undefined; message: string }> = []
  const listener = (warning: Error & { code?: string }) => seen.push({ code: warning.code, message: warning.message })
  process.on('warning', listener)
  return {
    seen,
    /** The warnings with `code` seen so far, after letting pending ones arrive. */
    async of(code: string) {
      await new Promise((resolve) => setImmediate(resolve))
      return seen.filter((w) => w.code === code)
    },
    stop: () => process.off('warning', listener),
  }
}
