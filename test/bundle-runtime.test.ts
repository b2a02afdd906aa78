// twat-cache bundled into the app, as a server bundle does it: fixtures/app is built by every bundler with the runtime
// inside the bundle (only Node built-ins and what the plugin marks, better-sqlite3, stay external), in CommonJS and
// in ES module output, then run twice with Node, and traced with @vercel/nft. A CommonJS bundle used to crash on the
// first cached call (createRequire(import.meta.url) with an emptied import.meta).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { nodeFileTrace } from '@vercel/nft'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BUNDLERS, buildApp, type Bundler, type BundleFormat } from './support/build-bundlers.js'
import { createApp, packPackage, REPO, type PackedPackage } from './support/build-package.js'

const run = promisify(execFile)

/** The parts of fixtures/app/src/main.ts's report these tests read. */
interface Report {
  results: { squares: number[]; fib30: number; users: string[]; sums: number[] }
  calls: Record<'hoisted' | 'fib' | 'async' | 'persistent', number>
}

interface Run {
  report: Report
  /** The warnings the process printed (process.emitWarning writes them to stderr). */
  stderr: string
}

interface Built {
  first: Run
  second: Run
  bundle: string
  code: string
  cacheDir: string
  appDir: string
}

const s = suite('twat-cache bundled into the app')
let packed: PackedPackage
const cacheDirs: string[] = []

s.before(async () => {
  packed = await packPackage()
})

s.after(async () => {
  await packed?.cleanup()
  for (const dir of cacheDirs) await rm(dir, { recursive: true, force: true })
})

async function runBundle(file: string, cwd: string, cacheDir: string): Promise<Run> {
  const { stdout, stderr } = await run(process.execPath, [file], {
    cwd,
    env: { ...process.env, TWAT_CACHE_DIR: cacheDir },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`node ${file} failed: ${error.message}\n${error.stderr ?? ''}`)
  })
  return { report: JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Report, stderr }
}

interface Variant {
  readonly bundler: Bundler
  readonly format: BundleFormat
  /** esbuild: leave `format` out, so that platform 'node' picks its default (CommonJS). */
  readonly bundlerDefaultFormat?: boolean
}

const builds = new Map<string, Promise<Built>>()
function buildAndRun(variant: Variant): Promise<Built> {
  const name = `runtime-${variant.bundler}-${variant.format}${variant.bundlerDefaultFormat ? '-default' : ''}`
  let built = builds.get(name)
  if (!built) {
    built = (async () => {
      const app = await createApp(packed, name)
      const bundle = await buildApp(variant.bundler, {
        app,
        entry: 'src/main.ts',
        format: variant.format,
        bundlerDefaultFormat: variant.bundlerDefaultFormat ?? false,
        bundleRuntime: true,
        pluginOptions: variant.bundler === 'rollup' ? { root: app.dir } : {},
      })
      const cacheDir = await mkdtemp(path.join(os.tmpdir(), `twat-cache-${name}-`))
      cacheDirs.push(cacheDir)
      const first = await runBundle(bundle, app.dir, cacheDir)
      const second = await runBundle(bundle, app.dir, cacheDir)
      return { first, second, bundle, code: await readFile(bundle, 'utf8'), cacheDir, appDir: app.dir }
    })()
    builds.set(name, built)
  }
  return built
}

const VARIANTS: Variant[] = [
  ...BUNDLERS.flatMap((bundler) => (['cjs', 'esm'] as const).map((format) => ({ bundler, format }))),
  { bundler: 'esbuild', format: 'cjs', bundlerDefaultFormat: true },
]

for (const variant of VARIANTS) {
  const label = `${variant.bundler} ${variant.bundlerDefaultFormat ? "(platform: 'node', default format)" : variant.format}`

  s(`${label}: should cache in memory (mcache) with twat-cache inside the bundle`, async () => {
    const { first, code } = await buildAndRun(variant)
    assert.ok(/LRUCache/.test(code), 'lru-cache is bundled')
    assert.equal(first.report.results.squares, [9, 9, 16, 16])
    assert.is(first.report.calls.hoisted, 2)
    assert.is(first.report.results.fib30, 832040)
    assert.is(first.report.calls.fib, 31)
  })

  s(`${label}: should share one call of an async function (acache)`, async () => {
    const { first } = await buildAndRun(variant)
    assert.equal(first.report.results.users, ['u1', 'u1', 'u1'])
    assert.is(first.report.calls.async, 1)
  })

  s(`${label}: should persist in SQLite across processes (bcache), with no fallback warning`, async () => {
    const { first, second, cacheDir } = await buildAndRun(variant)
    assert.is(first.report.calls.persistent, 1)
    assert.is(second.report.calls.persistent, 0, 'the second process reads the entry from disk')
    assert.ok(existsSync(path.join(cacheDir, 'app-test', 'cache.sqlite')), 'better-sqlite3 ran (the database exists)')
    assert.not.match(first.stderr, /TWAT_CACHE_/, first.stderr)
    assert.not.match(second.stderr, /TWAT_CACHE_/, second.stderr)
  })

  s(`${label}: should let @vercel/nft find better-sqlite3 and its addon`, async () => {
    const { bundle } = await buildAndRun(variant)
    const { fileList } = await nodeFileTrace([bundle], { base: REPO })
    assert.ok(fileList.has('node_modules/better-sqlite3/build/Release/better_sqlite3.node'), [...fileList].join('\n'))
  })

  s(`${label}: should not bake the build folder into the bundle`, async () => {
    const { code, appDir } = await buildAndRun(variant)
    assert.not.ok(code.includes(pathToFileURL(appDir).href), 'a file URL of the build folder')
  })
}

s.run()
