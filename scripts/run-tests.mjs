#!/usr/bin/env node
// Runs every uvu test file in its own Node process (TypeScript through tsx), TEST_JOBS at a time (default 2), so no
// file sees another's warn-once memory, registry or connections. Prints each file's output when it ends, then the
// closing line CI reads: "N passed, N failed". A file that crashes or times out counts as one failure more.
// Usage: node scripts/run-tests.mjs [file-pattern]   e.g. node scripts/run-tests.mjs mcache
//        node scripts/run-tests.mjs --stress [file-pattern]   the reliability suite, stress/*.stress.ts (npm run stress)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const args = process.argv.slice(2)
const stress = args[0] === '--stress'
if (stress) args.shift()
const folder = stress ? 'stress' : 'test'
const suffix = stress ? '.stress.ts' : '.test.ts'
const filter = new RegExp(args[0] ?? '')
/** A whole file's limit; tests also have their own (test/support/suite.ts). */
const FILE_TIMEOUT_MS = 20 * 60 * 1000
const jobs = Math.max(1, Number(process.env.TEST_JOBS) || Math.min(2, os.availableParallelism()))

const files = readdirSync(path.join(root, folder))
  .filter((name) => name.endsWith(suffix) && filter.test(name))
  .sort()
if (files.length === 0) {
  console.log(`No test file matches ${filter}.`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

/**
 * Pack the package once (dist/ is built by `npm test` before this runs), for every test file that installs the
 * tarball: test files run at the same time, and each packing its own would build dist/ under the others' feet.
 */
function packOnce() {
  const destination = mkdtempSync(path.join(os.tmpdir(), 'twat-cache-test-pack-'))
  process.once('exit', () => rmSync(destination, { recursive: true, force: true }))
  const packed = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: root,
    encoding: 'utf8',
  })
  const info = packed.status === 0 ? JSON.parse(packed.stdout)[0] : undefined
  if (!info) {
    console.log(`npm pack failed:\n${packed.stdout}${packed.stderr}`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
  return path.join(destination, info.filename)
}
if (!existsSync(path.join(root, 'dist/runtime/index.js'))) {
  console.log('dist/ is not built: run `npm run build` first (npm test does).')
  console.log('0 passed, 1 failed')
  process.exit(1)
}
// The reliability suite runs the built dist/ only: no tarball to pack.
const tarball = process.env.TWAT_TEST_TARBALL ?? (stress ? '' : packOnce())

// eslint-disable-next-line no-control-regex
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, '')

function runFile(name) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(folder, name)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', TWAT_TEST_TARBALL: tarball },
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, FILE_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const text = plain(output)
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1])
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1])
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0)
      let failed = Number.isFinite(total) && Number.isFinite(passed) ? total - passed - skipped : 1
      // uvu stops a file at an error thrown outside a test: count the file as failed even if its totals look clean.
      if (code !== 0 && failed === 0) failed = 1
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      const why = timedOut ? ` (killed after ${FILE_TIMEOUT_MS / 60000} min)` : code !== 0 ? ` (exit ${code ?? signal})` : ''
      process.stdout.write(`\n── ${name} · ${seconds} s${why}\n${output.trimEnd()}\n`)
      resolve({ passed: Number.isFinite(passed) ? passed : 0, failed, skipped })
    })
  })
}

const queue = [...files]
const results = []
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) results.push(await runFile(name))
  }),
)
const sum = (key) => results.reduce((total, r) => total + r[key], 0)
const [passed, failed, skipped] = [sum('passed'), sum('failed'), sum('skipped')]
console.log(`\n${files.length} test files`)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || skipped > 0 ? 1 : 0)
