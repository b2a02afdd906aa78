/**
 * twat-cache in a real browser: fixtures/browser-page (mcache through a marker call and a tag, acache on its
 * in-process store) built by Vite as an app with the packed package and its plugin, served by `vite preview`, and
 * loaded by headless Chromium, which runs the page and leaves its report in the body. The caches count their hits
 * there, run their memory engines without a warning, and the bundle holds no Node-only code.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { createApp, packPackage, REPO, type App, type PackedPackage } from './support/build-package.js'
import { chromiumBody } from './support/chromium.js'
import { nodeLoadsIn } from './support/node-code.js'
import { suite } from './support/suite.js'

const s = suite('a browser page (Chromium)', { timeoutMs: 180_000 })

interface PageReport {
  userAgent: string
  hasProcess: boolean
  values: unknown[]
  runs: { square: number; load: number; label: number }
  stats: { square: number[]; load: number[]; label: number[] }
  engines: string[]
  loadHas: boolean
  registered: number
  warnings: string[]
  error?: string
}

let packed: PackedPackage
let app: App
let bundle = ''
let report: PageReport

s.before(async () => {
  packed = await packPackage()
  const fixture = path.join(REPO, 'fixtures/browser-page')
  app = await createApp(packed, 'browser-page', { src: path.join(fixture, 'src'), 'index.html': path.join(fixture, 'index.html') })
  const { build, preview } = await import('vite')
  const plugin = (await import(app.packedUrl('dist/plugins/vite.js'))) as { default: () => never }
  const outDir = path.join(app.dir, 'dist')
  await build({
    root: app.dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [plugin.default()],
    build: { outDir, emptyOutDir: true, minify: false },
  })
  const assets = (await readdir(path.join(outDir, 'assets'))).filter((file) => file.endsWith('.js'))
  bundle = (await Promise.all(assets.map((file) => readFile(path.join(outDir, 'assets', file), 'utf8')))).join('\n')
  // Module scripts do not run from file: URLs, so the page is served over HTTP on a free loopback port.
  const server = await preview({
    root: app.dir,
    configFile: false,
    logLevel: 'silent',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  })
  try {
    const url = server.resolvedUrls?.local[0]
    if (!url) throw new Error('vite preview gave no URL')
    report = JSON.parse(await chromiumBody(url)) as PageReport
  } finally {
    await server.close()
  }
})

s.after(async () => {
  await packed?.cleanup()
})

s('should run the page in Chromium, with no Node globals', () => {
  assert.is(report.error, undefined, report.error)
  assert.match(report.userAgent, /HeadlessChrome/)
  assert.is(report.hasProcess, false)
})

s('should cache there: hits counted, each function run once per argument', () => {
  assert.equal(report.values, [9, 9, 16, { id: 'a', at: 'browser' }, { id: 'a', at: 'browser' }, '#1', '#1'])
  assert.equal(report.runs, { square: 2, load: 1, label: 1 })
  assert.equal(report.stats, { square: [1, 2], load: [1, 1], label: [1, 1] })
  assert.is(report.loadHas, true)
  assert.equal(report.engines, ['lru-cache', 'memory-async', 'lru-cache'])
  assert.is(report.registered, 3)
  assert.equal(report.warnings, [], 'memory caches need no fallback')
})

s('should hold no Node-only code in the bundle (and the runtime is in it)', () => {
  assert.match(bundle, 'registerDeclaredCache', 'the tagged function was rewritten')
  assert.ok(bundle.includes('LRUCache'), 'lru-cache is bundled')
  assert.equal(nodeLoadsIn(bundle), [])
  const found = (pattern: RegExp) => [...bundle.matchAll(pattern)].map((match) => match[0])
  // "node:sqlite" is also the name of a bcache engine (a preferredEngine value), data rather than a module to load.
  assert.equal(found(/["']node:(?!sqlite["'])[a-z_/]+["']/g), [], 'no node: module name')
  assert.equal(found(/\brequire\s*\(/g), [])
  assert.equal(found(/\bfrom\s*["']better-sqlite3["']|require\(\s*["']better-sqlite3["']\s*\)/g), [])
})

s.run()
