import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { REPO_ROOT } from './support/child.js'

const pkg = suite('package entry points')

function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' })
}

pkg('should load with require() from CommonJS (the ESM build has no top-level await)', () => {
  const entry = path.join(REPO_ROOT, 'dist/runtime/index.js')
  const result = node([
    '-e',
    `const m = require(${JSON.stringify(entry)}); const f = m.mcache((x) => x + 1); console.log(f(1), f(1), f.cache.stats().hits)`,
  ])
  assert.is(result.status, 0, result.stderr)
  assert.is(result.stdout.trim(), '2 2 1')
})

pkg('should resolve every subpath export by the package name', () => {
  const subpaths = [
    'twat-cache',
    'twat-cache/transform',
    'twat-cache/tsc',
    'twat-cache/vite',
    'twat-cache/webpack',
    'twat-cache/rollup',
    'twat-cache/esbuild',
    'twat-cache/rspack',
    'twat-cache/rolldown',
    'twat-cache/testing',
    'twat-cache/otel',
  ]
  // Self-reference: inside the package, its own name resolves through package.json "exports".
  const script = `for (const id of ${JSON.stringify(subpaths)}) { const m = await import(id); console.log(id, Object.keys(m).length > 0) }`
  const result = node(['--input-type=module', '-e', script])
  assert.is(result.status, 0, result.stderr)
  assert.equal(
    result.stdout.trim().split('\n'),
    subpaths.map((id) => `${id} true`),
  )
})

pkg.run()
