// Every plugin entry from CommonJS: `require('twat-cache/<entry>')` in an app that installed the packed package is
// the entry's function itself (also `.default`), the same one `import` gives, with types for both; and a CommonJS
// webpack config that calls `require('twat-cache/webpack')()` builds an app whose tagged function is cached.
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApp, packPackage, REPO, type App, type PackedPackage } from './support/build-package.js'

const run = promisify(execFile)
const ENTRIES = ['vite', 'webpack', 'rollup', 'esbuild', 'rspack', 'rolldown', 'loader', 'next'] as const

const s = suite('plugin entries from CommonJS')
let packed: PackedPackage
let app: App

s.before(async () => {
  packed = await packPackage()
  app = await createApp(packed, 'cjs', {})
  await writeFile(path.join(app.dir, 'package.json'), `${JSON.stringify({ name: 'twat-cache-cjs', private: true, type: 'commonjs' })}\n`)
})

s.after(async () => {
  await packed?.cleanup()
})

/** Writes `source` to `<app>/<file>`, runs it with Node, returns its last stdout line parsed as JSON. */
async function runScript<T>(file: string, source: string): Promise<T> {
  await writeFile(path.join(app.dir, file), source)
  const { stdout } = await run(process.execPath, [file], { cwd: app.dir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`node ${file} failed: ${error.message}\n${error.stderr ?? ''}`)
    },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T
}

s('should give the entry function itself to require(), also as .default, the same one import gives', async () => {
  const report = await runScript<Record<string, { type: string; isDefault: boolean; sameAsImport: boolean }>>(
    'entries.cjs',
    `const report = {}
     ;(async () => {
       for (const entry of ${JSON.stringify(ENTRIES)}) {
         const required = require('twat-cache/' + entry)
         const imported = await import('twat-cache/' + entry)
         report[entry] = { type: typeof required, isDefault: required.default === required, sameAsImport: imported.default === required }
       }
       console.log(JSON.stringify(report))
     })()`,
  )
  for (const entry of ENTRIES) {
    assert.equal(report[entry], { type: 'function', isDefault: true, sameAsImport: true }, entry)
  }
})

s('should make working plugins, a loader and a Next.js config from require()', async () => {
  const report = await runScript<Record<string, unknown>>(
    'call.cjs',
    `const report = {}
     for (const entry of ['vite', 'rollup', 'rolldown']) report[entry] = require('twat-cache/' + entry)().name
     report.esbuild = typeof require('twat-cache/esbuild')().setup
     report.webpack = typeof require('twat-cache/webpack')().apply
     report.rspack = typeof require('twat-cache/rspack')().apply
     const loader = require('twat-cache/loader')
     loader.call({
       resourcePath: __dirname + '/src/a.ts', rootContext: __dirname, getOptions: () => ({}),
       callback: (error, code) => { report.loader = error ? String(error) : /name: "src\\/a\\.ts#twice"/.test(code) },
     }, '/** @cache mcache */\\nexport function twice(n: number) { return 2 * n }\\n')
     const { withTwatCache } = require('twat-cache/next')
     report.nextNamed = withTwatCache === require('twat-cache/next')
     report.next = Object.keys(withTwatCache({}).turbopack.rules)
     console.log(JSON.stringify(report))`,
  )
  assert.equal(report, {
    vite: 'twat-cache',
    rollup: 'twat-cache',
    rolldown: 'twat-cache',
    esbuild: 'function',
    webpack: 'function',
    rspack: 'function',
    loader: true,
    nextNamed: true,
    next: ['*.{ts,tsx,js,jsx,mts,cts,mjs,cjs}'],
  })
})

s('should build with a CommonJS webpack config that calls require("twat-cache/webpack")()', async () => {
  await writeFile(
    path.join(app.dir, 'tagged.js'),
    `let runs = 0
     /** @cache mcache */
     function square(n) { runs++; return n * n }
     module.exports.report = () => ({ values: [square(3), square(3), square(4)], runs })\n`,
  )
  const report = await runScript<{ values: number[]; runs: number; errors: string[] }>(
    'webpack.config.cjs',
    `const path = require('node:path')
     const webpack = require('webpack')
     const twatCache = require('twat-cache/webpack')
     webpack({
       mode: 'none', context: __dirname, entry: './tagged.js', target: 'node', devtool: false,
       output: { path: path.join(__dirname, 'dist-cjs'), filename: 'main.js', library: { type: 'commonjs2' } },
       externals: { 'twat-cache': 'commonjs twat-cache' },
       plugins: [twatCache()],
     }, (error, stats) => {
       if (error || stats.hasErrors()) {
         console.log(JSON.stringify({ errors: error ? [String(error)] : stats.toJson({ all: false, errors: true }).errors.map((e) => e.message) }))
         return
       }
       console.log(JSON.stringify({ ...require('./dist-cjs/main.js').report(), errors: [] }))
     })`,
  )
  assert.equal(report.errors, [])
  assert.equal(report.values, [9, 9, 16])
  assert.is(report.runs, 2, 'square(3) ran once')
})

s('should type require() of every entry (.d.cts) and keep the ES module imports typed', async () => {
  await writeFile(
    path.join(app.dir, 'uses.cts'),
    `import twatCache = require('twat-cache/webpack')
     import vite = require('twat-cache/vite')
     import loader = require('twat-cache/loader')
     import withTwatCache = require('twat-cache/next')
     const plugin: { apply(compiler: never): void } = twatCache({ defaults: { ttl: '10m' } })
     twatCache.default()
     vite.twatCache({ enabled: false })
     const config: { turbopack?: object } = withTwatCache({ reactStrictMode: true })
     withTwatCache.withTwatCache(() => ({}))
     const run: typeof loader.default = loader
     // @ts-expect-error: an unknown option is a type error
     twatCache({ defalts: {} })
     export = { plugin, config, run }\n`,
  )
  await writeFile(
    path.join(app.dir, 'uses.mts'),
    `import twatCache from 'twat-cache/webpack'
     import { withTwatCache } from 'twat-cache/next'
     import loader from 'twat-cache/loader'
     export const plugin: { apply(compiler: never): void } = twatCache()
     export const config: { serverExternalPackages?: string[] } = withTwatCache({})
     export const run: (this: never, source: string) => void = loader
     // @ts-expect-error: an unknown option is a type error
     withTwatCache({}, { defalts: {} })\n`,
  )
  const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc')
  const args = [
    tsc,
    '--ignoreConfig',
    '--noEmit',
    '--strict',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--target',
    'ES2022',
    '--types',
    'node',
    '--skipLibCheck',
    'uses.cts',
    'uses.mts',
  ]
  const result = await run(process.execPath, args, { cwd: app.dir, timeout: 120_000 }).then(
    () => ({ ok: true, output: '' }),
    (error: Error & { stdout?: string }) => ({ ok: false, output: error.stdout ?? error.message }),
  )
  assert.ok(result.ok, result.output)
})

s.run()
