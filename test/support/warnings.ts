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
