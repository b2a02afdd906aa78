// Each reason an optional engine cannot load gets a warning that names the real cause and the real fix: not
// installed, installed without its native addon built (install scripts skipped), an addon built for something else,
// bundled when it must stay external, an ES module bundle without require, and the browser (real Chromium).
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApp, packPackage, REPO, type PackedPackage } from './support/build-package.js'
import { runChild, RUNTIME_URL } from './support/child.js'
import { chromiumBody } from './support/chromium.js'

const run = promisify(execFile)

interface Warning {
  code: string
  message: string
}

/** bcache in a child: the engine that ran, and every warning. No top-level await: it is bundled to CommonJS too. */
const BCACHE_SCRIPT = (runtime: string) => `
  import { bcache, getAvailableBackends } from ${JSON.stringify(runtime)}
  const warnings = []
  process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }))
  let calls = 0
  const f = bcache((n) => (calls++, n * 2), { name: 'messages#double' })
  const values = [f(1), f(1)]
  setTimeout(() => {
    console.log(JSON.stringify({ values, calls, engine: f.cache.engine, backends: getAvailableBackends(), warnings }))
  }, 20)
`

interface BcacheReport {
  values: number[]
  calls: number
  engine: string
  backends: string[]
  warnings: Warning[]
}

const s = suite('fallback messages')
const folders: string[] = []
let packed: PackedPackage | undefined

s.after(async () => {
  await packed?.cleanup()
  for (const folder of folders) await rm(folder, { recursive: true, force: true })
})

async function tempFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), prefix))
  folders.push(folder)
  return folder
}

/** The single TWAT_CACHE_FALLBACK warning of a report; fails when there is none or more than one. */
function onlyFallback(warnings: Warning[]): string {
  const fallbacks = warnings.filter((w) => w.code === 'TWAT_CACHE_FALLBACK')
  assert.is(fallbacks.length, 1, `one fallback warning in ${JSON.stringify(warnings)}`)
  assert.equal(
    warnings.filter((w) => w.code === 'TWAT_CACHE_FAULT'),
    [],
    'no fault blamed on the cache folder',
  )
  return fallbacks[0]!.message
}

async function runBcache(options: Parameters<typeof runChild>[1]): Promise<BcacheReport> {
  const cacheDir = await tempFolder('twat-cache-messages-')
  const result = await runChild(BCACHE_SCRIPT(RUNTIME_URL), { ...options, env: { TWAT_CACHE_DIR: cacheDir, ...options?.env } })
  assert.is(result.code, 0, result.stderr)
  return JSON.parse(result.stdout) as BcacheReport
}

/**
 * A copy of better-sqlite3 as a blocked install script leaves it: its JavaScript and package.json, its own
 * dependencies, and no build/ folder (or `addon` as a stand-in for build/Release/better_sqlite3.node).
 */
async function betterSqlite3Copy(addon?: string): Promise<string> {
  const modules = path.join(await tempFolder('twat-cache-unbuilt-'), 'node_modules')
  const source = path.join(REPO, 'node_modules', 'better-sqlite3')
  const target = path.join(modules, 'better-sqlite3')
  await mkdir(target, { recursive: true })
  await cp(path.join(source, 'package.json'), path.join(target, 'package.json'))
  await cp(path.join(source, 'lib'), path.join(target, 'lib'), { recursive: true })
  for (const dependency of ['bindings', 'file-uri-to-path']) {
    await cp(path.join(REPO, 'node_modules', dependency), path.join(modules, dependency), { recursive: true })
  }
  if (addon !== undefined) {
    await mkdir(path.join(target, 'build', 'Release'), { recursive: true })
    await writeFile(path.join(target, 'build', 'Release', 'better_sqlite3.node'), addon)
  }
  return target
}

s('should name the install command when better-sqlite3 is not installed', async () => {
  const report = await runBcache({ hide: ['better-sqlite3'] })
  assert.is(report.engine, 'file')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^better-sqlite3 is not installed \(Cannot find module 'better-sqlite3'/)
  assert.match(message, /bcache uses the file engine/)
  assert.match(message, /npm install better-sqlite3/)
  assert.not.match(message, /rebuild|bundle|writ(?:e|able)/)
})

s('should say the native addon was not built (install scripts skipped) when build/ is missing', async () => {
  const report = await runBcache({ replace: { 'better-sqlite3': await betterSqlite3Copy() } })
  assert.equal(report.values, [2, 2])
  assert.is(report.calls, 1)
  assert.is(report.engine, 'file', 'the next engine runs')
  assert.not.ok(report.backends.includes('better-sqlite3'), 'getAvailableBackends leaves out an unbuilt better-sqlite3')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^better-sqlite3 is installed, but its native addon was not built/)
  assert.match(message, /install script was skipped/)
  assert.match(message, /npm rebuild better-sqlite3/)
  assert.match(message, /pnpm approve-builds/)
  assert.not.match(message, /npm install better-sqlite3|writ(?:e|able)/)
})

s('should say the addon could not be loaded and must be rebuilt when it is not one for this Node', async () => {
  const report = await runBcache({ replace: { 'better-sqlite3': await betterSqlite3Copy('not a shared object') } })
  assert.is(report.engine, 'file')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^better-sqlite3 is installed, but its native addon could not be loaded \(.*\.node/)
  assert.match(message, /built for another Node\.js version or platform/)
  assert.match(message, /npm rebuild better-sqlite3/)
  assert.not.match(message, /npm install better-sqlite3|writ(?:e|able)/)
})

s('should name both packages when acache has no keyv for its Redis backend', async () => {
  const result = await runChild(
    `import { acache } from ${JSON.stringify(RUNTIME_URL)}
     const warnings = []
     process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }))
     const f = acache(async (n) => n + 1, { backend: 'redis' })
     const values = [await f(1), await f(1)]
     await new Promise((r) => setImmediate(r))
     console.log(JSON.stringify({ values, engine: f.cache.engine, warnings }))`,
    { hide: ['keyv'] },
  )
  assert.is(result.code, 0, result.stderr)
  const report = JSON.parse(result.stdout) as { values: number[]; engine: string; warnings: Warning[] }
  assert.equal(report.values, [2, 2])
  assert.is(report.engine, 'memory-async')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^keyv is not installed/)
  assert.match(message, /npm install keyv @keyv\/redis/)
})

/** Bundles BCACHE_SCRIPT (importing the repository's dist/) with esbuild and no twat-cache plugin; runs it. */
async function bundleWithoutPlugin(format: 'cjs' | 'esm'): Promise<BcacheReport> {
  const { build } = await import('esbuild')
  const folder = await tempFolder(`twat-cache-noplugin-${format}-`)
  const entry = path.join(folder, 'entry.mjs')
  await writeFile(entry, BCACHE_SCRIPT(path.join(REPO, 'dist/runtime/index.js')))
  const outfile = path.join(folder, format === 'cjs' ? 'bundle.cjs' : 'bundle.mjs')
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format, outfile, logLevel: 'silent' })
  const { stdout } = await run(process.execPath, [outfile], {
    cwd: folder,
    env: { ...process.env, TWAT_CACHE_DIR: path.join(folder, 'cache') },
  })
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as BcacheReport
}

s('should say a native addon cannot be bundled when better-sqlite3 was bundled (no plugin)', async () => {
  const report = await bundleWithoutPlugin('cjs')
  assert.equal(report.values, [2, 2])
  assert.is(report.engine, 'file')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^better-sqlite3 could not be loaded from this bundle \(Could not (?:locate the bindings file|find module root)/)
  assert.match(message, /a native addon cannot be bundled, so better-sqlite3 must stay external/)
  assert.match(message, /twat-cache bundler plugin \(twat-cache\/webpack, .*\/esbuild/)
  assert.not.match(message, /npm install better-sqlite3|writ(?:e|able)/)
})

s('should say an ES module bundle has no require, and how to give it one (no plugin)', async () => {
  const report = await bundleWithoutPlugin('esm')
  assert.equal(report.values, [2, 2])
  assert.is(report.engine, 'file')
  const message = onlyFallback(report.warnings)
  assert.match(message, /^better-sqlite3 cannot be loaded: this ES module bundle has no require\(\)/)
  assert.match(message, /createRequire\(import\.meta\.url\)/)
  assert.match(message, /twat-cache bundler plugin \(twat-cache\/webpack, .*\/esbuild.*\): it keeps better-sqlite3 external/)
})

s('should say there is no disk and no Redis in the browser, without install advice (Chromium)', async () => {
  packed = await packPackage()
  const app = await createApp(packed, 'fallbacks-browser', { src: path.join(REPO, 'fixtures/fallbacks/browser') })
  const { build } = await import('vite')
  const outDir = path.join(app.dir, 'dist')
  await build({
    root: app.dir,
    configFile: false,
    logLevel: 'silent',
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: path.join(app.dir, 'src/main.ts'), formats: ['iife'], name: 'fallbacks', fileName: () => 'main.js' },
    },
  })
  const html = path.join(outDir, 'index.html')
  await writeFile(
    html,
    '<!doctype html><html><body><script src="main.js"></script><script>' +
      'fallbacks.report().then((r) => { document.body.textContent = JSON.stringify(r) }, ' +
      '(e) => { document.body.textContent = JSON.stringify({ error: String(e && e.stack || e) }) })' +
      '</script></body></html>',
  )
  const report = JSON.parse(await chromiumBody(pathToFileURL(html).href)) as {
    values: number[]
    runs: number
    engines: string[]
    warnings: string[]
    error?: string
  }
  assert.is(report.error, undefined, report.error)
  assert.equal(report.values, [2, 2, 2, 2])
  assert.is(report.runs, 2, 'both caches still cache, in memory')
  assert.equal(report.engines, ['lru-cache', 'memory-async'])
  assert.is(report.warnings.length, 2, JSON.stringify(report.warnings))
  const [disk, redis] = report.warnings as [string, string]
  assert.match(disk, /\[TWAT_CACHE_FALLBACK\] bcache: no disk in the browser: entries kept in memory/)
  assert.match(redis, /\[TWAT_CACHE_FALLBACK\] acache: no keyv:redis store in the browser: entries kept in memory \(memory-async/)
  for (const message of report.warnings) assert.not.match(message, /install|rebuild/i)
})

s.run()
