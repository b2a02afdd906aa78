import * as zlib from 'node:zlib'
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib'
import { serialize } from 'node:v8'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { SerializationError, ValidationError } from '../src/runtime/report/errors.js'
import {
  CorruptEntryError,
  EXPIRED,
  HEADER_BYTES,
  OUTDATED,
  createCodec,
  joinEntry,
  type Codec,
} from '../src/runtime/engines/disk/codec.js'
import { assertStorable } from '../src/runtime/engines/disk/storable.js'
import { lifeOf } from './support/entries.js'

const codec = (options: Parameters<typeof createCacheConfig>[0] = {}): Codec => createCodec(createCacheConfig(options))
const roundTrip = (c: Codec, value: unknown) => {
  const decoded = c.decode(joinEntry(c.encode(value, lifeOf({ promise: false }), 0)), Date.now())
  if (decoded === EXPIRED || decoded === OUTDATED) throw new Error('unexpectedly expired or outdated')
  return decoded.value
}

const envelope = suite('envelope')

envelope('should round-trip Map, Set, Date, BigInt, RegExp, typed arrays, errors and boxed values exactly', () => {
  const value = {
    map: new Map<unknown, unknown>([
      [1, 'one'],
      ['k', { nested: [1, 2] }],
    ]),
    set: new Set([1, 'a', 3n]),
    date: new Date(1_700_000_000_123),
    big: 2n ** 70n,
    regexp: /a+b/gi,
    f64: new Float64Array([1.5, -0, NaN, Infinity]),
    u8: new Uint8Array([1, 2, 255]),
    i64: new BigInt64Array([-5n]),
    buffer: Buffer.from('bytes'),
    error: new TypeError('bad', { cause: 'why' }),
    boxed: [new Number(1), new String('s'), new Boolean(false)],
    nothing: [undefined, null],
  }
  for (const c of [codec(), codec({ compress: true }), codec({ compress: 'brotli' })]) {
    const back = roundTrip(c, value) as typeof value
    assert.equal(back.map, value.map)
    assert.equal(back.set, value.set)
    assert.is(back.date.getTime(), value.date.getTime())
    assert.is(back.big, value.big)
    assert.is(back.regexp.source, 'a+b')
    assert.is(back.regexp.flags, 'gi')
    assert.ok(back.f64 instanceof Float64Array)
    assert.ok(Object.is(back.f64[1], -0) && Number.isNaN(back.f64[2]))
    assert.equal([...back.u8], [1, 2, 255])
    assert.ok(back.i64 instanceof BigInt64Array && back.i64[0] === -5n)
    assert.ok(Buffer.isBuffer(back.buffer) && back.buffer.toString() === 'bytes')
    assert.ok(back.error instanceof TypeError)
    assert.is(back.error.message, 'bad')
    assert.ok(back.boxed[0] instanceof Number && back.boxed[1] instanceof String)
    assert.equal(back.nothing, [undefined, null])
  }
})

envelope('should round-trip undefined and null as values', () => {
  assert.is(roundTrip(codec(), undefined), undefined)
  assert.is(roundTrip(codec(), null), null)
})

envelope('should keep the promise flag and the expiry', () => {
  const c = codec()
  const bytes = joinEntry(c.encode('v', lifeOf({ promise: true }), 5000))
  const early = c.decode(bytes, 4999)
  assert.ok(early !== EXPIRED && early !== OUTDATED)
  assert.is(early.promise, true)
  assert.is(early.expires, 5000)
  assert.is(c.decode(bytes, 5000), EXPIRED)
  const never = c.decode(joinEntry(c.encode('v', lifeOf({ promise: false }), 0)), Number.MAX_SAFE_INTEGER)
  assert.ok(never !== EXPIRED && never !== OUTDATED && never.promise === false)
})

envelope('should compress with brotli quality 2 by default (compress: true and "brotli"), not 11', () => {
  const value = { text: 'abcdefgh'.repeat(5000), n: Array.from({ length: 2000 }, (_, i) => i % 7) }
  const raw = serialize(value)
  const q2 = brotliCompressSync(raw, {
    params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 2, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  })
  for (const compress of [true, 'brotli'] as const) {
    const entry = codec({ compress }).encode(value, lifeOf({ promise: false }), 0)
    assert.ok(entry.payload.equals(q2), `compress: ${compress}`)
    assert.ok(entry.payload.length < raw.length / 10)
  }
})

envelope('should read an entry written with another compression setting', () => {
  const written = joinEntry(codec({ compress: 'gzip' }).encode({ a: [1, 2, 3] }, lifeOf({ promise: false }), 0))
  const read = codec().decode(written, Date.now())
  assert.ok(read !== EXPIRED && read !== OUTDATED)
  assert.equal(read.value, { a: [1, 2, 3] })
})

envelope('should reject zstd where node:zlib has none, naming the option and the Node version that has it', () => {
  const zlibHasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function'
  if (zlibHasZstd) {
    assert.equal(roundTrip(codec({ compress: 'zstd' }), [1, 2]), [1, 2])
    return
  }
  try {
    codec({ compress: 'zstd' })
    assert.unreachable('zstd accepted without zlib support')
  } catch (error) {
    assert.instance(error, ValidationError)
    assert.is((error as ValidationError).option, 'compress')
    assert.match((error as Error).message, /Node\.js 22\.15/)
  }
})

envelope('should reject a compression level out of range for its compression', () => {
  assert.throws(
    () => codec({ compress: 'brotli', compressLevel: 12 }),
    (e: unknown) => e instanceof ValidationError && e.option === 'compressLevel',
  )
  assert.throws(
    () => codec({ compress: 'gzip', compressLevel: 10 }),
    (e: unknown) => e instanceof ValidationError && e.option === 'compressLevel',
  )
  assert.equal(roundTrip(codec({ compress: 'gzip', compressLevel: 9 }), 'x'), 'x')
})

const damage = suite('envelope: damaged entries')

function corrupts(bytes: Uint8Array, c: Codec = codec()): boolean {
  try {
    c.decode(bytes, Date.now())
    return false
  } catch (error) {
    return error instanceof CorruptEntryError
  }
}

damage('should reject a truncated entry, at any length', () => {
  const bytes = joinEntry(codec().encode({ list: Array.from({ length: 100 }, (_, i) => i) }, lifeOf({ promise: false }), 0))
  for (const length of [0, 5, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 10, bytes.length - 1]) {
    assert.ok(corrupts(bytes.subarray(0, length)), `length ${length}`)
  }
})

damage('should reject garbage, a changed header byte, and a changed payload byte', () => {
  assert.ok(corrupts(Buffer.from('this is not a cache entry at all, not even close to one')))
  const bytes = joinEntry(codec().encode(new Float64Array(1000).fill(1.25), lifeOf({ promise: false }), 0))
  for (const offset of [4, 5, 9, 17, 25, HEADER_BYTES + 100, Math.floor(bytes.length / 2), bytes.length - 1]) {
    const changed = Buffer.from(bytes)
    changed[offset] = changed[offset]! ^ 0x5a
    assert.ok(corrupts(changed), `byte ${offset}`)
  }
})

damage('should reject a truncated or garbled large compressed entry (gzip checks everything it inflates)', () => {
  const c = codec({ compress: 'gzip' })
  const values = new Float64Array(131072)
  for (let i = 0; i < values.length; i++) values[i] = i % 1000
  const bytes = joinEntry(c.encode(values, lifeOf({ promise: false }), 0))
  assert.ok(corrupts(bytes.subarray(0, bytes.length - 100), c))
  const changed = Buffer.from(bytes)
  changed[Math.floor(bytes.length / 2)] = changed[Math.floor(bytes.length / 2)]! ^ 0xff
  assert.ok(corrupts(changed, c))
})

damage('should reject a large uncompressed entry cut short or extended', () => {
  const bytes = joinEntry(codec().encode(new Float64Array(131072).fill(3), lifeOf({ promise: false }), 0))
  assert.ok(corrupts(bytes.subarray(0, bytes.length - 8)))
  assert.ok(corrupts(Buffer.concat([bytes, Buffer.alloc(8)])))
})

const storable = suite('what can be stored')

storable('should accept plain data, with cycles and shared references', () => {
  const shared = { s: 1 }
  const cyclic: Record<string, unknown> = { shared, again: shared, list: [shared, new Map([[shared, shared]])] }
  cyclic.self = cyclic
  assertStorable(cyclic)
  assertStorable(Object.create(null))
  assertStorable([new Date(), /x/, new Set([1]), new DataView(new ArrayBuffer(2)), new Error('e')])
})

storable('should refuse functions, symbols and class instances, saying where they are', () => {
  class Point {
    constructor(public x: number) {}
  }
  class Tagged extends Map {}
  class MyError extends Error {}
  const cases: Array<[unknown, RegExp]> = [
    [() => 1, /a function/],
    [{ nested: { handler() {} } }, /function \(handler\) at result\.nested\.handler/],
    [[1, Symbol('s')], /symbol \(Symbol\(s\)\) at result\[1\]/],
    [new Point(1), /instance of Point/],
    [{ points: [new Point(2)] }, /instance of Point .*at result\.points\[0\]/],
    [new Map([['k', new Point(3)]]), /at result\.get\("k"\)/],
    [new Tagged(), /instance of Tagged/],
    [new MyError('x'), /instance of MyError/],
    [new Set([() => 0]), /at result\.values\(\)/],
    [new WeakMap(), /WeakMap/],
  ]
  for (const [value, message] of cases) {
    assert.throws(
      () => codec().encode(value, lifeOf({ promise: false }), 0),
      (e: unknown) => e instanceof SerializationError && message.test((e as Error).message),
      String(message),
    )
  }
})

envelope.run()
damage.run()
storable.run()
