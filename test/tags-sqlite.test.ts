// The SQLite tag book reads `PRAGMA data_version` once per task: an invalidation another connection commits (as
// another process would) is seen by the first tagged hit of the next task, and the hits of one synchronous run share
// one check.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/index.js'
import { ManualClock } from './support/manual-clock.js'
import { suite } from './support/suite.js'

const test = suite('tag invalidations in SQLite, once per task')
const root = mkdtempSync(path.join(os.tmpdir(), 'twat-tags-sqlite-'))
test.after(() => rmSync(root, { recursive: true, force: true }))

test("should see another connection's invalidation from the next task on, checking once per synchronous run", async () => {
  let calls = 0
  const clock = new ManualClock()
  const price = bcache((sku: string) => (calls++, `${sku}:${calls}`), {
    cacheDir: root,
    name: 'tags-sqlite#price',
    tags: ['prices'],
    clock,
  })
  assert.is(price('a'), 'a:1')
  await Promise.resolve()
  assert.is(price('a'), 'a:1', 'a tagged hit: it reads data_version')
  const other = new Database(path.join(root, 'default', 'cache.sqlite'))
  // Another connection, as another process: invalidateTag('prices') as it writes it, a second after the entry.
  other
    .prepare(
      'INSERT INTO tag_invalidations (tag, invalidated) VALUES (?, ?) ON CONFLICT (tag) DO UPDATE SET invalidated = excluded.invalidated',
    )
    .run('prices', clock.now() + 1000)
  other.close()
  clock.advance(2000)
  assert.is(price('a'), 'a:1', 'the same task: the check made by the first call still holds')
  await Promise.resolve() // a new task, as a message telling this process about the invalidation would be
  assert.is(price('a'), 'a:2', 'the first call of the next task recomputes')
  for (let i = 0; i < 100; i++) assert.is(price('a'), 'a:2')
  assert.is(calls, 2)
})

test.run()
