// Several processes on one cache folder: entries persist across processes, concurrent writers never corrupt the
// store, and a database replaced by garbage between runs is moved aside. Children run the built dist/ (npm run build).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { allOverlap, createBarrier } from './support/barrier.js'
import { REPO_ROOT, runChild } from './support/child.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-disk-multiprocess-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
const cacheUrl = (kind: 'bcache' | 'fcache') => new URL(`dist/runtime/caches/${kind}.js`, `file://${REPO_ROOT}/`).href

/** Run `body` in a child with `f` = kind(compute, options) and `calls`; it prints one JSON line. */
async function child(kind: 'bcache' | 'fcache', cacheDir: string, body: string, options = '{}') {
  const source = `
    import { ${kind} } from ${JSON.stringify(cacheUrl(kind))}
    const warnings = []
    process.on('warning', (w) => warnings.push(w.code))
    let calls = 0
    const compute = (key) => { calls++; return { key, square: key.length ** 2, when: new Date(86400000), tags: new Set([key]) } }
    const f = ${kind}(compute, { name: 'shared-compute', ...${options} })
    const out = await (async () => { ${body} })()
    await new Promise((r) => setImmediate(r))
    console.log(JSON.stringify({ calls, engine: f.cache.engine, errors: f.cache.stats().errors, warnings, ...out }))
  `
  const result = await runChild(source, { env: { TWAT_CACHE_DIR: cacheDir } })
  if (result.code !== 0) throw new Error(`child failed (${result.code}): ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    calls: number
    engine: string
    errors: number
    warnings: string[]
    [k: string]: unknown
  }
}

const readAll = (keys: string) => `
  let good = 0
  for (const key of ${keys}) {
    const v = f(key)
    if (v.key === key && v.square === key.length ** 2 && v.when.getTime() === 86400000 && v.tags.has(key)) good++
  }
  return { good }`

const s = suite('disk caches across processes')
s.after(() => rmSync(root, { recursive: true, force: true }))

for (const kind of ['bcache', 'fcache'] as const) {
  s(`${kind}: a second process should find the first one's entries (0 calls)`, async () => {
    const cacheDir = freshDir()
    const first = await child(kind, cacheDir, readAll("['a', 'bb', 'ccc']"))
    assert.is(first.calls, 3)
    assert.is(first.good, 3)
    const second = await child(kind, cacheDir, readAll("['a', 'bb', 'ccc']"))
    assert.is(second.calls, 0)
    assert.is(second.good, 3)
    assert.is(second.engine, kind === 'bcache' ? 'better-sqlite3' : 'file')
  })

  s(`${kind}: two processes writing 500 entries each at once should both read all of them back`, async () => {
    const cacheDir = freshDir()
    const barrier = createBarrier()
    const writer = (k: number) => `
      ${barrier.childWait(`w${k}`)}
      const start = performance.timeOrigin + performance.now()
      for (let i = 0; i < 500; i++) { f('w${k}-' + i); if (i % 5 === 0) f('shared-' + (i / 5)) }
      return { span: { start, end: performance.timeOrigin + performance.now() } }`
    let writers: Awaited<ReturnType<typeof child>>[] | undefined
    try {
      const running = Promise.all([child(kind, cacheDir, writer(0)), child(kind, cacheDir, writer(1))])
      await barrier.release(2)
      writers = await running
    } finally {
      barrier.remove()
    }
    assert.ok(
      allOverlap(writers.map((w) => w.span as { start: number; end: number })),
      `the writers ran at the same time: ${JSON.stringify(writers.map((w) => w.span))}`,
    )
    for (const w of writers) {
      assert.ok(w.calls >= 500 && w.calls <= 600, `writer calls ${w.calls}`)
      assert.is(w.errors, 0)
    }
    const keys = `[...Array(500).keys()].flatMap((i) => ['w0-' + i, 'w1-' + i]).concat([...Array(100).keys()].map((i) => 'shared-' + i))`
    const readers = await Promise.all([child(kind, cacheDir, readAll(keys)), child(kind, cacheDir, readAll(keys))])
    for (const r of readers) {
      assert.is(r.calls, 0)
      assert.is(r.good, 1100)
      assert.is(r.errors, 0)
    }
    if (kind === 'bcache') {
      const db = new Database(path.join(cacheDir, 'default', 'cache.sqlite'), { readonly: true })
      assert.equal(db.pragma('integrity_check'), [{ integrity_check: 'ok' }])
      assert.is((db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n, 1100)
      assert.equal(db.prepare('SELECT count, bytes = (SELECT sum(size) FROM entries) AS exact FROM totals').get(), {
        count: 1100,
        exact: 1,
      })
      db.close()
    }
  })
}

s('bcache: a database replaced by garbage between runs should be moved aside, the calls recomputed and counted', async () => {
  const cacheDir = freshDir()
  const keys = "['a', 'bb']"
  assert.is((await child('bcache', cacheDir, readAll(keys))).calls, 2)
  const folder = path.join(cacheDir, 'default')
  writeFileSync(path.join(folder, 'cache.sqlite'), Buffer.alloc(8192, 0xab))
  for (const suffix of ['-wal', '-shm']) rmSync(path.join(folder, `cache.sqlite${suffix}`), { force: true })
  const after = await child('bcache', cacheDir, readAll(keys))
  assert.is(after.calls, 2)
  assert.is(after.good, 2)
  assert.is(after.errors, 1)
  assert.equal(after.warnings, ['TWAT_CACHE_CORRUPT'])
  assert.is(readdirSync(folder).filter((n) => n.startsWith('cache.sqlite.corrupt-')).length, 1)
  assert.is((await child('bcache', cacheDir, readAll(keys))).calls, 0)
})

s.run()
