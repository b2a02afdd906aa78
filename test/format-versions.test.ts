// Caches written by the previous format (fixtures/formats/v1: SQLite schema 1, disk envelope format 1) opened by
// this version: every old entry reads as a miss — computed again, the right value, no crash, no warning — and is
// then stored in the current format, which the next call hits.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import * as assert from 'uvu/assert'
import { bcache, fcache } from '../src/runtime/index.js'
import { REPO_ROOT } from './support/child.js'
import { suite } from './support/suite.js'
import { warningsDuring } from './support/warnings.js'

const test = suite('format versions')
const FIXTURES = path.join(REPO_ROOT, 'fixtures/formats/v1')
/** What the envelope header says: magic "TWCE", then the format byte. */
const MAGIC = Buffer.from('TWCE')
const CURRENT_FORMAT = 2
const CURRENT_SCHEMA = 2

let root: string
test.before.each(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'twat-formats-'))
  cpSync(FIXTURES, root, { recursive: true })
})
test.after.each(() => rmSync(root, { recursive: true, force: true }))

function formatOf(bytes: Uint8Array): number {
  assert.ok(Buffer.from(bytes.subarray(0, 4)).equals(MAGIC), 'a twat-cache envelope')
  return bytes[4]!
}

test('should read a schema-1 SQLite database as misses, recompute, and store in the current schema', async () => {
  const database = path.join(root, 'sqlite/cache.sqlite')
  const before = new Database(database, { readonly: true })
  assert.is(before.pragma('user_version', { simple: true }), 1, 'the fixture is schema 1')
  assert.is(formatOf(before.prepare('SELECT value FROM entries WHERE fn = ?').pluck().get('formats#square') as Uint8Array), 1)
  before.close()

  let calls = 0
  let square!: ((n: number) => { n: number; square: number }) & { cache: { engine: string; stats(): { hits: number; misses: number } } }
  const warnings = await warningsDuring(() => {
    square = bcache((n: number) => (calls++, { n, square: n * n }), {
      name: 'formats#square',
      version: 'v1',
      folderName: 'sqlite',
      cacheDir: root,
    })
    assert.equal(square(3), { n: 3, square: 9 })
  })
  assert.equal(warnings, [], 'no warning: an old format is not damage')
  assert.is(square.cache.engine, 'better-sqlite3')
  assert.is(calls, 1, 'the old entry was a miss: computed again')
  assert.equal(square(3), { n: 3, square: 9 })
  assert.is(calls, 1, 'and stored: the next call is a hit')

  const after = new Database(database, { readonly: true })
  assert.is(after.pragma('user_version', { simple: true }), CURRENT_SCHEMA)
  const row = after.prepare('SELECT version, value, tags FROM entries WHERE fn = ? AND key = ?').get('formats#square', 'n3;') as {
    version: string
    value: Uint8Array
    tags: string
  }
  assert.is(row.version, 'v1')
  assert.is(formatOf(row.value), CURRENT_FORMAT)
  assert.ok(after.prepare("SELECT 1 FROM sqlite_master WHERE name = 'tag_invalidations'").get(), 'the current tables')
  after.close()
})

test('should read a format-1 entry file as a miss, remove it quietly, recompute, and store the current format', async () => {
  const folder = path.join(root, 'files/formats_cube-15c98bda/v1')
  const [file] = readdirSync(folder)
  assert.ok(file?.endsWith('.bin'))
  assert.is(formatOf(readFileSync(path.join(folder, file!))), 1, 'the fixture is format 1')

  let calls = 0
  let cube!: ((n: number) => { n: number; cube: number }) & { cache: { engine: string } }
  const warnings = await warningsDuring(() => {
    cube = fcache((n: number) => (calls++, { n, cube: n ** 3 }), {
      name: 'formats#cube',
      version: 'v1',
      folderName: 'files',
      cacheDir: root,
    })
    assert.equal(cube(3), { n: 3, cube: 27 })
  })
  assert.equal(warnings, [])
  assert.is(cube.cache.engine, 'file')
  assert.is(calls, 1, 'the old entry was a miss')
  assert.equal(cube(3), { n: 3, cube: 27 })
  assert.is(calls, 1, 'the new entry is a hit')
  assert.equal(readdirSync(folder), [file], 'the same entry file, written again')
  assert.is(formatOf(readFileSync(path.join(folder, file!))), CURRENT_FORMAT)
})

test.run()
