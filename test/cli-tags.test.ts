/**
 * `twat-cache clear --tag` on real caches: child scripts fill SQLite and file folders (and a real Redis) with the
 * built runtime, entries tagged by the `tags` option and by `cacheTag()`, then the command runs in children.
 * Checked: only the entries carrying the tag go, the counts are right, the invalidation is recorded so that entries
 * computed before it (in a running process) are discarded on their next read, names narrow it, and the usage rules.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import * as assert from 'uvu/assert'
import { RUNTIME_URL, runChild } from './support/child.js'
import { assertBuilt, jsonOf, runCli } from './support/cli.js'
import { startRedis, type TestServer } from './support/servers.js'
import { suite } from './support/suite.js'

const test = suite('twat-cache clear --tag', { timeoutMs: 90_000 })

let dir: string
const env = () => ({ TWAT_CACHE_DIR: dir })
const cli = (args: string[]) => runCli(args, { env: env() })

/** Run `code` in a child with the built runtime (imports: bcache, fcache, acache, cacheTag); returns its JSON output. */
async function child(code: string): Promise<any> {
  const result = await runChild(`import { bcache, fcache, acache, cacheTag } from ${JSON.stringify(RUNTIME_URL)}\n${code}`, { env: env() })
  assert.is(result.code, 0, result.stderr)
  return result.stdout.trim() ? JSON.parse(result.stdout) : undefined
}

/** Tagged and untagged functions in a SQLite folder ('shop') and a file folder ('default'). */
const FILL = `
  const price = bcache((n) => ({ n }), { name: 'src/prices.ts#price', version: 'p1', folderName: 'shop', tags: ['prices'] })
  const stock = bcache((n) => { if (n % 2) cacheTag('prices'); return n }, { name: 'src/stock.ts#stock', version: 's1', folderName: 'shop' })
  const users = bcache((n) => 'user ' + n, { name: 'src/users.ts#user', version: 'u1', folderName: 'shop', tags: ['users'] })
  const chart = fcache((n) => 'x'.repeat(50 * n), { name: 'src/chart.ts#chart', version: 'c1', tags: ['prices', 'charts'] })
  const plain = fcache((n) => n, { name: 'src/plain.ts#plain', version: 'q1' })
  for (let i = 0; i < 3; i++) { price(i); stock(i); users(i); chart(i); plain(i) }
`

const entriesOf = (stats: any) =>
  Object.fromEntries(stats.folders.flatMap((f: any) => f.functions).map((f: any) => [f.id.replace(/-[0-9a-f]{8}$/, ''), f.entries]))

test.before(() => assertBuilt())
test.before.each(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-cli-tags-'))
})
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('should remove only the entries carrying the tag, in SQLite and file folders, and record the invalidation', async () => {
  await child(FILL)
  const before = entriesOf(jsonOf(await cli(['stats', '--json'])))
  assert.equal(before, {
    'src/prices.ts#price': 3,
    'src/stock.ts#stock': 3,
    'src/users.ts#user': 3,
    'src_chart.ts_chart': 3,
    'src_plain.ts_plain': 3,
  })

  const refused = await cli(['clear', '--tag', 'prices'])
  assert.is(refused.code, 2)
  assert.match(refused.stderr, /would delete 7 entries carrying prices .* pass --yes/)

  const result = await cli(['clear', '--tag', 'prices', '--yes', '--json'])
  assert.is(result.code, 0, result.stderr)
  const cleared = jsonOf(result)
  assert.equal(cleared.tags, ['prices'])
  assert.is(cleared.removed.functions, 3)
  assert.is(cleared.removed.entries, 3 + 1 + 3, 'price: 3, stock: the one odd entry that called cacheTag, chart: 3')
  assert.equal(
    cleared.invalidated.sort(),
    [path.join(dir, 'default'), path.join(dir, 'shop'), path.join(dir, 'shop', 'cache.sqlite')].sort(),
    'every database and folder',
  )
  const after = entriesOf(jsonOf(await cli(['stats', '--json'])))
  assert.equal(after, { 'src/stock.ts#stock': 2, 'src/users.ts#user': 3, 'src_chart.ts_chart': 0, 'src_plain.ts_plain': 3 })

  const db = new Database(path.join(dir, 'shop', 'cache.sqlite'), { readonly: true })
  const row = db.prepare('SELECT invalidated FROM tag_invalidations WHERE tag = ?').get('prices') as { invalidated: number }
  db.close()
  assert.ok(row.invalidated > Date.now() - 60_000 && row.invalidated <= Date.now())
  assert.match(await readFile(path.join(dir, 'default', 'tags.log'), 'utf8'), /^i \d+ prices\n$/)

  const text = await cli(['clear', '--tag', 'users', '--yes'])
  assert.match(text.stdout, /Removed 3 entries carrying users \(\d+ B\) of 1 function\. Recorded the invalidation of users in 3 stores\./)
})

test('should make an entry computed before the recorded invalidation a miss for the process that reads it', async () => {
  // A cache whose clock runs a minute behind stamps its computations before the command's invalidation, as a
  // process still computing when the command ran would.
  const behind = `{ now: () => Date.now() - 60_000 }`
  await child(`const f = bcache((n) => n, { name: 'src/late.ts#late', version: 'l1', folderName: 'shop' }); f(0)`)
  assert.is((await cli(['clear', '--tag', 'late', '--yes'])).code, 0)
  const out = await child(`
    let calls = 0
    const late = bcache((n) => (calls++, n), { name: 'src/late.ts#late', version: 'l1', folderName: 'shop', tags: ['late'], clock: ${behind} })
    const lateFile = fcache((n) => (calls++, n), { name: 'src/late.ts#lateFile', version: 'l1', folderName: 'shop', tags: ['late'], clock: ${behind} })
    late(1); late(1); lateFile(1); lateFile(1)
    const other = bcache((n) => (calls++, n), { name: 'src/late.ts#other', version: 'l1', folderName: 'shop', tags: ['early'], clock: ${behind} })
    other(1); other(1)
    console.log(JSON.stringify({ calls, invalidations: late.cache.stats().invalidations + lateFile.cache.stats().invalidations }))`)
  assert.equal(out, { calls: 5, invalidations: 2 }, 'late and lateFile were invalidated on every read; other (another tag) hit')
})

test('should remove only the named functions’ tagged entries with names, and record no invalidation', async () => {
  await child(FILL)
  const result = await cli(['clear', 'src/chart.ts#chart', '--tag', 'prices', '--yes', '--json'])
  assert.is(result.code, 0, result.stderr)
  assert.is(jsonOf(result).removed.entries, 3)
  assert.equal(jsonOf(result).invalidated, [])
  assert.equal(entriesOf(jsonOf(await cli(['stats', '--json']))), {
    'src/prices.ts#price': 3,
    'src/stock.ts#stock': 3,
    'src/users.ts#user': 3,
    'src_chart.ts_chart': 0,
    'src_plain.ts_plain': 3,
  })
  const db = new Database(path.join(dir, 'shop', 'cache.sqlite'), { readonly: true })
  assert.is((db.prepare('SELECT count(*) AS n FROM tag_invalidations').get() as { n: number }).n, 0)
  db.close()
  const none = await cli(['clear', 'src/users.ts#user', '--tag', 'prices', '--yes'])
  assert.is(none.code, 1)
  assert.match(none.stdout, /No stored entry of src\/users\.ts#user carries tag prices/)
})

test('should record the invalidation even when nothing stored carries the tag, and refuse --tag with --all', async () => {
  await child(FILL)
  const result = await cli(['clear', '--tag', 'nothing', '--json'])
  assert.is(result.code, 0, result.stderr)
  assert.match(jsonOf(result).message, /^No stored entry carries tag nothing under .*; its invalidation was recorded in 3 stores\.$/)
  assert.match(await readFile(path.join(dir, 'default', 'tags.log'), 'utf8'), /^i \d+ nothing\n$/)
  const both = await cli(['clear', '--all', '--tag', 'prices', '--yes'])
  assert.is(both.code, 2)
  assert.match(both.stderr, /--tag chooses the entries carrying the tag in every function; leave out --all/)
})

let redis: TestServer | undefined
test('should remove the tagged entries in Redis with --url, record the invalidation there, and list no tag keys as functions', async () => {
  redis = await startRedis()
  const url = JSON.stringify(redis.url)
  try {
    await child(`
      const users = acache(async (id) => ({ id }), { url: ${url}, name: 'src/users.ts#byId', version: 'u1', tags: ['users'] })
      const orders = acache(async (id) => { if (id > 1) cacheTag('users'); return id }, { url: ${url}, name: 'src/orders.ts#byId', version: 'o1' })
      const other = acache(async (id) => id, { url: ${url}, name: 'src/other.ts#echo', version: 'e1', tags: ['other'] })
      for (let i = 0; i < 3; i++) { await users(i); await orders(i); await other(i) }
      process.exit(0)`)
    const args = ['--url', redis.url, '--dir', path.join(dir, 'none')]
    const result = await runCli(['clear', '--tag', 'users', ...args, '--yes', '--json'])
    assert.is(result.code, 0, result.stderr)
    assert.is(jsonOf(result).removed.entries, 3 + 1)
    const left = jsonOf(await runCli(['stats', ...args, '--json']))
    assert.equal(
      left.redis.functions.map((f: any) => [f.id, f.entries]),
      [
        ['src/orders.ts#byId', 2],
        ['src/other.ts#echo', 3],
      ],
      'no __tags__ row',
    )
    // A process whose cache stamps before the command (its clock a minute behind) finds its entry invalidated.
    const out = await child(`
      let calls = 0
      const users = acache(async (id) => (calls++, id), { url: ${url}, name: 'src/users.ts#byId', version: 'u1', tags: ['users'], clock: { now: () => Date.now() - 60_000 } })
      await users(1); await users(1)
      console.log(JSON.stringify({ calls }))
      process.exit(0)`)
    assert.equal(out, { calls: 2 })
  } finally {
    await redis.stop()
  }
})

test.run()
