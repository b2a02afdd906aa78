// What twat-cache weighs in a browser bundle, measured with a real Vite library build (minified, then gzip -9) of
// the packed package, against lru-cache used directly in the same build; budgets fail the test when exceeded. The
// figures are in bench/README.md ("Browser bundle"). Also: ucache in a browser build bundles memory engines only.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import * as assert from 'uvu/assert'
import { createApp, packPackage, type App, type PackedPackage } from './support/build-package.js'
import { REPO_ROOT } from './support/child.js'
import { suite } from './support/suite.js'

const s = suite('browser bundle weight', { timeoutMs: 240_000 })

/**
 * Budgets, as multiples of lru-cache's own min+gz size in the same build. The goal for mcache alone is 1.3×; it is
 * missed (bench/README.md says by how much and why), so the budget holds the line where it is now, with room for
 * gzip's noise; ucache (every cache, chosen at run time) must stay under its own. Raised from 4.0× / 4.75× by the
 * option rules and browser stand-ins of the memory tier, leases, keys and tracing (mcache 3.92× → 4.10×), and the
 * lease stage of the settled composition, which the browser keeps for acache on a store (ucache 4.67× → 5.08×).
 */
const BUDGET = { mcache: 4.2, ucache: 5.2 } as const

const ENTRIES = {
  lru: `import { LRUCache } from 'lru-cache'\nconst c = new LRUCache({ max: 10 })\nc.set(1, 2)\nexport const value = c.get(1)\n`,
  mcache: `import { mcache } from 'twat-cache'\nexport const double = mcache((n) => n * 2, { maxsize: 10 })\n`,
  ucache: `import { getStats, ucache } from 'twat-cache'\nexport const double = ucache((n) => n * 2)\nexport const stats = () => getStats()\n`,
}

/** Text that only the Node engines hold: SQLite statements, the file engine's writes, keyv's engine. */
const NODE_ENGINE_CODE = [/PRAGMA /, /utimesSync/, /useKeyPrefix/, /BEGIN IMMEDIATE/, /zstdCompressSync/]

let packed: PackedPackage
let app: App
const sizes: Record<string, { min: number; gz: number; text: string }> = {}

async function build(name: keyof typeof ENTRIES): Promise<{ min: number; gz: number; text: string }> {
  const { build } = await import('vite')
  const entry = path.join(app.dir, 'src', `${name}.js`)
  const outDir = path.join(app.dir, 'dist', name)
  await build({
    root: app.dir,
    configFile: false,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, minify: true, lib: { entry, formats: ['es'], fileName: () => 'bundle.js' } },
  })
  const text = await readFile(path.join(outDir, 'bundle.js'), 'utf8')
  return { min: Buffer.byteLength(text), gz: gzipSync(text, { level: 9 }).length, text }
}

s.before(async () => {
  packed = await packPackage()
  app = await createApp(packed, 'browser-weight', {})
  await mkdir(path.join(app.dir, 'src'), { recursive: true })
  for (const [name, code] of Object.entries(ENTRIES)) await writeFile(path.join(app.dir, 'src', `${name}.js`), code)
  for (const name of Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>) sizes[name] = await build(name)
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`
  for (const [name, size] of Object.entries(sizes)) {
    console.log(`  ${name}: ${kb(size.min)} min, ${kb(size.gz)} gz (${(size.gz / sizes.lru!.gz).toFixed(2)}× lru-cache)`)
  }
})

s.after(async () => {
  await packed?.cleanup()
})

s('should keep mcache alone within its budget against lru-cache used directly', () => {
  const ratio = sizes.mcache!.gz / sizes.lru!.gz
  assert.ok(ratio <= BUDGET.mcache, `mcache alone is ${ratio.toFixed(2)}× lru-cache (budget ${BUDGET.mcache}×)`)
  assert.ok(sizes.mcache!.text.includes('LRUCache') || sizes.mcache!.text.length > sizes.lru!.text.length, 'lru-cache is inside')
})

s('should keep ucache within its budget, with memory engines only', () => {
  const ratio = sizes.ucache!.gz / sizes.lru!.gz
  assert.ok(ratio <= BUDGET.ucache, `ucache is ${ratio.toFixed(2)}× lru-cache (budget ${BUDGET.ucache}×)`)
  for (const pattern of NODE_ENGINE_CODE) assert.not.match(sizes.ucache!.text, pattern, `a Node engine is bundled: ${pattern}`)
})

s('should show the check can fail: the Node build of the disk chain holds what the browser build leaves out', async () => {
  const node = await readFile(path.join(REPO_ROOT, 'dist/runtime/engines/disk/sqlite/schema.js'), 'utf8')
  assert.ok(
    NODE_ENGINE_CODE.some((pattern) => pattern.test(node)),
    'the markers are real SQLite code',
  )
})

s('should give the browser chains (and the tracing stage) the same exports as the Node ones', async () => {
  for (const chain of ['engines/disk/chain', 'engines/async/chain', 'call/tracing']) {
    const nodeBuild = await import(path.join(REPO_ROOT, `dist/runtime/${chain}.js`))
    const browserBuild = await import(path.join(REPO_ROOT, `dist/runtime/${chain}.browser.js`))
    assert.equal(Object.keys(browserBuild).sort(), Object.keys(nodeBuild).sort(), chain)
  }
})

s.run()
