/**
 * `twat-cache/testing/vitest-setup` in a real Vitest project (fixtures/vitest-app, with the packed package and the
 * twat-cache Vite plugin): the project's suite passes (caches do not leak between tests, ttls follow fake timers,
 * mocks behind a cached function), persistent entries of one `vitest run` are never served to the next, each test
 * file's temporary root is removed, and the developer's cache folder (a fake HOME with a real cache in it) is
 * untouched while the user's own setup file runs clearCache(). Control runs without the setup file show that each
 * of these checks can fail.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { createApp, packPackage, REPO, type App, type PackedPackage } from './support/build-package.js'
import { suite } from './support/suite.js'

const s = suite('twat-cache/testing with Vitest', { timeoutMs: 300_000 })
const VITEST = path.join(REPO, 'node_modules/vitest/vitest.mjs')

let packed: PackedPackage
let app: App
let scratch: string

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>
}

interface Run {
  report: VitestReport
  /** The lines the project's code wrote to RUN_LOG. */
  log: string[]
  output: string
}

/** One `vitest run` of the project, bounded in time, with `env` over a clean environment. */
async function vitestRun(name: string, env: Record<string, string>): Promise<Run> {
  const outputFile = path.join(scratch, `${name}.json`)
  const runLog = path.join(scratch, `${name}.log`)
  await writeFile(runLog, '')
  const base = { ...process.env }
  for (const key of Object.keys(base)) if (key.startsWith('TWAT_CACHE_')) delete base[key]
  const child = spawn(process.execPath, [VITEST, 'run', '--reporter=json', `--outputFile=${outputFile}`], {
    cwd: app.dir,
    env: { ...base, FORCE_COLOR: '0', RUN_LOG: runLog, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearTimeout(timer)
  if (!existsSync(outputFile)) throw new Error(`vitest run ${name} wrote no report (exit ${code}):\n${output}`)
  const report = JSON.parse(await readFile(outputFile, 'utf8')) as VitestReport
  const log = (await readFile(runLog, 'utf8')).split('\n').filter(Boolean)
  return { report, log, output }
}

function failures(run: Run): string[] {
  return run.report.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status !== 'passed').map((t) => `${t.fullName}: ${t.failureMessages.join('\n')}`),
  )
}

/** Every file under `dir` with its size, mtime and content hash: what "untouched" means. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  if (!existsSync(dir)) return files
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name)
    const info = await stat(file)
    files[path.relative(dir, file)] = entry.isFile()
      ? `${info.size} ${info.mtimeMs} ${createHash('sha256')
          .update(await readFile(file))
          .digest('hex')}`
      : `dir ${info.mode.toString(8)}`
  }
  return files
}

/** A home folder whose platform cache folder already holds a twat-cache database with an entry. */
async function fakeHome(name: string): Promise<{ home: string; env: Record<string, string>; cacheFolder: string }> {
  const home = path.join(scratch, name)
  await mkdir(home, { recursive: true })
  const env = { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') }
  const script = `import { bcache } from 'twat-cache'\nconst f = bcache((n) => n + 1, { name: 'developer-entry' })\nf(1)\nconsole.log(f.cache.path)\n`
  await writeFile(path.join(app.dir, 'seed.mjs'), script)
  const child = spawn(process.execPath, ['seed.mjs'], {
    cwd: app.dir,
    env: { ...process.env, TWAT_CACHE_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const cacheFolder = path.join(home, '.cache', 'twat-cache')
  if (code !== 0 || !output.includes(cacheFolder)) throw new Error(`seeding the fake home failed (${code}): ${output}`)
  return { home, env, cacheFolder }
}

const withSetup: Run[] = []
const withoutSetup: Run[] = []
let home: Awaited<ReturnType<typeof fakeHome>>
let controlHome: Awaited<ReturnType<typeof fakeHome>>
let before: Record<string, string>
let controlBefore: Record<string, string>

s.before(async () => {
  packed = await packPackage()
  const fixture = path.join(REPO, 'fixtures/vitest-app')
  app = await createApp(packed, 'vitest-app', {
    src: path.join(fixture, 'src'),
    test: path.join(fixture, 'test'),
    'vitest.config.mjs': path.join(fixture, 'vitest.config.mjs'),
  })
  scratch = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-vitest-outer-'))
  home = await fakeHome('home')
  controlHome = await fakeHome('control-home')
  before = await snapshot(home.cacheFolder)
  controlBefore = await snapshot(controlHome.cacheFolder)
  for (const i of [1, 2]) withSetup.push(await vitestRun(`setup-${i}`, home.env))
  // The control: no twat-cache setup file, only the persistent test (the others rely on the setup's resets).
  for (const i of [1, 2])
    withoutSetup.push(await vitestRun(`control-${i}`, { ...controlHome.env, WITH_SETUP: '0', ONLY: 'test/persistent.test.ts' }))
})

s.after(async () => {
  await packed?.cleanup()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

s("should pass the project's suite: no leaks between tests, ttls under fake timers, mocks", () => {
  for (const run of withSetup) {
    assert.equal(failures(run), [], run.output)
    const names = run.report.testResults.flatMap((file) => file.assertionResults.map((t) => t.fullName))
    for (const name of [
      'the next test finds every cache empty, with its counters at zero',
      'the same warning is emitted again in the next test',
      'mcache: an entry expires when vi.setSystemTime passes its ttl',
      'a tagged function: its ttl follows the fake timers too',
      "a mocked dependency's new value is not seen until the cache is cleared",
      'a bcache function computes once and serves the second call',
    ]) {
      assert.ok(names.includes(name), `${name} ran`)
    }
    assert.is(run.report.numPassedTests, 12)
  }
})

s('should never serve the persistent entries of one vitest run to the next (and does without the setup)', () => {
  const computed = (run: Run) => run.log.filter((line) => line === 'computed 2024').length
  assert.equal(withSetup.map(computed), [1, 1], 'each run computes the entry once')
  assert.equal(failures(withoutSetup[0]!), [], withoutSetup[0]!.output)
  assert.equal(withoutSetup.map(computed), [1, 0], 'without the setup, the second run is served from the first')
})

s("should give each run's test files a temporary root and remove it afterwards", () => {
  const databases = withSetup.map((run) => run.log.find((line) => line.startsWith('database '))!.slice('database '.length))
  const roots = databases.map((file) => path.dirname(path.dirname(file)))
  assert.is(new Set(roots).size, 2, 'each run has its own root')
  for (const root of roots) {
    assert.ok(root.startsWith(path.join(os.tmpdir(), 'twat-cache-vitest-')), root)
    assert.not.ok(existsSync(root), `${root} was removed`)
  }
  const control = withoutSetup[0]!.log.find((line) => line.startsWith('database '))!
  assert.ok(control.includes(controlHome.cacheFolder), 'without the setup, the platform cache folder is used')
})

s("should leave the developer's cache folder untouched, though the user's setup runs clearCache() (and does not without)", async () => {
  assert.ok(
    Object.keys(before).some((file) => file.endsWith('cache.sqlite')),
    'the fake home holds a cache',
  )
  assert.equal(await snapshot(home.cacheFolder), before)
  const entries = await readdir(home.home, { recursive: true })
  assert.equal(
    entries.filter((entry) => /twat-cache/.test(entry) && !entry.startsWith(path.join('.cache', 'twat-cache'))),
    [],
  )
  assert.not.equal(await snapshot(controlHome.cacheFolder), controlBefore, "without the setup, the user's clearCache() and caches reach it")
})

s.run()
