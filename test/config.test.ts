import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { createCacheConfig, ValidationError, mcache } from '../src/runtime/index.js'

const config = suite('createCacheConfig')

function rejects(options: Record<string, unknown>, option: string, pattern: RegExp) {
  try {
    createCacheConfig(options as never)
  } catch (error) {
    assert.instance(error, ValidationError)
    const e = error as ValidationError
    assert.is(e.option, option)
    assert.match(e.message, pattern)
    assert.match(e.message, new RegExp(`\\b${option}\\b`))
    return
  }
  assert.unreachable(`expected ${JSON.stringify(options)} to be rejected`)
}

config('should accept maxsize null as unbounded', () => {
  assert.is(createCacheConfig({ maxsize: null }).maxsize, null)
})

config('should reject maxsize ≤ 0 or not a whole number, naming value and what is allowed', () => {
  rejects({ maxsize: -1 }, 'maxsize', /-1.*whole number ≥ 1/)
  rejects({ maxsize: 0 }, 'maxsize', /=0:/)
  rejects({ maxsize: 1.5 }, 'maxsize', /1\.5/)
  rejects({ maxsize: '10' }, 'maxsize', /"10"/)
})

config('should reject a negative ttl and a bad duration, and parse good ones', () => {
  rejects({ ttl: -1 }, 'ttl', /-1.*seconds ≥ 0/)
  rejects({ ttl: '10 minutes' }, 'ttl', /"10 minutes".*"10m"/)
  assert.is(createCacheConfig({ ttl: 2 }).ttlMs, 2000)
  assert.is(createCacheConfig({ ttl: '500ms' }).ttlMs, 500)
  assert.is(createCacheConfig({ ttl: '10m' }).ttlMs, 600_000)
  assert.is(createCacheConfig({ ttl: '1.5h' }).ttlMs, 5_400_000)
  assert.is(createCacheConfig({ ttl: '1d' }).ttlMs, 86_400_000)
  assert.is(createCacheConfig({ ttl: null }).ttlMs, 0)
})

config('should reject an unknown option with a suggestion', () => {
  rejects({ maxSize: 10 }, 'maxSize', /unknown option \(did you mean maxsize\?\)/)
  rejects({ tll: 10 }, 'tll', /did you mean ttl\?/)
  rejects({ frobnicate: true }, 'frobnicate', /unknown option; known options: maxsize/)
})

config('should reject an unknown policy', () => {
  rejects({ policy: 'lifo' }, 'policy', /"lifo".*lru, fifo, ttl, lfu, rr, mru/)
  rejects({ policy: 'ttl' }, 'policy', /needs a ttl/)
})

config('should reject folder names with separators or ..', () => {
  rejects({ folderName: '../etc' }, 'folderName', /"\.\.\/etc".*cacheDir/)
  rejects({ folderName: 'a/b' }, 'folderName', /separators|"\/"/)
  rejects({ folderName: 'a\\b' }, 'folderName', /folder name/)
  rejects({ folderName: '..' }, 'folderName', /folder name/)
  rejects({ folderName: '' }, 'folderName', /folder name/)
  assert.is(createCacheConfig({ folderName: 'reports-2024' }).folderName, 'reports-2024')
})

config('should accept the Python snake_case names as aliases', () => {
  const c = createCacheConfig({ folder_name: 'x', use_async: true, preferred_engine: 'map' } as never)
  assert.is(c.folderName, 'x')
  assert.is(c.useAsync, true)
  assert.is(c.preferredEngine, 'map')
})

config('should return a frozen config with defaults', () => {
  const c = createCacheConfig({})
  assert.ok(Object.isFrozen(c))
  assert.is(c.policy, 'lru')
  assert.is(c.secure, true)
  assert.is(c.strict, false)
  assert.is(c.compress, false)
  assert.is(createCacheConfig({ compress: true }).compress, 'brotli')
})

config('should validate when a cache is created, not when it is called', () => {
  assert.throws(
    () => mcache((x: number) => x, { maxsize: -1 }),
    (e: Error) => e instanceof ValidationError,
  )
  assert.throws(
    () => mcache({ policy: 'nope' as never }),
    (e: Error) => e instanceof ValidationError,
  )
})

config.run()
