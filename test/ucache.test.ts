import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Keyv from 'keyv'
import { ucache } from '../src/runtime/caches/ucache.js'
import type { CacheOptions } from '../src/runtime/options/config.js'
import { ValidationError } from '../src/runtime/report/errors.js'
import { counted } from './support/counted.js'

const test = suite('ucache')

let tmp: string
test.before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'twat-ucache-'))
})
test.after(() => {
  rmSync(tmp, { recursive: true, force: true })
})

test('should choose mcache for a plain function', () => {
  const square = counted((x: number) => x * x)
  const cached = ucache(square)
  assert.is(cached(3), 9)
  assert.is(cached(3), 9)
  assert.is(square.calls, 1)
  assert.is(cached.cache.kind, 'mcache')
  assert.is(cached.cache.engine, 'lru-cache')
})

test('should choose acache for an async function', async () => {
  let calls = 0
  const cached = ucache(async (x: number) => {
    calls++
    return x + 1
  })
  assert.is(cached.cache.kind, 'acache')
  assert.is(cached.cache.engine, 'memory-async')
  assert.is(await cached(1), 2)
  assert.is(await cached(1), 2)
  assert.is(calls, 1)
})

test('should follow useAsync both ways', async () => {
  const plain = ucache((x: number) => x, { useAsync: true })
  assert.is(plain.cache.kind, 'acache')
  assert.instance(plain(1), Promise, 'acache returns promises')
  const asyncButSync = ucache(async (x: number) => x, { useAsync: false })
  assert.is(asyncButSync.cache.kind, 'mcache')
  assert.is(await asyncButSync(2), 2)
})

test('should choose bcache when a folder is given, even for an async function', async () => {
  const report = counted(async (id: string) => `report ${id}`)
  const cached = ucache(report, { cacheDir: tmp, folderName: 'reports', name: 'ucache-report' })
  assert.is(cached.cache.kind, 'bcache')
  assert.is(cached.cache.engine, 'better-sqlite3')
  assert.is(await cached('a'), 'report a')
  assert.is(await cached('a'), 'report a')
  assert.is(report.calls, 1)
  const previous = process.env.TWAT_CACHE_DIR
  process.env.TWAT_CACHE_DIR = tmp
  try {
    assert.is(ucache((x: number) => x, { folderName: 'only-folder', name: 'ucache-folder' }).cache.kind, 'bcache')
  } finally {
    if (previous === undefined) delete process.env.TWAT_CACHE_DIR
    else process.env.TWAT_CACHE_DIR = previous
  }
})

test('should choose acache for a shared store, without connecting before the first call', () => {
  const viaUrl = ucache((x: number) => x, { url: 'redis://127.0.0.1:1' })
  assert.is(viaUrl.cache.kind, 'acache')
  assert.is(viaUrl.cache.engine, 'keyv:redis')
  const viaBackend = ucache((x: number) => x, { backend: 'memcache' })
  assert.is(viaBackend.cache.kind, 'acache')
  assert.is(viaBackend.cache.engine, 'keyv:memcache')
  const viaStore = ucache((x: number) => x, { store: new Keyv() })
  assert.is(viaStore.cache.kind, 'acache')
  assert.is(viaStore.cache.engine, 'keyv')
  assert.is(ucache((x: number) => x, { backend: 'memory' }).cache.engine, 'memory-async')
})

test('should honour preferredEngine over what the function is', () => {
  const asyncFn = async (x: number) => x
  const syncFn = (x: number) => x
  const expectations: Array<[CacheOptions, string, string]> = [
    [{ preferredEngine: 'map' }, 'mcache', 'map'],
    [{ preferredEngine: 'lru-cache' }, 'mcache', 'lru-cache'],
    [{ preferredEngine: 'memory-async' }, 'acache', 'memory-async'],
    [{ preferredEngine: 'keyv' }, 'acache', 'keyv'],
    [{ preferredEngine: 'better-sqlite3', cacheDir: tmp }, 'bcache', 'better-sqlite3'],
    [{ preferredEngine: 'file', cacheDir: tmp }, 'fcache', 'file'],
  ]
  for (const [options, kind, engine] of expectations) {
    for (const fn of [asyncFn, syncFn]) {
      const cached = ucache(fn, { ...options, name: `ucache-${options.preferredEngine}-${fn === asyncFn}` })
      assert.is(cached.cache.kind, kind, `${options.preferredEngine} (async: ${fn === asyncFn})`)
      assert.is(cached.cache.engine, engine, `${options.preferredEngine} (async: ${fn === asyncFn})`)
    }
  }
})

test('should refuse useAsync: false with a shared store', () => {
  assert.throws(
    () => ucache((x: number) => x, { useAsync: false, url: 'redis://127.0.0.1:1' }),
    (e: unknown) => e instanceof ValidationError && e.option === 'useAsync' && /url/.test(e.message),
  )
})

test('should choose per method when used as a decorator, with a cache per instance', async () => {
  let asyncCalls = 0
  let syncCalls = 0
  class Service {
    constructor(readonly base: number) {}
    @ucache()
    async load(x: number) {
      asyncCalls++
      return this.base + x
    }
    @ucache()
    compute(x: number) {
      syncCalls++
      return this.base * x
    }
  }
  const one = new Service(1)
  const ten = new Service(10)
  const load = one.load(1)
  assert.instance(load, Promise)
  assert.is(await load, 2)
  assert.is(await one.load(1), 2)
  assert.is(await ten.load(1), 11)
  assert.is(asyncCalls, 2)
  assert.is(one.compute(3), 3)
  assert.is(one.compute(3), 3)
  assert.is(ten.compute(3), 30)
  assert.is(syncCalls, 2)
})

test.run()
