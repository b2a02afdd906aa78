/**
 * The progress bar of long scans, on stderr: drawn only on a terminal and only when there is enough work to wait
 * for, redrawn at most every {@link REDRAW_MS}, and erased when done, so piped or --json output never holds one.
 */

/** Scans of fewer files finish before a bar would help. */
export const PROGRESS_MIN_ITEMS = 1000
const REDRAW_MS = 80
const BAR_WIDTH = 30

export interface Progress {
  tick(done: number): void
  done(): void
}

const silent: Progress = { tick() {}, done() {} }

export function createProgress(stream: NodeJS.WriteStream, total: number, label: string, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY || total < PROGRESS_MIN_ITEMS) return silent
  let last = 0
  const draw = (done: number) => {
    const filled = Math.round((done / total) * BAR_WIDTH)
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${label}`)
  }
  return {
    tick(done) {
      const now = Date.now()
      if (now - last < REDRAW_MS && done < total) return
      last = now
      draw(done)
    },
    done() {
      stream.write('\r\u001b[2K')
    },
  }
}
