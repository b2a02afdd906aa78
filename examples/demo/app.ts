// The demo app: ordinary functions with a JSDoc tag. The twat-cache plugin rewrites them at build time.
import { getStats } from 'twat-cache'

const sleep = (ms: number) => {
  const end = Date.now() + ms
  while (Date.now() < end);
}

/** @cache mcache maxsize=100 */
export function slowSquare(n: number): number {
  sleep(200) // pretend this is expensive
  return n * n
}

/**
 * Recursive: through the cache, fib(90) takes 91 calls instead of ~10^18.
 * @mcache maxsize=null
 */
export function fib(n: number): bigint {
  return n < 2 ? BigInt(n) : fib(n - 1) + fib(n - 2)
}

/** @cache bcache folder_name=demo ttl=1h */
export function slowReport(year: number): { year: number; total: number } {
  sleep(500) // pretend this queries a database
  return { year, total: year * 12 }
}

/** @acache ttl=30s */
export async function slowFetch(id: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 300))
  return `item ${id}`
}

function timed<T>(label: string, run: () => T): T {
  const start = performance.now()
  const result = run()
  console.log(`  ${label.padEnd(34)} ${(performance.now() - start).toFixed(2).padStart(9)} ms   -> ${String(result)}`)
  return result
}

async function timedAsync<T>(label: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now()
  const result = await run()
  console.log(`  ${label.padEnd(34)} ${(performance.now() - start).toFixed(2).padStart(9)} ms   -> ${String(result)}`)
  return result
}

const run = process.argv[2] ?? '1'
console.log(`\nRun ${run} (process ${process.pid})`)
timed('mcache slowSquare(12), cold', () => slowSquare(12))
timed('mcache slowSquare(12), warm', () => slowSquare(12))
timed('mcache fib(90)', () => fib(90))
timed('bcache slowReport(2024)', () => JSON.stringify(slowReport(2024)))
timed('bcache slowReport(2024) again', () => JSON.stringify(slowReport(2024)))
await timedAsync('acache 3 concurrent slowFetch("a")', () =>
  Promise.all([slowFetch('a'), slowFetch('a'), slowFetch('a')]).then((r) => r.join(', ')),
)
await timedAsync('acache slowFetch("a") again', () => slowFetch('a'))

const stats = getStats()
const width = Math.max(...stats.map((s) => s.name.length), 5)
console.log(`\n  ${'cache'.padEnd(width)}  ${'engine'.padEnd(15)}  hits  misses  size`)
for (const s of stats) {
  console.log(
    `  ${s.name.padEnd(width)}  ${s.engine.padEnd(15)} ${String(s.hits).padStart(5)} ${String(s.misses).padStart(7)} ${String(s.size).padStart(5)}`,
  )
}
