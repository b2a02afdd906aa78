// twat-cache/loader through the webpack loader API: loader-runner (what webpack runs loaders with) on the packed
// loader, for the rewrite, the source maps, the errors and the files it must leave alone; then real webpack and
// Rspack builds of fixtures/app with the loader in a rule instead of the plugin.
import { builtinModules, createRequire } from 'node:module'
import { readFile } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TraceMap, generatedPositionFor, originalPositionFor, type EncodedSourceMap } from '@jridgewell/trace-mapping'
import { runLoaders } from 'loader-runner'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createApp, packPackage, type App, type PackedPackage } from './support/build-package.js'
import { runReport } from './support/build-run.js'

const SUPPORT = path.dirname(fileURLToPath(import.meta.url))
const SHIFT_LOADER = path.join(SUPPORT, 'support/shift-loader.cjs')
const TS_LOADER = path.join(SUPPORT, 'support/build-typescript.ts')

const PRICES = `// prices
let runs = 0
/** @cache mcache maxsize=10 */
export function price(sku: string): number {
  runs++
  return sku.length * 100
}
`

const l = suite('webpack loader')
let packed: PackedPackage
let app: App
let loader: string

l.before(async () => {
  packed = await packPackage()
  app = await createApp(packed, 'loader')
  // Resolved as webpack resolves a loader by name: the package's "require" condition.
  loader = createRequire(path.join(app.dir, 'package.json')).resolve('twat-cache/loader')
  await mkdir(path.join(app.dir, 'lib'), { recursive: true })
})

l.after(async () => {
  await packed?.cleanup()
})

interface Run {
  code: string
  map: EncodedSourceMap | undefined
}

/** Writes `source` to `<app>/<file>` and runs the loader (after shift-loader when `shifted`) on it. */
async function runLoader(
  file: string,
  source: string,
  options: object = {},
  extra: { shifted?: boolean; sourceMap?: boolean } = {},
): Promise<Run> {
  const resource = path.join(app.dir, file)
  await mkdir(path.dirname(resource), { recursive: true })
  await writeFile(resource, source)
  const loaders = [{ loader, options }, ...(extra.shifted ? [SHIFT_LOADER] : [])]
  return new Promise((resolve, reject) => {
    runLoaders(
      {
        resource,
        loaders,
        context: { rootContext: app.dir, sourceMap: extra.sourceMap ?? true },
        readResource: readFile,
      },
      (error, result) => {
        if (error) return reject(error)
        const [code, map] = (result.result ?? []) as [string | Buffer, EncodedSourceMap | string | undefined]
        resolve({ code: String(code), map: typeof map === 'string' ? (JSON.parse(map) as EncodedSourceMap) : map })
      },
    )
  })
}

/** The error the loader fails with; fails the test if the loader succeeds. */
async function loaderError(file: string, source: string, options: object = {}): Promise<Error & { hideStack?: boolean }> {
  try {
    await runLoader(file, source, options)
  } catch (error) {
    return error as Error
  }
  assert.unreachable(`the loader must fail on ${file}`)
  throw new Error('unreachable')
}

/** Where `needle` is in the original file, by the map from the position of `needle` in the output. */
function originalOf(run: Run, needle: string): { line: number | null; column: number | null; source: string | null } {
  assert.ok(run.map, 'a source map')
  const index = run.code.indexOf(needle)
  assert.ok(index >= 0, `${needle} is in the output`)
  const before = run.code.slice(0, index).split('\n')
  const traced = new TraceMap(run.map)
  const found = originalPositionFor(traced, { line: before.length, column: before.at(-1)!.length })
  return { line: found.line, column: found.column, source: found.source }
}

l('should rewrite a tagged function with an id relative to the root, and map it back to the source', async () => {
  const run = await runLoader('lib/prices.ts', PRICES)
  assert.match(run.code, /from "twat-cache"/)
  assert.match(run.code, /__twat_mcache\(__twat\$price\$impl, \{ maxsize: 10, name: "lib\/prices\.ts#price"/)
  const original = originalOf(run, 'return sku.length * 100')
  assert.is(original.line, 6)
  assert.is(original.column, 2)
  assert.ok(original.source?.endsWith('lib/prices.ts'), String(original.source))
})

l('should combine its map with the map of the loader before it', async () => {
  const run = await runLoader('lib/shifted.ts', PRICES, {}, { shifted: true })
  assert.match(run.code, /\/\/ line added by shift-loader\n/, 'shift-loader ran first')
  assert.match(run.code, /__twat_mcache\(/)
  // Two lines were added before the twat-cache loader saw the file: only a combined map points at line 6.
  const original = originalOf(run, 'return sku.length * 100')
  assert.is(original.line, 6)
  assert.ok(original.source?.endsWith('lib/shifted.ts'), String(original.source))
  const traced = new TraceMap(run.map!)
  const tag = generatedPositionFor(traced, { source: original.source!, line: 3, column: 0 })
  assert.is(run.code.split('\n')[tag.line! - 1]!.slice(tag.column!).startsWith('/** @cache mcache'), true, 'the tag line maps back too')
})

l('should fail the module with file:line:col, the message and the code frame', async () => {
  const source = '// a bad tag\n/** @cache mcache maxsize=-1 */\nexport function bad(n: number): number {\n  return n\n}\n'
  const error = await loaderError('lib/bad.ts', source)
  const lines = error.message.split('\n')
  assert.is(lines[0], 'lib/bad.ts:2:27: Invalid cache option maxsize=-1: expected a whole number ≥ 1, or null for no limit')
  assert.is(lines[1], '2 | /** @cache mcache maxsize=-1 */')
  assert.is(lines[2], '  |                           ^^')
  assert.is(error.hideStack, true, 'webpack prints the message, not the stack')
  assert.not.match(String(error.stack), /\n\s+at /, 'no stack frames for Turbopack to print')
})

l('should hand back a file without trigger text as it came, with the map it came with', async () => {
  const source = 'export const plain = (n: number) => n + 1\n'
  const run = await runLoader('lib/plain.ts', source, {}, { shifted: true })
  assert.is(run.code, `// line added by shift-loader\n// another added line\n${source}`)
  assert.ok(run.map && run.map.mappings.length > 0, "shift-loader's map is passed on")
  const original = originalOf(run, 'export const plain')
  assert.is(original.line, 1)
})

l('should leave files that `include`/`exclude` rule out, including RegExps in their JSON form', async () => {
  const excluded = await runLoader('legacy/prices.ts', PRICES, { exclude: ['legacy/**'] })
  assert.is(excluded.code, PRICES)
  const json = { include: [{ source: 'keep\\.ts$', flags: '' }] }
  const kept = await runLoader('lib/keep.ts', PRICES, json)
  assert.match(kept.code, /__twat_mcache\(/)
  const other = await runLoader('lib/other.ts', PRICES, json)
  assert.is(other.code, PRICES)
})

l('should return no map when the build wants none', async () => {
  const run = await runLoader('lib/nomap.ts', PRICES, {}, { sourceMap: false })
  assert.match(run.code, /__twat_mcache\(/)
  assert.is(run.map, undefined)
})

l('should fail on a bad option, naming it', async () => {
  const error = await loaderError('lib/options.ts', PRICES, { ttl: '1h' })
  assert.match(error.message, /unknown option "ttl"/)
  assert.match(error.message, /go under "defaults"/)
  const regexp = await loaderError('lib/regexp.ts', PRICES, { exclude: [{ source: '(' }] })
  assert.match(regexp.message, /"exclude" has an invalid RegExp/)
})

/** webpack's and Rspack's shared options: fixtures/app as one ES module for Node, twat-cache left external. */
function bundleOptions(outDir: string) {
  const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])
  return {
    mode: 'none' as const,
    context: app.dir,
    entry: './src/main.ts',
    target: 'node20' as const,
    devtool: false as const,
    output: { path: outDir, filename: 'main.mjs', module: true, chunkFormat: 'module' as const, library: { type: 'module' as const } },
    externalsType: 'module' as const,
    externals: [
      ({ request }: { request?: string }, callback: (error?: Error, result?: string) => void) =>
        callback(undefined, request && (/^twat-cache(\/|$)/.test(request) || builtins.has(request)) ? request : undefined),
    ],
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    optimization: { minimize: false },
  }
}

/** The rule a user writes: the loader by package name, before the loader that compiles TypeScript. */
const LOADER_RULE = {
  test: /\.[cm]?[jt]sx?$/,
  exclude: /node_modules/,
  enforce: 'pre' as const,
  loader: 'twat-cache/loader',
  options: { defaults: {} },
}

interface CompilerLike {
  run(callback: (error: Error | null, stats?: { hasErrors(): boolean; toString(options: object): string }) => void): void
  close(callback: () => void): void
}

function runCompiler(compiler: CompilerLike): Promise<void> {
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {
        if (error) return reject(error)
        if (stats?.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })))
        resolve()
      })
    })
  })
}

const BUILDERS = {
  async webpack(outDir: string) {
    const { default: webpack } = await import('webpack')
    const options = bundleOptions(outDir)
    const rules = [{ test: /\.ts$/, loader: TS_LOADER }, LOADER_RULE]
    await runCompiler(webpack({ ...options, experiments: { outputModule: true }, module: { rules } }) as CompilerLike)
  },
  async rspack(outDir: string) {
    const { rspack } = await import('@rspack/core')
    const swc = { loader: 'builtin:swc-loader', options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } } }
    const rules = [{ test: /\.ts$/, ...swc }, LOADER_RULE]
    await runCompiler(rspack({ ...bundleOptions(outDir), module: { rules } }) as CompilerLike)
  },
}

for (const bundler of ['webpack', 'rspack'] as const) {
  l(`should cache in a real ${bundler} build that uses the loader in a rule, by package name`, async () => {
    const outDir = path.join(app.dir, `dist-${bundler}`)
    await BUILDERS[bundler](outDir)
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), `twat-cache-loader-${bundler}-`))
    try {
      const report = await runReport<{ calls: Record<string, number>; results: { fib30: number } }>(
        path.join(outDir, 'main.mjs'),
        app.dir,
        { TWAT_CACHE_DIR: cacheDir },
      )
      assert.is(report.results.fib30, 832040)
      assert.is(report.calls.fib, 31, 'fib(30) through the cache')
      assert.is(report.calls.hoisted, 2)
      assert.is(report.calls.method, 2)
      assert.is(report.calls.greet, 1)
    } finally {
      await rm(cacheDir, { recursive: true, force: true })
    }
  })
}

l.run()
