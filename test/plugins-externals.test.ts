// The plugin's externals and the `require` it gives ES module bundles (src/plugins/externals.ts): the banner merges
// with a user's own and never declares `require` twice; Rollup chunks get one only when they need it.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ESM_REQUIRE_BANNER, esbuildConfig, rolldownRenderChunk, rollupRenderChunk } from '../src/plugins/externals.js'
import { REPO_ROOT } from './support/child.js'

const run = promisify(execFile)
const USER_RECIPE = "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)"

const s = suite('plugin externals')
const folders: string[] = []
s.after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true })
})

/** What the esbuild banner must bind: the traceable require, and (unless the user's banner has one) `require`. */
const TRACEABLE =
  /import \{ createRequire as __twatCacheCreateRequire \} from 'node:module'; const __twatCacheRequire = __twatCacheCreateRequire\(import\.meta\.url\);/
const REQUIRE = /const require = __twatCacheRequire;/

s('should add the require banner to esbuild ES module output for Node only', () => {
  const esm: Parameters<typeof esbuildConfig>[0] = { bundle: true, platform: 'node', format: 'esm' }
  esbuildConfig(esm)
  assert.match(esm.banner?.js ?? '', TRACEABLE)
  assert.match(esm.banner?.js ?? '', REQUIRE)
  for (const options of [
    { bundle: true, platform: 'node', format: 'cjs' },
    { bundle: true, platform: 'node' }, // esbuild's default for node: CommonJS
    { bundle: true, platform: 'browser', format: 'esm' },
    { bundle: false, platform: 'node', format: 'esm' },
  ]) {
    const copy: Parameters<typeof esbuildConfig>[0] = { ...options }
    esbuildConfig(copy)
    assert.is(copy.banner, undefined, JSON.stringify(options))
  }
})

s("should keep the user's banner, and declare no second require when it has one", () => {
  const other = { bundle: true, platform: 'node', format: 'esm', banner: { js: '// built by me', css: '/* css */' } }
  esbuildConfig(other)
  assert.match(other.banner.js, TRACEABLE)
  assert.match(other.banner.js, REQUIRE)
  assert.ok(other.banner.js.endsWith('\n// built by me'), other.banner.js)
  assert.is(other.banner.css, '/* css */')
  const recipe = { bundle: true, platform: 'node', format: 'esm', banner: { js: USER_RECIPE } }
  esbuildConfig(recipe)
  assert.match(recipe.banner.js, TRACEABLE)
  assert.not.match(recipe.banner.js, REQUIRE)
  assert.ok(recipe.banner.js.endsWith(`\n${USER_RECIPE}`))
})

s('should give a Rollup ES chunk a require only for a bare require of an optional package', () => {
  const bare = "function load() { try { return require('better-sqlite3') } catch {} }"
  const result = rollupRenderChunk(bare, {}, { format: 'es', sourcemap: true })
  assert.ok(result)
  assert.is(result.code, `${ESM_REQUIRE_BANNER}\n${bare}`)
  assert.ok(result.map, 'a source map when the output has one')
  assert.is(rollupRenderChunk(bare, {}, { format: 'cjs' }), null, 'CommonJS has require')
  assert.is(rollupRenderChunk('__require("better-sqlite3")', {}, { format: 'es' }), null, 'a bundler shim is not bare')
  assert.is(rollupRenderChunk("x.require('keyv')", {}, { format: 'es' }), null)
  assert.is(rollupRenderChunk(`${USER_RECIPE}\n${bare}`, {}, { format: 'es' }), null, 'the chunk declares require already')
  assert.is(rollupRenderChunk("require('lodash')", {}, { format: 'es' }), null, 'not an optional package of twat-cache')
})

s("should send Rolldown's shim call of better-sqlite3 through a require tracers follow, in ES chunks only", () => {
  const shim = 'var __require = (() => createRequire(import.meta.url))();\nfunction load() { return __require("better-sqlite3") }'
  const result = rolldownRenderChunk(shim, {}, { format: 'es' })
  assert.ok(result)
  assert.match(result.code, TRACEABLE)
  assert.match(result.code, /function load\(\) \{ return __twatCacheRequire\('better-sqlite3'\) \}/)
  assert.is(result.map, null, 'no source map when the output has none')
  assert.is(rolldownRenderChunk(shim, {}, { format: 'cjs' }), null)
  assert.is(rolldownRenderChunk('__require("keyv")', {}, { format: 'es' }), null, 'bundled or not, keyv needs no tracing help')
})

/**
 * Builds a bcache script with the repository's esbuild plugin (ES module output, `banner`), runs it, returns its
 * engine. The bundle lives under the repository, so that the external better-sqlite3 resolves from node_modules.
 */
async function bcacheEngineWithBanner(banner: string | undefined): Promise<{ engine: string; warnings: string[] }> {
  await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true })
  const folder = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'banner-'))
  folders.push(folder)
  const entry = path.join(folder, 'entry.mjs')
  await writeFile(
    entry,
    `import { bcache } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/runtime/index.js'))}
     const warnings = []
     process.on('warning', (w) => warnings.push(w.code))
     const f = bcache((n) => n * 2, { name: 'banner#double' })
     f(1)
     setTimeout(() => console.log(JSON.stringify({ engine: f.cache.engine, warnings })), 20)`,
  )
  const plugin = (await import(path.join(REPO_ROOT, 'dist/plugins/esbuild.js'))) as { default: () => never }
  const outfile = path.join(folder, 'bundle.mjs')
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
    plugins: [plugin.default()],
    ...(banner ? { banner: { js: banner } } : {}),
  })
  const { stdout } = await run(process.execPath, [outfile], {
    cwd: folder,
    env: { ...process.env, TWAT_CACHE_DIR: path.join(folder, 'cache') },
  })
  return JSON.parse(stdout) as { engine: string; warnings: string[] }
}

s('should run an esbuild ES module bundle on better-sqlite3, with or without the createRequire recipe', async () => {
  assert.equal(await bcacheEngineWithBanner(undefined), { engine: 'better-sqlite3', warnings: [] })
  assert.equal(await bcacheEngineWithBanner(USER_RECIPE), { engine: 'better-sqlite3', warnings: [] }, 'no second require')
})

s.run()
