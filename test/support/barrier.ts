/**
 * A real barrier for "at once" across processes: each child announces it is ready with a file and waits for the
 * go file; the test waits until every child is ready, then creates it. Bounded on both sides, so a child that never
 * starts fails the test instead of hanging it. Children get `childWait(name)` as source text to paste in.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface Barrier {
  /** ES module source for a child: announce `name` ready, then wait (≤ 30 s) for the go signal. */
  childWait(name: string): string
  /** Wait (≤ `timeoutMs`) until `count` children are ready, then let them all go at once. */
  release(count: number, timeoutMs?: number): Promise<void>
  remove(): void
}

export function createBarrier(): Barrier {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-barrier-'))
  const go = path.join(dir, 'go')
  return {
    childWait: (name) => `
      await (async () => {
        const { existsSync, writeFileSync } = await import('node:fs')
        writeFileSync(${JSON.stringify(dir)} + '/ready-' + ${JSON.stringify(name)}, '')
        for (let i = 0; !existsSync(${JSON.stringify(go)}); i++) {
          if (i > 6000) throw new Error('barrier: no go signal within 30 s')
          await new Promise((r) => setTimeout(r, 5))
        }
      })()`,
    async release(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (readdirSync(dir).filter((name) => name.startsWith('ready-')).length < count) {
        if (Date.now() > deadline)
          throw new Error(`barrier: only ${readdirSync(dir).length} of ${count} children ready after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 5))
      }
      writeFileSync(go, '')
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Whether the time spans [start, end] of every process overlap (they all ran at some same moment). */
export function allOverlap(spans: ReadonlyArray<{ start: number; end: number }>): boolean {
  return Math.max(...spans.map((s) => s.start)) < Math.min(...spans.map((s) => s.end))
}
