/**
 * twat-cache under a Vite dev server (createServer, ssrLoadModule) with the packed package and its Vite plugin: after
 * an edit, the edited module is a new instance whose memory caches start empty; persistent entries follow the
 * version rule (an edited function gets a new version and computes again, an untouched one keeps its entries); and
 * the runtime is loaded once, by Node, for every module and every edit. Then Vitest in watch mode: a rerun after an
 * edit starts with empty memory caches, and the same version rule holds for persistent entries.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { createApp, packPackage, type App, type PackedPackage } from './support/build-package.js'
import { suite } from './support/suite.js'

const s = suite('dev servers: Vite and Vitest watch', { timeoutMs: 240_000 })

let packed: PackedPackage
let app: App
let cacheDir: string

/** The tagged module, in two versions: `report`'s body is edited, `kept` and `square` are not. */
const PRICES = (label: string) => `import { cacheOf } from 'twat-cache'

const computed = ((globalThis as { __computed?: string[] }).__computed ??= [])
export const instance = Symbol('prices module instance')
export const runtime = cacheOf

/** @mcache */
export function square(n: number): number {
  computed.push('square')
  return n * n
}

/** @cache bcache folder_name=dev */
export function report(year: number): string {
  computed.push('report')
  return year + ' ${label}'
}

/** @cache bcache folder_name=dev */
export function kept(year: number): number {
  computed.push('kept')
  return year * 2
}
`

const OTHER = `import { cacheOf } from 'twat-cache'

export const runtime = cacheOf

/** @mcache */
export function half(n: number): number {
  return n / 2
}
`

interface Prices {
  instance: symbol
  runtime: Function
  square(n: number): number
  report(year: number): string
  kept(year: number): number
}

s.before(async () => {
  packed = await packPackage()
  app = await createApp(packed, 'dev-server', {})
  await mkdir(path.join(app.dir, 'src'), { recursive: true })
  await writeFile(path.join(app.dir, 'src/prices.ts'), PRICES('v1'))
  await writeFile(path.join(app.dir, 'src/other.ts'), OTHER)
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-dev-server-'))
})

s.after(async () => {
  await packed?.cleanup()
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true })
})

/** Polls `done` every 50 ms, up to `timeoutMs`; fails with `what` when it never holds. */
async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

s('vite dev server: memory caches start empty after an edit, persistent entries follow versions, one runtime', async () => {
  const previousDir = process.env.TWAT_CACHE_DIR
  process.env.TWAT_CACHE_DIR = cacheDir
  const computed = ((globalThis as { __computed?: string[] }).__computed = [])
  const { createServer } = await import('vite')
  const plugin = (await import(app.packedUrl('dist/plugins/vite.js'))) as { default: () => never }
  const runtime = (await import(app.packedUrl('dist/node/index.js'))) as typeof import('../src/runtime/index.js')
  const server = await createServer({
    root: app.dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [plugin.default()],
    server: { middlewareMode: true, hmr: false, watch: {} },
    appType: 'custom',
  })
  try {
    const file = path.join(app.dir, 'src/prices.ts')
    const first = (await server.ssrLoadModule('/src/prices.ts')) as Prices
    const other = (await server.ssrLoadModule('/src/other.ts')) as { runtime: Function }
    assert.is(first.square(3), 9)
    assert.is(first.square(3), 9)
    assert.is(first.report(2024), '2024 v1')
    assert.is(first.report(2024), '2024 v1')
    assert.is(first.kept(2024), 4048)
    assert.equal(computed.splice(0), ['square', 'report', 'kept'])
    // One runtime: both modules and this test share the instance Node loaded from node_modules.
    assert.is(first.runtime, runtime.cacheOf)
    assert.is(other.runtime, runtime.cacheOf)
    const firstSquare = runtime.cacheOf(first.square)
    assert.equal([firstSquare.stats().hits, firstSquare.stats().misses], [1, 1])
    assert.equal(
      runtime.getStats('src/prices.ts#square').map((stats) => stats.hits),
      [1],
      'the runtime lists the cache',
    )

    // The edit: the watcher invalidates the module, and the next load is a new instance.
    const ssrGraph = server.environments.ssr.moduleGraph
    const stamp = ssrGraph.getModuleById(file)?.lastInvalidationTimestamp ?? 0
    await writeFile(file, PRICES('v2'))
    await until('the watcher to invalidate src/prices.ts', () => (ssrGraph.getModuleById(file)?.lastInvalidationTimestamp ?? 0) > stamp)
    const second = (await server.ssrLoadModule('/src/prices.ts')) as Prices
    assert.is.not(second.instance, first.instance, 'a new module instance')
    assert.is(second.runtime, runtime.cacheOf, 'the runtime is not loaded again')
    const secondSquare = runtime.cacheOf(second.square)
    assert.is.not(secondSquare, firstSquare)
    assert.equal([secondSquare.stats().hits, secondSquare.stats().misses, secondSquare.stats().size], [0, 0, 0], 'memory starts empty')
    assert.is(second.square(3), 9)
    assert.is(second.report(2024), '2024 v2', 'the edited function computes again')
    assert.is(second.kept(2024), 4048)
    assert.equal(computed.splice(0), ['square', 'report'], 'the untouched function is served from disk')
    assert.is(runtime.cacheOf(second.kept).stats().hits, 1)
  } finally {
    await server.close()
    if (previousDir === undefined) delete process.env.TWAT_CACHE_DIR
    else process.env.TWAT_CACHE_DIR = previousDir
  }
})

/** Vitest in watch mode, driven through its Node API in a child process: two runs around an edit. */
const WATCH_SCRIPT = `import { writeFileSync, readFileSync } from 'node:fs'
import { createVitest } from 'vitest/node'

const runs = []
let resolveRun
let next = new Promise((resolve) => (resolveRun = resolve))
const reporter = {
  onTestRunEnd(modules) {
    const tests = modules.flatMap((m) => [...m.children.allTests()].map((t) => ({ name: t.name, state: t.result().state, errors: (t.result().errors ?? []).map((e) => e.message) })))
    runs.push({ tests })
    resolveRun()
  },
}
const vitest = await createVitest('test', { watch: true, root: process.cwd(), reporters: [reporter], setupFiles: [] }, {})
const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'timed out', runs })); process.exit(1) }, 120_000)
await vitest.start()
await next
next = new Promise((resolve) => (resolveRun = resolve))
const file = 'src/prices.ts'
writeFileSync(file, readFileSync(file, 'utf8').replace("' v1'", "' v2'"))
await next
clearTimeout(timer)
await vitest.close()
console.log(JSON.stringify({ runs }))
`

const WATCHED_TEST = `import { appendFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { cacheOf } from 'twat-cache'
import { kept, report, square } from '../src/prices'

test('run', () => {
  // The computations of this run (a worker process may serve several runs).
  const all = ((globalThis as { __computed?: string[] }).__computed ??= [])
  const start = all.length
  const before = cacheOf(square).stats()
  square(3)
  square(3)
  report(2024)
  kept(2024)
  const computed = all.slice(start)
  appendFileSync(process.env.RUN_LOG!, JSON.stringify({ squareBefore: [before.hits, before.misses], computed, report: report(2024) }) + '\\n')
  expect(cacheOf(square).stats().hits).toBe(before.hits + 1)
})
`

s('vitest watch: a rerun after an edit starts with empty memory caches; persistent entries follow versions', async () => {
  const watchApp = await createApp(packed, 'vitest-watch', {})
  await mkdir(path.join(watchApp.dir, 'src'), { recursive: true })
  await mkdir(path.join(watchApp.dir, 'test'), { recursive: true })
  await writeFile(path.join(watchApp.dir, 'src/prices.ts'), PRICES('v1'))
  await writeFile(path.join(watchApp.dir, 'test/prices.test.ts'), WATCHED_TEST)
  await writeFile(
    path.join(watchApp.dir, 'vitest.config.mjs'),
    "import twatCache from 'twat-cache/vite'\nimport { defineConfig } from 'vitest/config'\nexport default defineConfig({ plugins: [twatCache()] })\n",
  )
  await writeFile(path.join(watchApp.dir, 'watch.mjs'), WATCH_SCRIPT)
  const watchCache = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-vitest-watch-'))
  const runLog = path.join(watchCache, 'runs.log')
  await writeFile(runLog, '')
  try {
    const env = { ...process.env, FORCE_COLOR: '0', TWAT_CACHE_DIR: path.join(watchCache, 'root'), RUN_LOG: runLog }
    const child = spawn(process.execPath, ['watch.mjs'], { cwd: watchApp.dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearTimeout(timer)
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
      runs?: Array<{ tests: Array<{ name: string; state: string; errors: string[] }> }>
      error?: string
    }
    assert.is(code, 0, output)
    assert.is(result.runs?.length, 2, output)
    for (const run of result.runs!)
      assert.equal(
        run.tests.map((t) => [t.name, t.state, t.errors]),
        [['run', 'passed', []]],
      )
    const logged = (await readFile(runLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { squareBefore: number[]; computed: string[]; report: string })
    assert.is(logged.length, 2)
    assert.equal(
      logged.map((l) => l.squareBefore),
      [
        [0, 0],
        [0, 0],
      ],
      'each run starts with empty memory caches',
    )
    assert.equal(logged[0]!.computed, ['square', 'report', 'kept'])
    assert.equal(logged[1]!.computed, ['square', 'report'], 'the edited function computes again, the untouched one is served from disk')
    assert.equal(
      logged.map((l) => l.report),
      ['2024 v1', '2024 v2'],
    )
  } finally {
    await rm(watchCache, { recursive: true, force: true })
  }
})

s.run()
