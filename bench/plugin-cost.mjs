#!/usr/bin/env node
/**
 * What the plugin costs a real project: a generated project of 500 TypeScript modules (200 of them with a cache tag,
 * each module importing two others) and a Vitest suite of 500 tests in 50 files, run with Vitest and built with
 * `vite build`, each with and without the twat-cache Vite plugin, rounds interleaved so both see the same machine.
 * Prints the wall times, their ratio (goal: the plugin adds ≤ 10%) and the breakdown Vitest prints (transform,
 * import, tests…) both ways. The package is installed into the project as npm would (package.json and dist/ copied
 * into its node_modules), so Vitest treats twat-cache as a dependency, as in a user's project. Not part of
 * `npm run bench` or `npm test` (about three minutes).
 *
 *   npm run build && node bench/plugin-cost.mjs     3 rounds, the median of each counts
 *   BENCH_ROUNDS=1 node bench/plugin-cost.mjs       one round (a smoke run)
 *   BENCH_KEEP=1 node bench/plugin-cost.mjs         keep the generated project and print its folder
 *   BENCH_PROJECT_ONLY=1 node bench/plugin-cost.mjs write the project, print its folder, run nothing
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const MODULES = 500
const TAGGED_EVERY = 5 // modules i with i % 5 < 2 are tagged: 200 of 500
const TEST_FILES = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS) || 3
const GOAL = 1.1

if (!existsSync(path.join(ROOT, 'dist/plugins/vite.js')) || !existsSync(path.join(ROOT, 'dist/node/index.js'))) {
  console.error('dist/ is not built: run npm run build first')
  process.exit(1)
}

const tagged = (i) => i % TAGGED_EVERY < 2
/** Module i imports modules 2i+1 and 2i+2 (a binary tree: no cycles, every module reached from module 0). */
const importsOf = (i) => [2 * i + 1, 2 * i + 2].filter((j) => j < MODULES)
/** What f_i(n) returns, computed the way the module does. */
const memo = new Map()
function expected(i, n) {
  const key = `${i}:${n}`
  if (!memo.has(key)) memo.set(key, n * ((i % 7) + 1) + i + importsOf(i).reduce((sum, j) => sum + expected(j, n), 0))
  return memo.get(key)
}

function moduleText(i) {
  const imports = importsOf(i)
  const lines = imports.map((j) => `import { f${j} } from './m${j}.js'`)
  lines.push(
    `export interface Row${i} { id: string; price: number; tags: string[] }`,
    `const WEIGHT = ${(i % 7) + 1}`,
    '',
    tagged(i) ? `/** @cache mcache maxsize=100 */` : `/** Row ${i}'s value. */`,
    `export function f${i}(n: number): number {`,
    `  return n * WEIGHT + ${i}${imports.map((j) => ` + f${j}(n)`).join('')}`,
    `}`,
    '',
    `export function total${i}(rows: Row${i}[], factor = ${i % 3}): number {`,
    `  let sum = 0`,
    `  for (const row of rows) {`,
    `    if (row.tags.includes('t${i % 11}')) sum += row.price * factor`,
    `    else sum -= row.price / (factor + 1)`,
    `  }`,
    `  return Math.round(sum * 100) / 100`,
    `}`,
    '',
  )
  return lines.join('\n')
}

function testText(k) {
  const modules = []
  for (let i = k; i < MODULES; i += TEST_FILES) modules.push(i)
  const lines = [`import { describe, expect, test } from 'vitest'`]
  for (const i of modules) lines.push(`import { f${i}, total${i} } from '../src/m${i}.js'`)
  lines.push('', `describe('modules ${k} mod ${TEST_FILES}', () => {`)
  for (const i of modules) {
    lines.push(
      `  test('f${i} sums its subtree', () => {`,
      `    expect(f${i}(3)).toBe(${expected(i, 3)})`,
      `    expect(f${i}(3)).toBe(${expected(i, 3)})`,
      `    expect(total${i}([{ id: 'a', price: 10, tags: ['t${i % 11}'] }])).toBe(${10 * (i % 3)})`,
      `  })`,
    )
  }
  lines.push('})', '')
  return lines.join('\n')
}

function writeProject() {
  const parent = path.join(ROOT, '.tmp')
  mkdirSync(parent, { recursive: true })
  // Inside the repository, so that vitest, vite and the plugin's peers resolve from its node_modules.
  const dir = mkdtempSync(path.join(parent, 'plugin-cost-'))
  mkdirSync(path.join(dir, 'src'))
  mkdirSync(path.join(dir, 'test'))
  for (let i = 0; i < MODULES; i++) writeFileSync(path.join(dir, 'src', `m${i}.ts`), moduleText(i))
  for (let k = 0; k < TEST_FILES; k++) writeFileSync(path.join(dir, 'test', `t${k}.test.ts`), testText(k))
  writeFileSync(
    path.join(dir, 'src', 'index.ts'),
    Array.from({ length: MODULES }, (_, i) => `export { f${i}, total${i} } from './m${i}.js'`).join('\n') + '\n',
  )
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'plugin-cost-project', private: true, type: 'module', dependencies: { 'twat-cache': '*' } }, null, 2),
  )
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify(
      { compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true } },
      null,
      2,
    ),
  )
  const installed = path.join(dir, 'node_modules', 'twat-cache')
  mkdirSync(installed, { recursive: true })
  cpSync(path.join(ROOT, 'package.json'), path.join(installed, 'package.json'))
  cpSync(path.join(ROOT, 'dist'), path.join(installed, 'dist'), { recursive: true })
  for (const plugin of [false, true]) {
    const head = plugin ? `import twatCache from 'twat-cache/vite'\n` : ''
    const plugins = plugin ? '[twatCache()]' : '[]'
    writeFileSync(
      path.join(dir, `vitest.${plugin ? 'plugin' : 'plain'}.config.mjs`),
      `${head}export default { plugins: ${plugins}, test: { include: ['test/**/*.test.ts'] } }\n`,
    )
    // A library build: twat-cache stays an import, so the plugin's cost is its transform, not bundling the runtime.
    writeFileSync(
      path.join(dir, `vite.${plugin ? 'plugin' : 'plain'}.config.mjs`),
      `${head}export default { logLevel: 'warn', plugins: ${plugins}, build: { outDir: 'dist-${plugin ? 'plugin' : 'plain'}', minify: false, lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' }, rollupOptions: { external: [/^twat-cache/] } } }\n`,
    )
  }
  return dir
}

const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs')
const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js')

/** Runs a command in the project; returns its wall time in ms and its output. */
function timed(dir, args) {
  const t0 = performance.now()
  const child = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
  })
  const ms = performance.now() - t0
  const output = `${child.stdout}${child.stderr}`
  if (child.status !== 0) throw new Error(`${args.slice(1).join(' ')} failed (status ${child.status}):\n${output.slice(-4000)}`)
  return { ms, output }
}

/** Vitest's closing lines: "Tests 500 passed (500)" and "Duration 9.1s (transform 1.2s, setup 0ms, import 3.0s, …)". */
function vitestReport(output) {
  const tests = /Tests\s+(\d+) passed/.exec(output)?.[1]
  const duration = /Duration\s+([\d.]+m?s)\s*\(([^)]*)\)/.exec(output)
  if (Number(tests) !== TEST_FILES * Math.ceil(MODULES / TEST_FILES))
    throw new Error(`Vitest did not pass every test:\n${output.slice(-3000)}`)
  const phases = {}
  for (const part of duration?.[2].split(',') ?? []) {
    const [name, value] = part.trim().split(/\s+/)
    phases[name] = seconds(value)
  }
  return { duration: seconds(duration?.[1]), phases }
}

function seconds(text) {
  if (!text) return undefined
  const n = Number.parseFloat(text)
  return text.endsWith('ms') ? n / 1000 : text.endsWith('m') ? n * 60 : n
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
const fmt = (s) => (s === undefined ? '–' : `${s.toFixed(2)} s`)

const dir = writeProject()
if (process.env.BENCH_PROJECT_ONLY) {
  console.log(dir)
  process.exit(0)
}
if (!process.env.BENCH_KEEP) process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
console.log(
  `plugin cost — Node ${process.version}, ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(
  `project: ${MODULES} modules (${Array.from({ length: MODULES }, (_, i) => i).filter(tagged).length} tagged, each importing two others), ${TEST_FILES} test files, ${TEST_FILES * Math.ceil(MODULES / TEST_FILES)} tests${process.env.BENCH_KEEP ? ` — ${dir}` : ''}\n`,
)

const runs = { vitest: { plain: [], plugin: [] }, build: { plain: [], plugin: [] } }
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of round % 2 ? ['plugin', 'plain'] : ['plain', 'plugin']) {
    const v = timed(dir, [VITEST, 'run', '--config', `vitest.${variant}.config.mjs`])
    runs.vitest[variant].push({ ms: v.ms, ...vitestReport(v.output) })
    const b = timed(dir, [VITE, 'build', '--config', `vite.${variant}.config.mjs`])
    runs.build[variant].push({ ms: b.ms })
    console.log(`  round ${round + 1}, ${variant.padEnd(6)}: vitest ${fmt(v.ms / 1000)}, vite build ${fmt(b.ms / 1000)}`)
  }
}

const rows = []
const goals = []
for (const [tool, label] of [
  ['vitest', 'vitest run (wall)'],
  ['build', 'vite build (wall)'],
]) {
  const plain = median(runs[tool].plain.map((r) => r.ms)) / 1000
  const plugin = median(runs[tool].plugin.map((r) => r.ms)) / 1000
  rows.push([label, fmt(plain), fmt(plugin), `${(plugin / plain).toFixed(2)}×`])
  goals.push([`${label}: plugin ÷ no plugin`, `${(plugin / plain).toFixed(2)}×`, `≤ ${GOAL}×`, plugin / plain <= GOAL ? 'met' : 'MISSED'])
}
const phaseNames = [...new Set(runs.vitest.plain.concat(runs.vitest.plugin).flatMap((r) => ['duration', ...Object.keys(r.phases)]))]
for (const name of phaseNames) {
  const pick = (r) => (name === 'duration' ? r.duration : r.phases[name])
  const plain = median(runs.vitest.plain.map(pick).filter((x) => x !== undefined))
  const plugin = median(runs.vitest.plugin.map(pick).filter((x) => x !== undefined))
  rows.push([`vitest: ${name} (as Vitest prints it)`, fmt(plain), fmt(plugin), plain ? `${(plugin / plain).toFixed(2)}×` : '–'])
}

const table = (header, body) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n')
console.log(`\nMedians of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, load average now ${os.loadavg()[0].toFixed(2)}:\n`)
console.log(table(['measurement', 'without the plugin', 'with the plugin', 'with ÷ without'], rows))
console.log('')
console.log(table(['goal', 'measured', 'target', 'result'], goals))
