// bcache without better-sqlite3 (made truly unresolvable in a child, as after `npm install --omit=optional`): it
// runs on the file engine and says so once; every other cache works as before.
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
  await new Promise((r) => setImmediate(r))
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
  assert.match(out.warnings[0].message, /^better-sqlite3 is not installed/)
  assert.match(out.warnings[0].message, /npm install better-sqlite3/)
  assert.ok(!readdirSync(path.join(cacheDir, 'default')).includes('cache.sqlite'))
  const again = JSON.parse((await runChild(source, { hide: ['better-sqlite3'], env: { TWAT_CACHE_DIR: cacheDir } })).stdout)
  assert.is(again.calls, 0, 'the file engine persists across processes too')
})

const EVERY_CACHE = `
  import { mcache, bcache, fcache, acache, ucache, openCache, getAvailableBackends } from ${JSON.stringify(new URL('dist/runtime/index.js', `file://${REPO_ROOT}/`).href)}
  const warnings = []
  process.on('warning', (w) => warnings.push({ code: w.code, message: w.message }))
  let calls = 0
  const body = (n) => (calls++, n * 2)
  const caches = {
    mcache: mcache(body),
    bcache: bcache(body, { name: 'every#b' }),
    fcache: fcache(body, { name: 'every#f' }),
    ucache: ucache(body, { name: 'every#u', folderName: 'every' }),
  }
  const values = {}
  for (const [kind, f] of Object.entries(caches)) values[kind] = [f(1), f(1)]
  const a = acache(async (n) => (calls++, n * 2))
  values.acache = [await a(1), await a(1)]
  const handle = openCache({ kind: 'bcache', name: 'every#open' })
  handle.set('k', 'v')
  values.openCache = [handle.get('k')]
  await new Promise((r) => setImmediate(r))
  const engines = Object.fromEntries(Object.entries(caches).map(([kind, f]) => [kind, f.cache.engine]))
  engines.acache = a.cache.engine
  engines.openCache = handle.engine
  handle.close()
  console.log(JSON.stringify({ calls, values, engines, backends: getAvailableBackends(), warnings }))
`

s('should run every cache without better-sqlite3, with the one fallback warning', async () => {
  const result = await runChild(EVERY_CACHE, { hide: ['better-sqlite3'], env: { TWAT_CACHE_DIR: path.join(root, 'every') } })
  assert.is(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  assert.equal(out.values, { mcache: [2, 2], bcache: [2, 2], fcache: [2, 2], ucache: [2, 2], acache: [2, 2], openCache: ['v'] })
  assert.is(out.calls, 5, 'each cache ran its body once')
  assert.equal(out.engines, {
    mcache: 'lru-cache',
    bcache: 'file',
    fcache: 'file',
    ucache: 'file',
    acache: 'memory-async',
    openCache: 'file',
  })
  assert.not.ok(out.backends.includes('better-sqlite3'))
  assert.ok(out.backends.includes('lru-cache') && out.backends.includes('file'))
  assert.equal(
    out.warnings.map((w: { code: string }) => w.code),
    ['TWAT_CACHE_FALLBACK'],
  )
})

s('should use SQLite when better-sqlite3 resolves (the same script, nothing hidden)', async () => {
  const result = await runChild(source, { env: { TWAT_CACHE_DIR: path.join(root, 'two') } })
  const out = JSON.parse(result.stdout)
  assert.equal(out.engines, ['better-sqlite3', 'better-sqlite3', 'better-sqlite3'])
  assert.equal(out.warnings, [])
})

s.run()
