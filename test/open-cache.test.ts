import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openCache, ValidationError } from '../src/runtime/index.js'

const test = suite('openCache')
let dir = ''
test.before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'twat-open-'))
})
test.after(() => rmSync(dir, { recursive: true, force: true }))

test('should get, set, delete, has and clear by key in memory', () => {
  const cache = openCache<number>({ maxsize: 10 })
  assert.is(cache.engine, 'lru-cache')
  assert.is(cache.get('a'), undefined)
  cache.set('a', 1)
  cache.set({ b: 2, a: 1 }, 2)
  assert.is(cache.get('a'), 1)
  assert.is(cache.get({ a: 1, b: 2 }), 2, 'object keys by value')
  assert.is(cache.has('a'), true)
  assert.is(cache.delete('a'), true)
  assert.is(cache.has('a'), false)
  cache.clear()
  assert.is(cache.stats().size, 0)
})

test('should persist through bcache and close with `using`', () => {
  {
    using cache = openCache<{ total: number }>({ kind: 'bcache', name: 'reports', cacheDir: dir })
    assert.is(cache.engine, 'better-sqlite3')
    cache.set(2024, { total: 5 })
    cache.set(undefined, { total: 0 })
  }
  const again = openCache<{ total: number }>({ kind: 'bcache', name: 'reports', cacheDir: dir })
  assert.equal(again.get(2024), { total: 5 })
  assert.equal(again.get(undefined), { total: 0 })
  assert.is(again.get('2024'), undefined, '2024 and "2024" are different keys')
  assert.is(again.stats().hits, 2)
  assert.is(again.stats().misses, 1)
  again.close()
})

test('should store files with fcache', () => {
  const cache = openCache<Float64Array>({ kind: 'fcache', name: 'arrays', cacheDir: dir })
  assert.is(cache.engine, 'file')
  cache.set('x', new Float64Array([1.5, 2.5]))
  const back = cache.get('x')
  assert.instance(back, Float64Array)
  assert.equal(Array.from(back!), [1.5, 2.5])
  cache.close()
})

test('should reject an unknown kind', () => {
  assert.throws(
    () => openCache({ kind: 'xcache' as never }),
    (e: Error) => e instanceof ValidationError && /kind/.test(e.message),
  )
})

test.run()
