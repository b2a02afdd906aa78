// twat-cache in Next.js 16, end to end: fixtures/next-app with the packed package, built with `next build`
// (Turbopack) and `next build --webpack`, served by `next start`, fetched twice and once more after a restart; plus
// what withTwatCache makes of a user's config, checked without a build.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApp, packPackage, type App, type PackedPackage } from './support/build-package.js'
import { buildNextApp, createNextApp, fetchReport, startNextApp, type NextBundler } from './support/next-app.js'

/** What fixtures/next-app/app/page.tsx renders. */
interface Report {
  values: number[]
  runs: { square: number; cube: number }
  /** cacheOf(slowSquare).stats().hits after the request's calls. */
  squareHits: number
  extra: string
}

/** Three requests: two to one server, one to a second server started on the same build and cache folder. */
interface Served {
  first: Report
  second: Report
  afterRestart: Report
  cacheDir: string
  /** Every JavaScript file of the built server, concatenated. */
  serverCode: string
}

const s = suite('Next.js')
let packed: PackedPackage
const cacheDirs: string[] = []

s.before(async () => {
  packed = await packPackage()
})

s.after(async () => {
  await packed?.cleanup()
  for (const dir of cacheDirs) await rm(dir, { recursive: true, force: true })
})

const builds = new Map<NextBundler, Promise<Served>>()
function buildAndServe(bundler: NextBundler): Promise<Served> {
  let served = builds.get(bundler)
  if (!served) {
    served = (async () => {
      const app = await createNextApp(packed, bundler)
      await buildNextApp(app, bundler)
      const cacheDir = await mkdtemp(path.join(os.tmpdir(), `twat-cache-next-${bundler}-`))
      cacheDirs.push(cacheDir)
      const env = { TWAT_CACHE_DIR: cacheDir }
      const [first, second] = await withServer(app, env, async (fetchOnce) => [await fetchOnce(), await fetchOnce()])
      const [afterRestart] = await withServer(app, env, async (fetchOnce) => [await fetchOnce()])
      return { first: first!, second: second!, afterRestart: afterRestart!, cacheDir, serverCode: await serverCode(app) }
    })()
    builds.set(bundler, served)
  }
  return served
}

async function withServer(app: App, env: Record<string, string>, use: (fetchOnce: () => Promise<Report>) => Promise<Report[]>) {
  const server = await startNextApp(app, env)
  try {
    return await use(() => fetchReport<Report>(server))
  } finally {
    await server.stop()
  }
}

async function serverCode(app: App): Promise<string> {
  const root = path.join(app.dir, '.next/server')
  const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.js'))
  const texts = await Promise.all(files.map((file) => readFile(path.join(root, file), 'utf8')))
  return texts.join('\n')
}

for (const bundler of ['turbopack', 'webpack'] as const) {
  const build = bundler === 'turbopack' ? 'next build' : 'next build --webpack'

  s(`${build}: should rewrite the tagged server functions in the built server`, async () => {
    const { serverCode } = await buildAndServe(bundler)
    assert.ok(serverCode.includes('lib/slow.ts#slowSquare'), 'the mcache site id is in the server chunks')
    assert.ok(serverCode.includes('lib/slow.ts#persistentCube'), 'the bcache site id is in the server chunks')
  })

  s(`${build}: should run an mcache body once for two calls and two requests`, async () => {
    const { first, second } = await buildAndServe(bundler)
    assert.equal(first.values, [49, 49, 27])
    assert.is(first.runs.square, 1, 'slowSquare(7) twice in one request')
    assert.equal(second.values, [49, 49, 27])
    assert.is(second.runs.square, 1, 'the second request is a hit')
    // cacheOf finds the tagged declaration's cache in the server bundle: the second request's two calls are its hits
    // (the server may have rendered the page before the first request, when it checked it was up).
    assert.ok(first.squareHits >= 1, `hits ${first.squareHits}`)
    assert.is(second.squareHits - first.squareHits, 2, "cacheOf counts the second request's two hits")
  })

  s(`${build}: should keep a bcache entry on disk, found by a restarted server`, async () => {
    const { first, second, afterRestart, cacheDir } = await buildAndServe(bundler)
    assert.is(first.runs.cube, 1)
    assert.is(second.runs.cube, 1, 'the second request is a hit')
    assert.equal(afterRestart.values, [49, 49, 27])
    assert.is(afterRestart.runs.cube, 0, 'a new server process reads the entry from disk')
    assert.is(afterRestart.runs.square, 1, 'memory caches start empty in the new process')
    const file = path.join(cacheDir, 'next-app', 'cache.sqlite')
    assert.ok(existsSync(file), `${file} exists (better-sqlite3 ran, not a fallback)`)
    const db = new Database(file, { readonly: true })
    try {
      const rows = db.prepare('SELECT fn FROM entries').all() as Array<{ fn: string }>
      assert.equal(
        rows.map((row) => row.fn),
        ['lib/slow.ts#persistentCube'],
      )
    } finally {
      db.close()
    }
  })
}

s("next build: should keep the user's own turbopack rule working", async () => {
  const { first } = await buildAndServe('turbopack')
  assert.is(first.extra, 'from the user rule')
})

s("next build --webpack: should run the user's own webpack() function (function-form CommonJS config)", async () => {
  const { first } = await buildAndServe('webpack')
  assert.is(first.extra, 'from the user webpack')
})

// withTwatCache on its own: what it makes of a user's config, without a build.

interface Wired {
  turbopack: { rules: Record<string, unknown>; resolveAlias?: unknown }
  webpack(config: unknown, context: unknown): { module: { rules: Array<Record<string, unknown>> }; marked?: boolean }
  serverExternalPackages: string[]
  [key: string]: unknown
}

let configApp: Promise<App> | undefined
async function loadWithTwatCache(): Promise<(config: unknown, options?: unknown) => unknown> {
  configApp ??= createApp(packed, 'next-config', {})
  const app = await configApp
  const entry = (await import(app.packedUrl('dist/plugins/next.js'))) as { withTwatCache: (config: unknown, options?: unknown) => unknown }
  return entry.withTwatCache
}

const GLOB = '*.{ts,tsx,js,jsx,mts,cts,mjs,cjs}'

s('withTwatCache: should add its rule next to the user rules and keep the rest of the config', async () => {
  const withTwatCache = await loadWithTwatCache()
  const userRule = { loaders: ['user-loader'] }
  const wired = withTwatCache({
    reactStrictMode: true,
    turbopack: { resolveAlias: { a: 'b' }, rules: { '*.svg': userRule, [GLOB]: userRule } },
    serverExternalPackages: ['left-pad'],
  }) as Wired
  assert.is(wired.reactStrictMode, true)
  assert.equal(wired.turbopack.resolveAlias, { a: 'b' })
  assert.is(wired.turbopack.rules['*.svg'], userRule)
  const rules = wired.turbopack.rules[GLOB] as Array<{ loaders: Array<string | { loader: string }> }>
  assert.ok(Array.isArray(rules) && rules.length === 2, 'the user rule under the same glob is kept, ours added')
  assert.is(rules[0], userRule)
  const loader = rules[1]!.loaders[0] as { loader: string; options: unknown }
  assert.match(loader.loader, /dist[\\/]plugins[\\/]cjs[\\/]loader\.cjs$/)
  assert.equal(wired.serverExternalPackages, ['left-pad', 'twat-cache', 'better-sqlite3'])
})

s('withTwatCache: should pass RegExp options to Turbopack as JSON, and reject options that are not plain data', async () => {
  const withTwatCache = await loadWithTwatCache()
  const wired = withTwatCache({}, { exclude: [/\.test\.ts$/i, 'legacy/**'], root: 'some/dir' }) as Wired
  const rule = wired.turbopack.rules[GLOB] as { loaders: Array<{ options: Record<string, unknown> }> }
  const options = rule.loaders[0]!.options
  assert.equal(options.exclude, [{ source: '\\.test\\.ts$', flags: 'i' }, 'legacy/**'])
  assert.is(options.root, path.resolve('some/dir'))
  assert.equal(JSON.parse(JSON.stringify(options)), options, 'plain data')
  assert.throws(() => withTwatCache({}, { defaults: { key: () => 'k' } }), /option "defaults" must be plain data/)
  assert.throws(() => withTwatCache({}, { defalts: {} }), /unknown option "defalts" \(did you mean "defaults"\?\)/)
})

s("withTwatCache: should chain the user's webpack() and add the loader before the others", async () => {
  const withTwatCache = await loadWithTwatCache()
  const wired = withTwatCache(async (phase: string) => ({
    phase,
    webpack: (config: { marked?: boolean }) => Object.assign(config, { marked: true }),
  })) as (phase: string, context: unknown) => Promise<Wired>
  assert.type(wired, 'function', 'a function config stays a function')
  const config = await wired('phase-production-build', { defaultConfig: {} })
  assert.is(config.phase, 'phase-production-build')
  const result = config.webpack({ module: { rules: [{ test: /x/ }] } }, {})
  assert.is(result.marked, true, "the user's webpack() ran")
  assert.is(result.module.rules.length, 2)
  assert.is(result.module.rules[0]!.enforce, 'pre')
  assert.ok((result.module.rules[0]!.exclude as RegExp).test('/app/node_modules/next/dist/x.js'))
})

s.run()
