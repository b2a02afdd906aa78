// bcache without better-sqlite3 (made truly unresolvable in a child): it runs on the file engine, says so once.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { REPO_ROOT, runChild } from './support/child.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-disk-fallback-'))
const BCACHE_URL = new URL('dist/runtime/caches/bcache.js', `file://${REPO_ROOT}/`).href

const source = `
  import { bcache } from ${JSON.stringify(BCACHE_URL)}
  const warnings = []
  process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }))
  let calls = 0
  const caches = ['one', 'two', 'three'].map((name) => bcache((n) => (calls++, n * 2), { name }))
  for (const f of caches) { f(1); f(1) }
  await new Promise((r) => setTimeout(r, 20))
  console.log(JSON.stringify({ calls, engines: caches.map((f) => f.cache.engine), paths: caches.map((f) => f.cache.path), warnings }))
`

const s = suite('bcache without better-sqlite3')
s.after(() => rmSync(root, { recursive: true, force: true }))

s('should run on the file engine and emit exactly one fallback warning for several caches, naming the install command', async () => {
  const cacheDir = path.join(root, 'one')
  const result = await runChild(source, { hide: ['better-sqlite3'], env: { TWAT_CACHE_DIR: cacheDir } })
  assert.is(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  assert.equal(out.engines, ['file', 'file', 'file'])
  assert.is(out.calls, 3)
  assert.is(out.warnings.length, 1)
  assert.is(out.warnings[0].code, 'TWAT_CACHE_FALLBACK')
  assert.match(out.warnings[0].message, /better-sqlite3/)
  assert.match(out.warnings[0].message, /npm install better-sqlite3/)
  assert.ok(!readdirSync(path.join(cacheDir, 'default')).includes('cache.sqlite'))
  const again = JSON.parse((await runChild(source, { hide: ['better-sqlite3'], env: { TWAT_CACHE_DIR: cacheDir } })).stdout)
  assert.is(again.calls, 0, 'the file engine persists across processes too')
})

s('should use SQLite when better-sqlite3 resolves (the same script, nothing hidden)', async () => {
  const result = await runChild(source, { env: { TWAT_CACHE_DIR: path.join(root, 'two') } })
  const out = JSON.parse(result.stdout)
  assert.equal(out.engines, ['better-sqlite3', 'better-sqlite3', 'better-sqlite3'])
  assert.equal(out.warnings, [])
})

s.run()
