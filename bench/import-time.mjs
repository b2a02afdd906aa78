/**
 * What importing the runtime costs a fresh process: `await import('twat-cache')` (the package's own root export,
 * resolved from the repository like an installed package) against `await import('lru-cache')`, and an empty module
 * as the floor (the ES module loader's own start-up, paid by any first import), and the unbundled runtime
 * (dist/runtime/index.js, tsc's ~90 modules) to show what the Node bundle (dist/node/) saves. Every isolated Vitest file,
 * serverless cold start and CLI run pays this once. Each process times only its import; the contenders are
 * interleaved, 20 processes each, and the median counts.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT, temporaryFolder } from './harness/built.mjs'
import { QUICK } from './harness/measure.mjs'

export const title = "root import in a fresh process: import('twat-cache') vs import('lru-cache')"

const PROCESSES = QUICK ? 3 : 20

function timedImport(specifier) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t))`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  const ms = Number(child.stdout)
  if (child.status !== 0 || !Number.isFinite(ms)) throw new Error(`import(${specifier}) failed: ${child.stderr}`)
  return ms
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

export async function measureAll() {
  const floor = temporaryFolder('twat-cache-bench-import-')
  mkdirSync(floor, { recursive: true })
  const empty = path.join(floor, 'empty.mjs')
  writeFileSync(empty, 'export const nothing = 0\n')
  const contenders = {
    'empty module': empty,
    'lru-cache': 'lru-cache',
    'twat-cache': 'twat-cache',
    // tsc's output, ~90 modules: what the root import loaded before the Node bundle (bundlers and browsers read it).
    'twat-cache, unbundled (dist/runtime)': path.join(ROOT, 'dist/runtime/index.js'),
  }
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]))
  for (let i = 0; i < PROCESSES; i++) {
    for (const [name, specifier] of Object.entries(contenders)) samples[name].push(timedImport(specifier))
  }
  const results = {}
  for (const [name, times] of Object.entries(samples)) {
    const ms = median(times)
    const sorted = [...times].sort((a, b) => a - b)
    results[name] = {
      ns: ms * 1e6,
      text: `${ms.toFixed(1)} ms`,
      detail: `median of ${times.length} processes (fastest ${sorted[0].toFixed(1)} ms, slowest ${sorted.at(-1).toFixed(1)} ms)`,
    }
  }
  return { results }
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, {
      goal: "import('twat-cache') in a fresh process",
      subject: 'twat-cache',
      baseline: 'lru-cache',
      max: 2,
      note: 'medians of 20 fresh processes, interleaved',
    }),
  ]
}
