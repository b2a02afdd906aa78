// Deployed servers: fixtures/deploy is bundled (twat-cache included) by esbuild into one file (CommonJS, and an ES
// module), by webpack and Rspack into CommonJS and by Vite into an ES module, traced with @vercel/nft (the tracer
// behind Next.js `output: 'standalone'`), and only the bundle and the traced files are copied into a fresh folder
// outside the repository and run there. lru-cache must have been bundled, better-sqlite3 copied by the tracer,
// keyv and @keyv/redis bundled (a real redis-server).
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { nodeFileTrace } from '@vercel/nft'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { buildApp, type Bundler, type BundleFormat } from './support/build-bundlers.js'
import { createApp, packPackage, REPO, type PackedPackage } from './support/build-package.js'
import { startRedis, type TestServer } from './support/servers.js'

const run = promisify(execFile)
const DEPLOY_FIXTURE = path.join(REPO, 'fixtures/deploy/src')

/** What fixtures/deploy/src/server.ts prints. */
interface Report {
  answers: Array<{ sku: string; price: number }>
  runs: { catalogue: number; quote: number; rate: number }
  engines: { mcache: string; bcache: string; acache: string }
  warnings: Array<{ code?: string; message: string }>
}

/** The deploys built: a bundler, its output format, and whether esbuild picks the format itself. */
const DEPLOYS: ReadonlyArray<{ bundler: Bundler; format: BundleFormat; label: string; bundlerDefaultFormat?: boolean }> = [
  { bundler: 'esbuild', format: 'cjs', label: "esbuild (one file, platform: 'node' default format)", bundlerDefaultFormat: true },
  { bundler: 'esbuild', format: 'esm', label: 'esbuild (one ES module file)' },
  { bundler: 'webpack', format: 'cjs', label: 'webpack (CommonJS)' },
  { bundler: 'rspack', format: 'cjs', label: 'Rspack (CommonJS)' },
  { bundler: 'vite', format: 'esm', label: 'Vite (SSR build, ES module)' },
]

/** The packages better-sqlite3 brings: left out of the deploy that must miss it. */
const SQLITE_PACKAGES = ['better-sqlite3', 'bindings', 'file-uri-to-path']

const s = suite('deployed server bundles')
let packed: PackedPackage
let redis: TestServer
const folders: string[] = []

s.before(async () => {
  packed = await packPackage()
  redis = await startRedis()
})

s.after(async () => {
  await redis?.stop()
  await packed?.cleanup()
  for (const folder of folders) await rm(folder, { recursive: true, force: true })
})

async function tempFolder(prefix: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), prefix))
  folders.push(folder)
  return folder
}

interface Traced {
  /** The bundle, relative to the repository (the tracing base). */
  readonly bundle: string
  /** Every file the bundle needs, relative to the repository, the bundle included. */
  readonly files: readonly string[]
}

const traces = new Map<string, Promise<Traced>>()
function buildAndTrace(deploy: (typeof DEPLOYS)[number]): Promise<Traced> {
  let traced = traces.get(deploy.label)
  if (!traced) {
    traced = (async () => {
      const app = await createApp(packed, `deploy-${deploy.bundler}-${deploy.format}`, { src: DEPLOY_FIXTURE })
      const bundle = await buildApp(deploy.bundler, {
        app,
        entry: 'src/server.ts',
        format: deploy.format,
        bundlerDefaultFormat: deploy.bundlerDefaultFormat ?? false,
        bundleRuntime: true,
      })
      const { fileList } = await nodeFileTrace([bundle], { base: REPO })
      return { bundle: path.relative(REPO, bundle), files: [...fileList].sort() }
    })()
    traces.set(deploy.label, traced)
  }
  return traced
}

/** Copies the traced files (all but those of `leaveOut` packages) into a fresh folder outside the repository. */
async function deployTo(traced: Traced, leaveOut: readonly string[] = []): Promise<string> {
  const folder = await tempFolder('twat-cache-deploy-')
  const left = (file: string) => leaveOut.some((name) => file.startsWith(`node_modules/${name}/`))
  for (const file of traced.files.filter((f) => !left(f))) {
    await mkdir(path.dirname(path.join(folder, file)), { recursive: true })
    await cp(path.join(REPO, file), path.join(folder, file))
  }
  return folder
}

/**
 * Runs the deployed bundle with Node in its folder, with nothing that could reach the repository's packages. Each
 * deploy uses its own Redis database (`redisDb`), so one deploy's shared entries are not another's hits.
 */
async function runDeployed(folder: string, bundle: string, redisDb: number): Promise<Report> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'NODE_PATH' && key !== 'NODE_OPTIONS') env[key] = value
  }
  env.TWAT_CACHE_DIR = path.join(folder, 'cache')
  env.TWAT_CACHE_REDIS_URL = `${redis.url}/${redisDb}`
  const { stdout } = await run(process.execPath, [path.join(folder, bundle)], { cwd: folder, env, timeout: 60_000 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`the deployed bundle failed: ${error.message}\n${error.stderr ?? ''}`)
    },
  )
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Report
}

const fallbacks = (report: Report) => report.warnings.filter((w) => w.code === 'TWAT_CACHE_FALLBACK')

for (const [index, deploy] of DEPLOYS.entries()) {
  const redisDb = index + 1
  s(`${deploy.label}: should trace better-sqlite3 and its addon, and nothing the bundle holds`, async () => {
    const { files } = await buildAndTrace(deploy)
    assert.ok(files.includes('node_modules/better-sqlite3/build/Release/better_sqlite3.node'), `no addon in:\n${files.join('\n')}`)
    assert.ok(files.includes('node_modules/bindings/bindings.js'), 'better-sqlite3 finds its addon through bindings')
    for (const bundled of ['lru-cache', 'keyv', '@keyv/redis', 'twat-cache']) {
      assert.not.ok(
        files.some((file) => file.includes(`node_modules/${bundled}/`)),
        `${bundled} should be in the bundle, not traced beside it`,
      )
    }
  })

  s(`${deploy.label}: should run from a fresh folder on lru-cache, better-sqlite3 and keyv:redis, without a fallback`, async () => {
    const traced = await buildAndTrace(deploy)
    const folder = await deployTo(traced)
    const report = await runDeployed(folder, traced.bundle, redisDb)
    assert.equal(fallbacks(report), [], JSON.stringify(report.warnings))
    assert.equal(report.engines, { mcache: 'lru-cache', bcache: 'better-sqlite3', acache: 'keyv:redis' })
    assert.equal(report.answers, [
      { sku: 'book', price: 40 },
      { sku: 'book', price: 40 },
      { sku: 'pen', price: 15 },
    ])
    assert.equal(report.runs, { catalogue: 2, quote: 2, rate: 1 }, 'each body once per argument')
    const again = await runDeployed(folder, traced.bundle, redisDb)
    assert.is(again.runs.quote, 0, 'the second process reads the quotes from SQLite')
    assert.is(again.runs.rate, 0, 'and the rate from Redis')
  })

  s(`${deploy.label}: should say better-sqlite3 must be shipped beside the bundle when the deploy lacks it`, async () => {
    const traced = await buildAndTrace(deploy)
    const folder = await deployTo(traced, SQLITE_PACKAGES)
    const report = await runDeployed(folder, traced.bundle, redisDb)
    assert.is(report.engines.bcache, 'file', 'bcache falls back to the file engine')
    assert.is(report.engines.mcache, 'lru-cache')
    const [warning, ...more] = fallbacks(report)
    assert.ok(warning, 'a fallback warning')
    assert.equal(more, [], 'one fallback warning')
    assert.match(warning.message, /better-sqlite3 could not be loaded from this bundle/)
    assert.match(warning.message, /shipped beside the bundle, in node_modules\/better-sqlite3/)
    assert.match(warning.message, /twat-cache bundler plugin/)
    assert.not.match(warning.message, /npm install better-sqlite3/)
    assert.not.match(warning.message, /writ(?:e|able)/)
  })
}

s.run()
