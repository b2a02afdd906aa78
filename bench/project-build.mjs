#!/usr/bin/env node
/**
 * Build time of a generated 500-file TypeScript project (every file imports two others and holds one bcache
 * function, with a local helper and 40 lines of ordinary code), with each bundler installed here: without the
 * twat-cache plugin, with it and `versionScope: 'function'` (versions from the function alone, as before), and with
 * it and the default `deps` (versions that follow dependencies). Prints the best time of each and the ratios to the
 * build without the plugin. Runs on the built package (dist/plugins); not part of `npm run bench` (a few minutes).
 *
 *   npm run build && node bench/project-build.mjs                  every bundler, best of 2 rounds
 *   BENCH_ROUNDS=3 node bench/project-build.mjs esbuild rollup     some bundlers, best of 3
 *   BENCH_FILES=200 node bench/project-build.mjs                   a smaller project
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FILES = Number(process.env.BENCH_FILES) || 500
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 2
const BUNDLERS = ['esbuild', 'rollup', 'vite', 'webpack', 'rspack', 'rolldown']
const VARIANTS = ['no plugin', 'plugin, versionScope function', 'plugin, deps']
const require = createRequire(path.join(ROOT, 'package.json'))

const requested = process.argv.slice(2)
const unknown = requested.filter((name) => !BUNDLERS.includes(name))
if (unknown.length) {
  console.error(`Unknown bundler ${unknown.join(', ')}; the bundlers are: ${BUNDLERS.join(', ')}`)
  process.exit(2)
}
if (!existsSync(path.join(ROOT, 'dist/plugins/esbuild.js'))) {
  console.error('dist/ is not built: run npm run build first')
  process.exit(1)
}

/** One module of the project: two imports, a constant, a helper, the cached function, and ordinary code. */
function moduleText(i) {
  const imports = [i + 1, i + 2].filter((j) => j < FILES)
  const lines = imports.map((j) => `import { f${j} } from './mod${j}.js'`)
  const calls = imports.map((j) => `f${j}(n - 1)`).join(' + ') || '0'
  lines.push(
    `export interface Item${i} { id: string; price: number; tags: string[] }`,
    `const WEIGHT = ${i % 7}`,
    `function local(n: number): number { return n * WEIGHT + 1 }`,
    '',
    `/** @bcache folder_name=bench-project */`,
    `export function f${i}(n: number): number {`,
    `  return local(n) + (n > 0 ? ${calls} : 0)`,
    `}`,
    '',
  )
  for (let k = 0; k < 4; k++) {
    lines.push(
      `export function total${k}(items: Item${i}[], factor = ${k}): number {`,
      `  let sum = 0`,
      `  for (const item of items) {`,
      `    if (item.tags.includes('t${k}')) sum += item.price * factor`,
      `    else sum -= item.price / (factor + 1)`,
      `  }`,
      `  return Math.round(sum * 100) / 100`,
      `}`,
      '',
    )
  }
  return lines.join('\n')
}

function writeProject() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-cache-project-build-'))
  mkdirSync(path.join(dir, 'src'))
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(dir, 'src', `mod${i}.ts`), moduleText(i))
  writeFileSync(path.join(dir, 'src', 'main.ts'), "import { f0 } from './mod0.js'\nconsole.log(f0(3))\n")
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-project', private: true, type: 'module' }))
  // webpack's TypeScript step, as ts-loader would be: esbuild's transform (installed with the repo).
  writeFileSync(
    path.join(dir, 'strip-types.cjs'),
    `const { transformSync } = require(${JSON.stringify(require.resolve('esbuild'))})
module.exports = function (source) { return transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022' }).code }
`,
  )
  return dir
}

const isExternal = (id) => id === 'twat-cache' || id.startsWith('twat-cache/') || id.startsWith('node:')

/** Rollup cannot read TypeScript: `./x.js` → `./x.ts` and esbuild's transform, as the test apps do. */
async function rollupTypeScript() {
  const { transform } = await import('esbuild')
  return {
    name: 'strip-types',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.') || !source.endsWith('.js')) return null
      return path.resolve(path.dirname(importer), `${source.slice(0, -3)}.ts`)
    },
    async transform(code, id) {
      return id.endsWith('.ts')
        ? { code: (await transform(code, { loader: 'ts', format: 'esm', target: 'es2022' })).code, map: null }
        : null
    },
  }
}

function runCompiler(compiler) {
  return new Promise((resolve, reject) =>
    compiler.run((error, stats) =>
      compiler.close(() => (error ? reject(error) : stats.hasErrors() ? reject(new Error(stats.toString('errors-only'))) : resolve())),
    ),
  )
}

/** What webpack and Rspack share (typed loosely: a literal's strings widen in JavaScript). @type {(dir: string, outDir: string) => any} */
const webpackLike = (dir, outDir) => ({
  mode: 'none',
  context: dir,
  entry: path.join(dir, 'src/main.ts'),
  target: 'node20',
  devtool: false,
  output: { path: outDir, filename: 'main.cjs', chunkFormat: 'commonjs', library: { type: 'commonjs2' } },
  externals: [({ request }, callback) => callback(undefined, request && isExternal(request) ? request : undefined)],
  externalsType: 'commonjs',
  resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  optimization: { minimize: false },
  cache: false,
})

/** Builds the project once with `bundler`; `plugin` is undefined for the build without twat-cache. */
const BUILDS = {
  async esbuild(dir, outDir, plugin) {
    const { build } = await import('esbuild')
    await build({
      absWorkingDir: dir,
      entryPoints: ['src/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(outDir, 'main.mjs'),
      external: ['twat-cache'],
      logLevel: 'silent',
      plugins: plugin ? [plugin] : [],
    })
  },
  async rollup(dir, outDir, plugin) {
    const { rollup } = await import('rollup')
    const bundle = await rollup({
      input: path.join(dir, 'src/main.ts'),
      external: isExternal,
      plugins: [...(plugin ? [plugin] : []), await rollupTypeScript()],
      onwarn: () => undefined,
    })
    await bundle.write({ file: path.join(outDir, 'main.mjs'), format: 'es' })
    await bundle.close()
  },
  async vite(dir, outDir, plugin) {
    const { build } = await import('vite')
    await build({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      plugins: plugin ? [plugin] : [],
      build: {
        ssr: path.join(dir, 'src/main.ts'),
        outDir,
        emptyOutDir: true,
        minify: false,
        rolldownOptions: { external: isExternal, output: { format: 'es' } },
      },
      ssr: { target: 'node', external: ['twat-cache'] },
    })
  },
  async webpack(dir, outDir, plugin) {
    const { default: webpack } = await import('webpack')
    const compiler = webpack({
      ...webpackLike(dir, outDir),
      module: { rules: [{ test: /\.ts$/, loader: path.join(dir, 'strip-types.cjs') }] },
      plugins: plugin ? [plugin] : [],
    })
    await runCompiler(compiler)
  },
  async rspack(dir, outDir, plugin) {
    const { rspack } = await import('@rspack/core')
    const compiler = rspack({
      ...webpackLike(dir, outDir),
      module: {
        rules: [{ test: /\.ts$/, loader: 'builtin:swc-loader', options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } } }],
      },
      plugins: plugin ? [plugin] : [],
    })
    await runCompiler(compiler)
  },
  async rolldown(dir, outDir, plugin) {
    const { rolldown } = await import('rolldown')
    const bundle = await rolldown({
      cwd: dir,
      input: path.join(dir, 'src/main.ts'),
      platform: 'node',
      external: isExternal,
      plugins: plugin ? [plugin] : [],
      onwarn: () => undefined,
    })
    await bundle.write({ file: path.join(outDir, 'main.mjs'), format: 'es' })
    await bundle.close()
  },
}

async function importable(name) {
  try {
    await import(name === 'rspack' ? '@rspack/core' : name)
    return true
  } catch {
    return false
  }
}

async function timeBuild(bundler, dir, variant) {
  const outDir = path.join(dir, 'out', bundler)
  let plugin
  if (variant !== 'no plugin') {
    const { default: factory } = await import(pathToFileURL(path.join(ROOT, `dist/plugins/${bundler}.js`)).href)
    // A new plugin instance per build: its module graph starts empty, as in a fresh `vite build`.
    plugin = factory({ root: dir, ...(variant === 'plugin, versionScope function' ? { defaults: { versionScope: 'function' } } : {}) })
  }
  const started = performance.now()
  await BUILDS[bundler](dir, outDir, plugin)
  return performance.now() - started
}

const dir = writeProject()
process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
console.log(
  `${FILES} files, best of ${ROUNDS} rounds (after one warm-up build per bundler); Node ${process.version}, ${os.cpus()[0]?.model}, ${os.cpus().length} cores\n`,
)
const rows = []
for (const bundler of requested.length ? requested : BUNDLERS) {
  if (!(await importable(bundler))) {
    rows.push({ bundler, skipped: `${bundler} is not installed` })
    continue
  }
  await timeBuild(bundler, dir, 'plugin, deps') // warm-up: module loading and JIT, not counted
  const best = Object.fromEntries(VARIANTS.map((v) => [v, Infinity]))
  for (let round = 0; round < ROUNDS; round++) {
    // Each round in another order, so no variant always runs right after a warm-up.
    const order = round % 2 ? [...VARIANTS].reverse() : VARIANTS
    for (const variant of order) best[variant] = Math.min(best[variant], await timeBuild(bundler, dir, variant))
  }
  rows.push({ bundler, best })
  const [none, fn, deps] = VARIANTS.map((v) => best[v])
  console.log(
    `${bundler.padEnd(9)} no plugin ${ms(none)}  plugin (function) ${ms(fn)} ${ratio(fn, none)}  plugin (deps) ${ms(deps)} ${ratio(deps, none)}  deps vs function ${ratio(deps, fn)}`,
  )
}

function ms(value) {
  return `${(value / 1000).toFixed(2)} s`.padStart(8)
}
function ratio(value, base) {
  return `${(value / base).toFixed(2)}×`
}

console.log(
  '\n| bundler | no plugin | plugin, versionScope function | plugin, deps | plugin vs none (function / deps) | deps vs function |',
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) {
  if (row.skipped) {
    console.log(`| ${row.bundler} | skipped: ${row.skipped} | | | | |`)
    continue
  }
  const [none, fn, deps] = VARIANTS.map((v) => row.best[v])
  console.log(
    `| ${row.bundler} | ${ms(none).trim()} | ${ms(fn).trim()} | ${ms(deps).trim()} | ${ratio(fn, none)} / ${ratio(deps, none)} | ${ratio(deps, fn)} |`,
  )
}
