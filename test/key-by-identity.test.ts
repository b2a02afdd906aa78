// keyBy: 'identity' (tag key_by=identity): memory caches key objects, functions and symbols by reference, through
// a WeakMap, so no entry keeps an argument alive; primitives key as by value. Persistent and shared caches reject
// it. The default, keyBy: 'value', keys equal content alike: right for functions of data, wrong for functions
// that look at identity.
import v8 from 'node:v8'
import vm from 'node:vm'
import Keyv from 'keyv'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache, bcache, createCacheConfig, fcache, mcache, openCache, ucache, ValidationError } from '../src/runtime/index.js'
import { transform } from '../src/transform/index.js'
import { counted } from './support/counted.js'

const test = suite("keyBy: 'identity'")

const isSameList = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((item, i) => item === b[i])

test('by value (the default), a function of identity gets an earlier call’s answer for equal-valued objects', () => {
  const cached = mcache(isSameList)
  const shared = { id: 1 }
  assert.is(cached([shared], [shared]), true)
  assert.is(cached([{ id: 1 }], [{ id: 1 }]), true, 'wrong, and this is why keyBy identity exists')
})

test('should key objects by reference: equal-valued objects are different entries, the same object hits', () => {
  const fn = counted(isSameList)
  const cached = mcache(fn, { keyBy: 'identity' })
  const a = [{ id: 1 }]
  const b = [{ id: 1 }]
  assert.is(cached(a, a), true)
  assert.is(cached(a, b), false)
  assert.is(cached(a, a), true)
  assert.is(fn.calls, 2)
  assert.is(cached.cache.stats().hits, 1)
  assert.is(cached.cache.has(a, b), true)
  assert.is(cached.cache.has(a, [{ id: 1 }]), false)
  assert.is(cached.cache.delete(a, b), true)
  assert.is(cached.cache.has(a, b), false)
})

test('should make callbacks keyable: map(list, fn) hits for the same list and function', () => {
  const fn = counted((list: number[], map: (n: number) => number) => list.map(map))
  const cached = mcache(fn, { keyBy: 'identity' })
  const list = [1, 2]
  const double = (n: number) => n * 2
  assert.equal(cached(list, double), [2, 4])
  assert.equal(cached(list, double), [2, 4])
  assert.equal(
    cached(list, (n) => n * 3),
    [3, 6],
  )
  assert.is(fn.calls, 2)
  const stats = cached.cache.stats()
  assert.is(stats.bypassed, 0)
  assert.is(stats.hits, 1)
})

test('should key primitives as by value, alone or next to references', () => {
  const fn = counted((...args: unknown[]) => args.length)
  const cached = mcache(fn, { keyBy: 'identity' })
  const object = {}
  cached(1)
  cached(1)
  cached('a', 2, true)
  cached('a', 2, true)
  cached(object, 'x')
  cached(object, 'x')
  assert.is(fn.calls, 3)
  cached(1, 'x')
  cached('1')
  cached(object, 'y')
  assert.is(fn.calls, 6, '1 and "1", and the other primitives, stay apart')
})

test('should key unique symbols by reference and registered symbols by their registry key', () => {
  const fn = counted((s: symbol) => s.toString())
  const cached = mcache(fn, { keyBy: 'identity' })
  const s = Symbol('s')
  cached(s)
  cached(s)
  cached(Symbol('s'))
  cached(Symbol.for('shared'))
  cached(Symbol.for('shared'))
  assert.is(fn.calls, 3)
})

test('should key what the key option returns by reference', () => {
  const fn = counted((request: { user: object; page: number }) => request.page)
  const cached = mcache(fn, { keyBy: 'identity', key: (request: { user: object }) => request.user })
  const user = { name: 'ann' }
  cached({ user, page: 1 })
  cached({ user, page: 2 })
  cached({ user: { name: 'ann' }, page: 1 })
  assert.is(fn.calls, 2)
})

test('should keep no argument alive: a collected argument leaves nothing but an entry never hit again', async () => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  const cached = mcache((object: object) => Object.keys(object).length, { keyBy: 'identity' })
  let argument: object | undefined = { big: new Uint8Array(1024) }
  const ref = new WeakRef(argument)
  cached(argument)
  assert.is(cached.cache.has(argument), true)
  argument = undefined
  // A WeakRef's target lives until the end of the job that made it: collect in later turns, a bounded number of times.
  for (let attempt = 0; attempt < 20 && ref.deref() !== undefined; attempt++) {
    await new Promise((resolve) => setImmediate(resolve))
    gc()
  }
  assert.is(ref.deref(), undefined, 'the argument was collected although its entry is still in the cache')
  assert.is(cached.cache.stats().size, 1)
})

test('should work in acache’s local store', async () => {
  const fn = counted(async (object: object) => Object.keys(object).length)
  const cached = acache(fn, { keyBy: 'identity' })
  const object = { a: 1 }
  await cached(object)
  await cached(object)
  await cached({ a: 1 })
  assert.is(fn.calls, 2)
})

test('should reject identity keys where entries outlive the process or are shared, saying what to use', () => {
  const rejected = (create: () => unknown, where: RegExp) =>
    assert.throws(
      create,
      (e: Error) => e instanceof ValidationError && e.option === 'keyBy' && where.test(e.message) && /`key` option/.test(e.message),
    )
  rejected(() => bcache((n: object) => n, { keyBy: 'identity' }), /bcache keeps entries on disk/)
  rejected(() => fcache((n: object) => n, { keyBy: 'identity' }), /fcache keeps entries on disk/)
  rejected(() => acache(async (n: object) => n, { keyBy: 'identity', store: new Keyv() }), /shared store/)
  rejected(() => acache(async (n: object) => n, { keyBy: 'identity', url: 'redis://127.0.0.1:1' }), /shared store/)
  rejected(() => ucache((n: object) => n, { keyBy: 'identity', folderName: 'x' }), /bcache keeps entries on disk/)
  rejected(() => openCache({ kind: 'bcache', keyBy: 'identity' }), /openCache kind bcache/)
  // Memory caches take it, ucache too when it picks one.
  assert.is(ucache((n: object) => n, { keyBy: 'identity' }).cache.kind, 'mcache')
})

test('should accept keyBy and its Python alias key_by, and name the allowed values', () => {
  assert.is(createCacheConfig({}).keyBy, 'value')
  assert.is(createCacheConfig({ keyBy: 'identity' }).keyBy, 'identity')
  assert.is(createCacheConfig({ key_by: 'identity' } as never).keyBy, 'identity')
  assert.throws(
    () => createCacheConfig({ keyBy: 'reference' as never }),
    (e: Error) => e instanceof ValidationError && /keyBy="reference": expected "value" or "identity"/.test(e.message),
  )
})

test('should carry a key_by=identity tag into the options the build step emits', () => {
  const source = `/** @cache mcache key_by=identity clone=true */\nexport function same(a: object, b: object) {\n  return a === b\n}\n`
  const result = transform(source, '/project/src/a.ts', { root: '/project' })
  assert.ok(result, 'transformed')
  assert.match(result!.code, /keyBy: "identity"/)
  assert.match(result!.code, /clone: true/)
  const bad = () =>
    transform(`/** @cache bcache key_by=everything */\nexport function f(a: object) {\n  return a\n}\n`, '/project/src/b.ts', {
      root: '/project',
    })
  assert.throws(bad, /keyBy="everything": expected "value" or "identity"/)
})

test.run()
