// The bundler plugins, end to end: the package is packed as published, fixtures/app is built by Vite, webpack,
// Rollup, esbuild, Rspack and Rolldown with the packed plugin, and each bundle is run in Node to see what was cached.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { BUNDLERS, buildApp, type Bundler } from './support/build-bundlers.js'
import { createApp, FIXTURE_APP, packPackage, type App, type PackedPackage } from './support/build-package.js'
import { runReport } from './support/build-run.js'

/** What fixtures/app/src/main.ts prints. */
interface Report {
  results: {
    squares: number[]
    doubles: number[]
    greetings: string[]
    fib30: number
    plus: number[]
    described: string[]
    users: string[]
    cubes: number[]
    sums: number[]
    squareLength: number
    squareName: string
  }
  calls: Record<'hoisted' | 'arrow' | 'greet' | 'fib' | 'method' | 'staticMethod' | 'async' | 'objectMethod' | 'persistent', number>
}

/** Two runs of one bundle, in two processes sharing one cache folder. */
interface Runs {
  first: Report
  second: Report
  /** The bundle's text. */
  code: string
}

const s = suite('bundler plugins', { timeoutMs: 300_000 })
let packed: PackedPackage
const cacheDirs: string[] = []

s.before(async () => {
  packed = await packPackage()
})

s.after(async () => {
  await packed?.cleanup()
  for (const dir of cacheDirs) await rm(dir, { recursive: true, force: true })
})

/**
 * Builds fixtures/app with `bundler` (once per `variant`) and runs the bundle twice with a fresh TWAT_CACHE_DIR.
 */
const builds = new Map<string, Promise<Runs>>()
function buildAndRun(bundler: Bundler, variant = 'default', pluginOptions: Record<string, unknown> = {}) {
  const name = `app-${bundler}-${variant}`
  let runs: Promise<Runs> | undefined = builds.get(name)
  if (!runs) {
    runs = (async () => {
      const app = await createApp(packed, name)
      // Rollup has no project root of its own (the plugin would take the working directory): pass the app's.
      const options = bundler === 'rollup' ? { root: app.dir, ...pluginOptions } : pluginOptions
      const bundle = await buildApp(bundler, { app, entry: 'src/main.ts', pluginOptions: options })
      const cacheDir = await mkdtemp(path.join(os.tmpdir(), `twat-cache-${name}-`))
      cacheDirs.push(cacheDir)
      const env = { TWAT_CACHE_DIR: cacheDir }
      const first = await runReport<Report>(bundle, app.dir, env)
      const second = await runReport<Report>(bundle, app.dir, env)
      return { first, second, code: await readFile(bundle, 'utf8') }
    })()
    builds.set(name, runs)
  }
  return runs
}

for (const bundler of BUNDLERS) {
  s(`${bundler}: should run a cached body once per argument (arrow, export default, object method)`, async () => {
    const { first } = await buildAndRun(bundler)
    assert.equal(first.results.doubles, [10, 10, 12])
    assert.is(first.calls.arrow, 2, 'double(5), double(5), double(6)')
    assert.equal(first.results.greetings, ['hello ada', 'hello ada'])
    assert.is(first.calls.greet, 1, 'the default export is the cached function')
    assert.equal(first.results.cubes, [27, 27])
    assert.is(first.calls.objectMethod, 1, 'object-literal method in a .js file')
  })

  s(`${bundler}: should keep a tagged declaration hoisted, named, and of the same length`, async () => {
    const { first } = await buildAndRun(bundler)
    assert.equal(first.results.squares, [9, 9, 16, 16])
    assert.is(first.calls.hoisted, 2, 'square(3) at load time, then square(3) and square(4) x2')
    assert.is(first.results.squareName, 'square')
    assert.is(first.results.squareLength, 1)
  })

  s(`${bundler}: should send recursion through the cache (fib(30) runs its body 31 times)`, async () => {
    const { first } = await buildAndRun(bundler)
    assert.is(first.results.fib30, 832040)
    assert.is(first.calls.fib, 31)
  })

  s(`${bundler}: should cache an instance method per instance, and a static method`, async () => {
    const { first } = await buildAndRun(bundler)
    assert.equal(first.results.plus, [11, 11, 21, 21], 'each instance sees its own `this`')
    assert.is(first.calls.method, 2, 'one body run per instance')
    assert.equal(first.results.described, ['account:x', 'account:x'])
    assert.is(first.calls.staticMethod, 1)
  })

  s(`${bundler}: should share one call between concurrent calls of an async function`, async () => {
    const { first } = await buildAndRun(bundler)
    assert.equal(first.results.users, ['u1', 'u1', 'u1'])
    assert.is(first.calls.async, 1)
  })

  s(`${bundler}: should find a persistent entry in a second process`, async () => {
    const { first, second } = await buildAndRun(bundler)
    assert.is(first.calls.persistent, 1, 'first process: computed once, then a hit')
    assert.is(second.calls.persistent, 0, 'second process: read from disk')
    assert.equal(second.results.sums, first.results.sums)
    assert.is(second.calls.fib, 31, 'memory caches start empty in a new process')
  })

  const rootName = bundler === 'rollup' ? 'the "root" option' : "the bundler's root"
  s(`${bundler}: should name each cache site by its path from ${rootName}`, async () => {
    const { code } = await buildAndRun(bundler)
    for (const id of ['src/fib.ts#fib', 'src/shapes.ts#Account.plus', 'src/geometry.js#geometry.cube']) {
      assert.match(code, new RegExp(`["']${id.replace(/[.#]/g, '\\$&')}["']`), id)
    }
  })
}

s('vite: should cache nothing with enabled: false (every call runs the body)', async () => {
  const { first, second } = await buildAndRun('vite', 'disabled', { enabled: false })
  assert.equal(first.results.squares, [9, 9, 16, 16])
  assert.is(first.results.fib30, 832040)
  assert.equal(first.results.plus, [11, 11, 21, 21])
  assert.equal(first.calls, {
    hoisted: 4,
    arrow: 3,
    greet: 2,
    fib: 2692537, // fib(30) without a cache
    method: 4,
    staticMethod: 2,
    async: 3,
    objectMethod: 2,
    persistent: 2,
  })
  assert.is(second.calls.persistent, 2, 'nothing was written to disk')
})

s('esbuild: should leave the files matched by "exclude" as written', async () => {
  const { first } = await buildAndRun('esbuild', 'exclude-fib', { exclude: [/[\\/]fib\.ts$/] })
  assert.is(first.calls.fib, 2692537, 'fib.ts was excluded: fib(30) ran uncached')
  assert.is(first.calls.arrow, 2, 'the other files are still rewritten')
})

/** The location the packed transform itself reports for the bad tag. */
async function expectedLocation(app: App, file: string): Promise<{ line: number; column: number }> {
  const transformModule = (await import(app.packedUrl('dist/transform/index.js'))) as {
    transform(code: string, id: string, options?: { root?: string }): unknown
    TransformError: new (...args: never[]) => Error & { line: number; column: number }
  }
  try {
    transformModule.transform(await readFile(file, 'utf8'), file, { root: app.dir })
  } catch (error) {
    if (error instanceof transformModule.TransformError) {
      return { line: error.line, column: error.column }
    }
    throw error
  }
  throw new Error(`the transform accepted ${file}, which has a bad tag`)
}

/** Bad tags in fixtures/app/errors: the file, the tag's line, a word the message must hold, the bundlers tried. */
const BAD_TAGS = [
  { file: 'bad-option.ts', line: 4, word: 'maxsize', tag: '@cache mcache maxsize=-1', bundlers: BUNDLERS },
  { file: 'unknown-option.ts', line: 2, word: 'maxsise', tag: '@cache mcache maxsise=5', bundlers: ['vite', 'rollup'] },
] as const

for (const bad of BAD_TAGS) {
  for (const bundler of bad.bundlers) {
    s(`${bundler}: should fail the build on ${bad.tag}, naming file:line:col`, async () => {
      const app = await createApp(packed, `error-${bundler}-${bad.line}`, { src: path.join(FIXTURE_APP, 'errors') })
      const file = path.join(app.dir, 'src', bad.file)
      const expected = await expectedLocation(app, file)
      assert.is(expected.line, bad.line, `the transform should point at line ${bad.line} of ${bad.file}`)
      let failure: (Error & { frame?: unknown }) | undefined
      try {
        await buildApp(bundler, { app, entry: `src/${bad.file}` })
      } catch (error) {
        failure = error as Error
      }
      assert.ok(failure, 'the build succeeded')
      const where = `${bad.file}:${expected.line}:${expected.column}`
      assert.ok(failure.message.includes(where), `no ${where} in: ${failure.message}`)
      assert.ok(failure.message.includes(bad.word), `no "${bad.word}" in: ${failure.message}`)
      // The code frame: in the message, or (Rollup) in the error's own `frame`.
      const shown = `${failure.message}\n${String(failure.frame ?? '')}`
      assert.ok(shown.includes(bad.tag), `no code frame showing "${bad.tag}" in: ${shown}`)
    })
  }
}

/** Builds one file of fixtures/app/errors with `bundler`; the build error, or the warnings of a build that passed. */
async function buildErrorsFixture(
  bundler: Bundler,
  entry: string,
): Promise<{ app: App; failure?: Error; warnings: string[]; bundle?: string }> {
  const app = await createApp(packed, `errors-${bundler}-${entry.replace(/\W/g, '-')}`, { src: path.join(FIXTURE_APP, 'errors') })
  const warnings: string[] = []
  try {
    const bundle = await buildApp(bundler, { app, entry: `src/${entry}`, onWarning: (message) => warnings.push(message) })
    return { app, warnings, bundle }
  } catch (error) {
    return { app, failure: error as Error, warnings }
  }
}

/** The message and (Rollup) the frame of a build error: what the bundler shows. */
const shownOf = (failure: Error & { frame?: unknown }) => `${failure.message}\n${String(failure.frame ?? '')}`

for (const bundler of BUNDLERS) {
  s(`${bundler}: should report both bad tags of one file in one build`, async () => {
    const { failure } = await buildErrorsFixture(bundler, 'two-bad-tags.ts')
    assert.ok(failure, 'the build succeeded')
    const shown = shownOf(failure)
    for (const where of ['two-bad-tags.ts:2:27', 'two-bad-tags.ts:7:17']) assert.ok(shown.includes(where), `no ${where} in: ${shown}`)
    for (const tag of ['@cache mcache maxsize=-1', '@mcache ttl=soon'])
      assert.ok(shown.includes(tag), `no frame showing "${tag}" in: ${shown}`)
  })

  // Rollup stops at the first file whose transform fails; the others go on and report every file.
  const allFiles = bundler !== 'rollup'
  s(
    `${bundler}: should report ${allFiles ? 'the bad tags of both files' : 'the bad tags of the first failing file'} when two files have them`,
    async () => {
      const { failure } = await buildErrorsFixture(bundler, 'two-files.ts')
      assert.ok(failure, 'the build succeeded')
      const shown = shownOf(failure)
      const found = ['bad-option.ts:4:27', 'unknown-option.ts:2:19'].filter((where) => shown.includes(where))
      assert.is(found.length, allFiles ? 2 : 1, `found ${found.join(', ') || 'neither'} in: ${shown}`)
    },
  )

  s(`${bundler}: should warn about a misspelt tag with a "did you mean", and still build`, async () => {
    const { failure, warnings, bundle, app } = await buildErrorsFixture(bundler, 'misspelt-tag.ts')
    assert.is(failure, undefined, failure?.message)
    const ours = warnings.filter((warning) => warning.includes('@mcahce'))
    assert.is(ours.length, 1, `warnings: ${JSON.stringify(warnings)}`)
    assert.ok(ours[0]!.includes('misspelt-tag.ts:2:5: unknown tag @mcahce (did you mean @mcache?)'), ours[0])
    const { stdout } = await promisify(execFile)(process.execPath, [bundle!], { cwd: app.dir })
    assert.is(stdout.trim(), '42')
  })
}

for (const bundler of ['vite', 'rolldown'] as const) {
  s(`${bundler}: should print the same file:line:col as the message (the clickable location agrees)`, async () => {
    const { failure, app } = await buildErrorsFixture(bundler, 'bad-option.ts')
    assert.ok(failure, 'the build succeeded')
    const expected = await expectedLocation(app, path.join(app.dir, 'src/bad-option.ts'))
    // The bundler's own line for the error: `[plugin twat-cache] /abs/path/src/bad-option.ts:4:27`.
    const printed = /\[plugin twat-cache\] (\S+?):(\d+):(\d+)\s*$/m.exec(failure.message)
    assert.ok(printed, `no location line in: ${failure.message}`)
    assert.is(printed![1], path.join(app.dir, 'src/bad-option.ts'))
    assert.equal([Number(printed![2]), Number(printed![3])], [expected.line, expected.column])
    assert.ok(
      failure.message.includes(`src/bad-option.ts:${expected.line}:${expected.column}: Invalid cache option maxsize=-1`),
      failure.message,
    )
  })
}

s('should expose each plugin as twat-cache/<bundler> in the packed package', async () => {
  const app = await createApp(packed, 'exports', {})
  const script = `
    const names = ${JSON.stringify(BUNDLERS)}
    const kinds = {}
    for (const name of names) kinds[name] = typeof (await import('twat-cache/' + name)).default
    const transform = await import('twat-cache/transform')
    kinds.transform = typeof transform.transform
    console.log(JSON.stringify(kinds))
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: app.dir,
  })
  assert.equal(JSON.parse(stdout), {
    vite: 'function',
    webpack: 'function',
    rollup: 'function',
    esbuild: 'function',
    rspack: 'function',
    rolldown: 'function',
    transform: 'function',
  })
})

s.run()
