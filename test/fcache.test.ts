import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import * as zlib from 'node:zlib'
import { fcache } from '../src/runtime/caches/fcache.js'
import { CacheFaultError, ValidationError } from '../src/runtime/report/errors.js'
import { ManualClock } from './support/manual-clock.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-fcache-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
const entries = (folder: string) => readdirSync(folder).filter((name) => name.endsWith('.bin'))

const s = suite('fcache')
s.after(() => rmSync(root, { recursive: true, force: true }))

s('should store a 1 MiB Float64Array whole and give it back bit for bit', () => {
  let calls = 0
  const make = (seed: number) => {
    const values = new Float64Array(131072)
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * seed) * 1e6 + i / 7
    return values
  }
  const f = fcache((seed: number) => (calls++, make(seed)), { cacheDir: freshDir() })
  f(3)
  const back = f(3)
  assert.is(calls, 1)
  assert.instance(back, Float64Array)
  assert.is(back.length, 131072)
  assert.ok(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(make(3).buffer)))
  const [file] = entries(f.cache.path!)
  assert.ok(statSync(path.join(f.cache.path!, file!)).size > 1024 * 1024)
})

s('should lay entries out as <cacheDir>/<folderName>/<id>-<hash>/<version>/<key hash>.bin, with no temp files left', () => {
  const cacheDir = freshDir()
  const f = fcache((n: number) => n, { cacheDir, folderName: 'spectra', name: 'src/a.ts#Lab.measure', version: 'v7' })
  for (let i = 0; i < 5; i++) f(i)
  assert.is(f.cache.store, f.cache.path)
  const relative = path.relative(cacheDir, f.cache.path!).split(path.sep)
  assert.is(relative.length, 3)
  assert.is(relative[0], 'spectra')
  assert.match(relative[1]!, /^src_a\.ts_Lab\.measure-[0-9a-f]{8}$/)
  assert.is(relative[2], 'v7')
  const names = readdirSync(f.cache.path!)
  assert.is(names.length, 5)
  for (const name of names) assert.match(name, /^[0-9a-f]{40}\.bin$/)
})

s('should compress with gzip or brotli, and read the values back', () => {
  const value = { rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, label: 'repeated label text' })) }
  const sizes: Record<string, number> = {}
  for (const compress of [false, true, 'brotli'] as const) {
    let calls = 0
    const f = fcache(() => (calls++, value), { cacheDir: freshDir(), compress })
    f()
    assert.equal(f(), value)
    assert.is(calls, 1)
    sizes[String(compress)] = statSync(path.join(f.cache.path!, entries(f.cache.path!)[0]!)).size
  }
  assert.ok(sizes.true! < sizes.false! / 4, JSON.stringify(sizes))
  assert.ok(sizes.brotli! < sizes.false! / 4, JSON.stringify(sizes))
})

s('should reject compress "zstd" at creation where node:zlib has no zstd', () => {
  if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function') {
    assert.is(fcache((n: number) => n, { cacheDir: freshDir(), compress: 'zstd' })(1), 1)
    return
  }
  assert.throws(
    () => fcache((n: number) => n, { cacheDir: freshDir(), compress: 'zstd' }),
    (e: unknown) => e instanceof ValidationError && e.option === 'compress' && /Node\.js 22\.15/.test(e.message),
  )
})

s('should treat a truncated, garbled or overwritten entry as a miss: recompute, count, replace', () => {
  let calls = 0
  const f = fcache((n: number) => (calls++, { n, data: new Float64Array(2000).fill(n) }), { cacheDir: freshDir(), name: 'damaged' })
  f(1)
  const file = path.join(f.cache.path!, entries(f.cache.path!)[0]!)
  const damage: Array<() => void> = [
    () => truncateSync(file, statSync(file).size - 100),
    () => {
      const bytes = readFileSync(file)
      bytes.write('XXXXXXXX', Math.floor(bytes.length / 2))
      writeFileSync(file, bytes)
    },
    () => writeFileSync(file, 'garbage'),
    () => truncateSync(file, 0),
  ]
  for (const [i, harm] of damage.entries()) {
    harm()
    const back = f(1)
    assert.is(back.data[1999], 1)
    assert.is(calls, i + 2, `damage ${i} recomputed`)
    assert.is(f.cache.stats().errors, i + 1)
    f(1)
    assert.is(calls, i + 2, `damage ${i} replaced by a good entry`)
  }
})

s('should treat a truncated large entry as a miss', () => {
  let calls = 0
  const f = fcache(() => (calls++, new Float64Array(131072).fill(2)), { cacheDir: freshDir() })
  f()
  const file = path.join(f.cache.path!, entries(f.cache.path!)[0]!)
  truncateSync(file, 512 * 1024)
  assert.is(f()[131071], 2)
  assert.is(calls, 2)
  assert.is(f.cache.stats().errors, 1)
})

s('should remove the whole function folder on clear()', () => {
  const f = fcache((n: number) => n, { cacheDir: freshDir(), name: 'cleared' })
  f(1)
  f(2)
  const functionFolder = path.dirname(f.cache.path!)
  f.cache.clear()
  assert.is(existsSync(functionFolder), false)
  f(3)
  assert.equal(entries(f.cache.path!).length, 1)
})

s('should remove folders of other versions when it opens', () => {
  const cacheDir = freshDir()
  const v1 = fcache((n: number) => n, { cacheDir, name: 'versioned', version: 'one' })
  v1(1)
  const functionFolder = path.dirname(v1.cache.path!)
  fcache((n: number) => n, { cacheDir, name: 'versioned', version: 'two' })(1)
  assert.equal(readdirSync(functionFolder), ['two'])
})

s('should remove an expired entry when it is read', () => {
  const clock = new ManualClock()
  const f = fcache((n: number) => n, { cacheDir: freshDir(), ttl: '1m', clock })
  f(1)
  clock.advance(2 * 60_000)
  assert.is(f.cache.has(1), false)
  assert.equal(entries(f.cache.path!), [])
})

s('should run in memory, with a fault warning, when the folder cannot be created; strict throws', () => {
  const blocker = path.join(freshDir(), 'a-file')
  mkdirSync(path.dirname(blocker), { recursive: true })
  writeFileSync(blocker, '')
  let calls = 0
  const f = fcache((n: number) => (calls++, n), { cacheDir: path.join(blocker, 'sub'), name: 'blocked-fcache' })
  assert.is(f.cache.engine, 'lru-cache')
  f(1)
  f(1)
  assert.is(calls, 1)
  assert.throws(
    () => fcache((n: number) => n, { cacheDir: path.join(blocker, 'sub'), strict: true }),
    (e: unknown) => e instanceof CacheFaultError && /ENOTDIR/.test((e as Error).message),
  )
})

s.run()
