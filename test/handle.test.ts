// The `.cache` handle keys its arguments as a call does, with the same `this`: bind(self) reaches entries whose
// key depends on `this`, and a method's per-instance memory cache.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache, bcache, cachedMethod, mcache } from '../src/runtime/index.js'

const test = suite('cache handle')
const dirs: string[] = []
const freshDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-handle-'))
  dirs.push(dir)
  return dir
}

test.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

test('should reach an entry whose key reads `this` through bind(self), on a persistent method cache', () => {
  let calls = 0
  class Reports {
    constructor(readonly tenant: string) {}
    build(id: string) {
      calls++
      return `${this.tenant}/${id}`
    }
  }
  const keyOf = function (this: Reports, id: string) {
    return [this.tenant, id]
  }
  const cacheDir = freshDir()
  Reports.prototype.build = cachedMethod(bcache, Reports.prototype.build, { name: 'reports', cacheDir, key: keyOf })
  const acme = new Reports('acme')
  const globex = new Reports('globex')
  assert.is(acme.build('q1'), 'acme/q1')
  assert.is(globex.build('q1'), 'globex/q1')
  assert.is(calls, 2)
  const handle = (
    Reports.prototype.build as unknown as { cache: { bind(self: unknown): { has(id: string): boolean; delete(id: string): boolean } } }
  ).cache
  assert.is(handle.bind(acme).has('q1'), true)
  assert.is(handle.bind(acme).delete('q1'), true)
  assert.is(handle.bind(acme).has('q1'), false)
  assert.is(handle.bind(globex).has('q1'), true, 'the other tenant keeps its entry')
  assert.is(acme.build('q1'), 'acme/q1')
  assert.is(calls, 3, 'the deleted entry was computed again')
  assert.is(globex.build('q1'), 'globex/q1')
  assert.is(calls, 3)
})

test('should give each instance its own handle for per-instance memory caches', () => {
  class Prices {
    constructor(readonly rate: number) {}
    @mcache({ maxsize: 10 })
    of(amount: number): number {
      return amount * this.rate
    }
  }
  const a = new Prices(2)
  const b = new Prices(3)
  assert.is(a.of(5), 10)
  const handle = (
    Prices.prototype.of as unknown as {
      cache: { bind(self: unknown): { has(n: number): boolean; stats(): { hits: number; size: number } } }
    }
  ).cache
  assert.is(handle.bind(a).has(5), true)
  assert.is(handle.bind(b).has(5), false)
  assert.is(b.of(5), 15)
  assert.is(a.of(5), 10)
  assert.is(handle.bind(a).stats().hits, 1)
  assert.is(handle.bind(b).stats().size, 1)
})

test('should call the key function with the bound `this` for a plain cached function', () => {
  let calls = 0
  const area = mcache(
    function (this: { unit: string }, side: number) {
      calls++
      return `${side * side} ${this.unit}`
    },
    {
      key(this: { unit: string }, side: number) {
        return `${this.unit}:${side}`
      },
    },
  )
  const metric = { unit: 'm2', area }
  const imperial = { unit: 'ft2', area }
  assert.is(metric.area(2), '4 m2')
  assert.is(imperial.area(2), '4 ft2')
  assert.is(calls, 2)
  assert.is(area.cache.bind(metric).has(2), true)
  assert.is(area.cache.bind(metric).delete(2), true)
  assert.is(area.cache.bind(imperial).has(2), true)
  assert.is(area.cache.bind(metric).has(2), false)
})

test('should bind async handles too (acache)', async () => {
  const user = acache(
    async function (this: { org: string }, id: number) {
      return `${this.org}:${id}`
    },
    {
      key(this: { org: string }, id: number) {
        return [this.org, id]
      },
    },
  )
  const a = { org: 'a', user }
  assert.is(await a.user(1), 'a:1')
  assert.is(await user.cache.bind(a).has(1), true)
  assert.is(await user.cache.bind({ org: 'b' }).has(1), false)
})

test.run()
