#!/usr/bin/env node
// The demo: build examples/demo/app.ts with the twat-cache esbuild plugin, then run the output twice as two
// processes, showing memory hits, a recursive function made linear, and the disk cache surviving the process.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import twatCache from '../dist/plugins/esbuild.js'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const outDir = path.join(root, '.tmp/demo')
const cacheDir = path.join(outDir, 'cache')
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })

const started = performance.now()
await build({
  entryPoints: [path.join(root, 'examples/demo/app.ts')],
  outfile: path.join(outDir, 'app.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['twat-cache'],
  plugins: [twatCache({ root })],
  logLevel: 'warning',
})
console.log(`Built examples/demo/app.ts with twat-cache/esbuild in ${(performance.now() - started).toFixed(0)} ms -> .tmp/demo/app.mjs`)

for (const run of ['1', '2']) {
  const result = spawnSync(process.execPath, [path.join(outDir, 'app.mjs'), run], {
    stdio: 'inherit',
    env: { ...process.env, TWAT_CACHE_DIR: cacheDir },
  })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
console.log('\nRun 2 is a new process: its bcache call was answered from SQLite on disk (.tmp/demo/cache).')
