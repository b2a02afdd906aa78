#!/usr/bin/env node
// Runs the uvu suites (TypeScript, through tsx) and prints the closing line CI reads: "N passed, N failed".
// Usage: node scripts/run-tests.mjs [file-pattern]   e.g. node scripts/run-tests.mjs mcache
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const filter = process.argv[2] ?? ''
const pattern = `${filter ? `${filter}.*` : ''}\\.test\\.ts$`
const TIMEOUT_MS = 60 * 60 * 1000

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--expose-gc', path.join(root, 'node_modules/uvu/bin.js'), 'test', pattern, '--no-color'],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_COLOR: '0' } },
)
let output = ''
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk)
  output += chunk
})
const timer = setTimeout(() => {
  console.error(`\nTest run exceeded ${TIMEOUT_MS / 60000} minutes; stopping it.`)
  child.kill('SIGKILL')
}, TIMEOUT_MS)

child.on('close', (code, signal) => {
  clearTimeout(timer)
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '')
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1])
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1])
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0)
  if (!Number.isFinite(total) || !Number.isFinite(passed)) {
    console.log(`\nThe test runner ended (code ${code}, signal ${signal}) without its totals.`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
  let failed = total - passed - skipped
  // uvu stops a file at an error thrown outside a test: count the run as failed even if its totals look clean.
  if (code !== 0 && failed === 0) failed = 1
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
  process.exit(failed > 0 || skipped > 0 ? 1 : 0)
})
