// Built-in objects key by their real value (a URL by its href, an Error by class, name, message and cause…), and
// objects whose state the key cannot see (#private fields, Blobs, Promises, internal slots of unknown built-ins)
// cannot be keyed: their calls bypass the cache instead of sharing one entry. In memory, bcache and shared acache.
import { createSecretKey } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import vm from 'node:vm'
import Keyv from 'keyv'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { acache, bcache, mcache } from '../src/runtime/index.js'
import { memoryKey } from '../src/runtime/keys/encode.js'
import { isBypass, memoryKeyStage, textKeyStage } from '../src/runtime/keys/call-key.js'
import { picker, random } from './support/random.js'
import { counted } from './support/counted.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-keys-builtins-'))
let serial = 0
const cacheDir = () => path.join(root, `dir-${++serial}`)

const test = suite('keys of built-in objects')
test.after(() => rmSync(root, { recursive: true, force: true }))

const memory = memoryKeyStage({}, () => 0)
const text = textKeyStage({})
/** The memory key and the disk key of one argument (each may be an Unkeyable). */
const keysOf = (value: unknown) => [memory.keyOf(undefined, [value]), text.keyOf(undefined, [value])] as const
const sameKey = (a: unknown, b: unknown) => {
  const [ma, ta] = keysOf(a)
  const [mb, tb] = keysOf(b)
  assert.ok(!isBypass(ma) && !isBypass(mb), 'both keyable')
  return ma === mb && ta === tb
}
const unkeyable = (value: unknown, what: RegExp) => {
  for (const key of keysOf(value)) {
    assert.ok(isBypass(key), `no key for ${String(what)}`)
    assert.match(`${key.what}: ${key.why}`, what)
  }
}

test('should key a URL by its href: one per host, path and query, equal URLs alike', () => {
  assert.not.ok(sameKey(new URL('https://a.example/x'), new URL('https://b.example/x')))
  assert.not.ok(sameKey(new URL('https://a.example/x?q=1'), new URL('https://a.example/x?q=2')))
  assert.ok(sameKey(new URL('https://A.example:443/y/../x'), new URL('https://a.example/x')))
  assert.not.ok(sameKey(new URL('https://a.example/'), 'https://a.example/'))
})

test('should answer each URL right from mcache, bcache and a shared acache', async () => {
  const hostOf = counted((url: URL) => url.host)
  const inMemory = mcache(hostOf)
  const onDisk = bcache(hostOf, { cacheDir: cacheDir(), name: 'host-of' })
  const shared = acache(async (url: URL) => hostOf(url), { store: new Keyv(), name: 'host-of-shared' })
  for (const cached of [inMemory, onDisk]) {
    assert.is(cached(new URL('http://a.example/')), 'a.example')
    assert.is(cached(new URL('http://b.example/')), 'b.example')
    assert.is(cached(new URL('http://a.example/')), 'a.example')
  }
  assert.is(await shared(new URL('http://a.example/')), 'a.example')
  assert.is(await shared(new URL('http://b.example/')), 'b.example')
  assert.is(await shared(new URL('http://a.example/')), 'a.example')
  assert.is(hostOf.calls, 6, 'two misses and one hit in each cache')
  assert.is(inMemory.cache.stats().hits, 1)
  assert.is(onDisk.cache.stats().hits, 1)
  assert.is(shared.cache.stats().hits, 1)
})

test('should key URLSearchParams by their string, boxed primitives by type and value', () => {
  assert.not.ok(sameKey(new URLSearchParams('a=1'), new URLSearchParams('a=2')))
  assert.ok(
    sameKey(
      new URLSearchParams('a=1&b=x y'),
      new URLSearchParams([
        ['a', '1'],
        ['b', 'x y'],
      ]),
    ),
  )
  assert.not.ok(sameKey(Object(1), Object(2)))
  assert.ok(sameKey(Object(1), Object(1)))
  assert.not.ok(sameKey(Object(1), 1), 'a boxed number is not the number')
  assert.not.ok(sameKey(Object(1), Object('1')))
  assert.not.ok(sameKey(Object(true), Object(false)))
  assert.not.ok(sameKey(Object(1n), Object(2n)))
  assert.not.ok(sameKey(Object(1n), Object(1)))
  // Own properties added to a built-in are part of what a caller can see, so they are part of the key.
  assert.not.ok(sameKey(Object.assign(new URL('http://a.example/'), { note: 1 }), new URL('http://a.example/')))
  assert.ok(sameKey(Object.assign(new URL('http://a.example/'), { note: 1 }), Object.assign(new URL('http://a.example/'), { note: 1 })))
  unkeyable(Object(Symbol('s')), /symbol/)
})

test('should key an Error by class, name, message, cause and own properties, not by its stack', () => {
  class HttpError extends Error {
    constructor(
      message: string,
      readonly status: number,
    ) {
      super(message)
    }
  }
  assert.not.ok(sameKey(new Error('a'), new Error('b')))
  assert.ok(sameKey(new Error('a'), new Error('a')), 'stacks differ, keys do not')
  assert.not.ok(sameKey(new Error('a'), new TypeError('a')))
  assert.not.ok(sameKey(new Error('a', { cause: 1 }), new Error('a', { cause: 2 })))
  assert.not.ok(sameKey(new Error('a', { cause: undefined }), new Error('a')), 'a cause of undefined is a cause')
  assert.not.ok(sameKey(new HttpError('a', 404), new HttpError('a', 500)))
  assert.not.ok(sameKey(new HttpError('a', 404), new Error('a')))
  const renamed = new Error('a')
  renamed.name = 'Other'
  assert.not.ok(sameKey(renamed, new Error('a')))
  assert.not.ok(sameKey(new AggregateError([1], 'x'), new AggregateError([2], 'x')))
  assert.not.ok(sameKey(new DOMException('x', 'AbortError'), new DOMException('x', 'TimeoutError')))
  const coded = Object.assign(new Error('a'), { code: 'ENOENT' })
  assert.not.ok(sameKey(coded, Object.assign(new Error('a'), { code: 'EACCES' })))
  const loop = new Error('loop') as Error & { cause?: unknown }
  loop.cause = loop
  unkeyable(loop, /circular/)
})

test('should key Headers and FormData by their entries, and refuse a File in FormData', () => {
  assert.ok(
    sameKey(
      new Headers({ 'Content-Type': 'a', accept: 'b' }),
      new Headers([
        ['accept', 'b'],
        ['content-type', 'a'],
      ]),
    ),
  )
  assert.not.ok(sameKey(new Headers({ accept: 'a' }), new Headers({ accept: 'b' })))
  const form = (entries: Array<[string, string]>) => {
    const data = new FormData()
    for (const [k, v] of entries) data.append(k, v)
    return data
  }
  assert.ok(sameKey(form([['a', '1']]), form([['a', '1']])))
  assert.not.ok(
    sameKey(
      form([
        ['a', '1'],
        ['b', '2'],
      ]),
      form([
        ['b', '2'],
        ['a', '1'],
      ]),
    ),
    'FormData order is observable',
  )
  const withFile = new FormData()
  withFile.append('f', new File(['x'], 'x.txt'))
  unkeyable(withFile, /File.*read synchronously/)
})

test('should key Intl objects by class and resolved options, Intl.Locale by its tag', () => {
  assert.ok(sameKey(new Intl.NumberFormat('en-US'), new Intl.NumberFormat('en-US')))
  assert.not.ok(sameKey(new Intl.NumberFormat('en-US'), new Intl.NumberFormat('de-DE')))
  assert.not.ok(sameKey(new Intl.NumberFormat('en-US', { style: 'percent' }), new Intl.NumberFormat('en-US')))
  assert.not.ok(
    sameKey(new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' }), new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo' })),
  )
  assert.not.ok(sameKey(new Intl.Collator('en'), new Intl.PluralRules('en')))
  assert.not.ok(sameKey(new Intl.Locale('en', { hourCycle: 'h12' }), new Intl.Locale('en', { hourCycle: 'h23' })))
  assert.ok(sameKey(new Intl.Locale('en-US'), new Intl.Locale('en-US')))
})

test('should key bytes, RegExps (lastIndex too) and Dates (invalid ones too) by value', () => {
  assert.not.ok(sameKey(new DataView(new Uint8Array([1]).buffer), new DataView(new Uint8Array([2]).buffer)))
  assert.not.ok(sameKey(Buffer.from([1, 2]), new Uint8Array([1, 2])), 'a Buffer is not a Uint8Array')
  assert.ok(sameKey(Buffer.from([1, 2]), Buffer.from([1, 2])))
  const shared = new SharedArrayBuffer(2)
  assert.not.ok(sameKey(shared, new SharedArrayBuffer(3)))
  new Uint8Array(shared)[0] = 7
  assert.not.ok(sameKey(shared, new SharedArrayBuffer(2)))
  assert.not.ok(sameKey(/a/g, /a/i))
  const moved = /a/g
  moved.lastIndex = 3
  assert.not.ok(sameKey(moved, /a/g), 'the next exec starts elsewhere')
  assert.ok(sameKey(new Date('nope'), new Date(Number.NaN)), 'invalid dates are alike')
  assert.not.ok(sameKey(new Date('nope'), new Date(0)))
})

test('should refuse built-ins whose state cannot be read synchronously or at all', async () => {
  unkeyable(new Blob(['a']), /Blob.*read synchronously/)
  unkeyable(new File(['a'], 'a.txt'), /File.*read synchronously/)
  unkeyable(Promise.resolve(1), /Promise.*settles/)
  unkeyable(new WeakMap(), /WeakMap.*listed/)
  unkeyable(new WeakSet(), /WeakSet/)
  unkeyable(new WeakRef({}), /WeakRef/)
  unkeyable(new AbortController().signal, /AbortSignal.*change/)
  unkeyable(new Response('x'), /Response.*stream/)
  unkeyable(new ReadableStream(), /ReadableStream.*built-in/)
  unkeyable(new MessageChannel().port1, /MessagePort/)
  unkeyable(new Map([[1, 2]]).entries(), /Map Iterator/)
  unkeyable((function* () {})(), /Generator/)
  unkeyable(createSecretKey(Buffer.from('secret')), /SecretKeyObject.*built-in or host/)
  // A prototype that throws when inspected cannot be trusted either.
  const hostile = new Proxy(
    {},
    {
      getOwnPropertyDescriptor() {
        throw new Error('no')
      },
    },
  )
  unkeyable(Object.create(hostile), /could not be inspected/)
  // Something that only has a built-in's prototype fails the built-in's own reader.
  unkeyable(Object.create(URL.prototype), /prototype of a URL.*not a real URL/)
})

test('should refuse instances of classes with #private state, keep keying other class instances', () => {
  class Account {
    #balance: number
    constructor(balance: number) {
      this.#balance = balance
    }
    get balance() {
      return this.#balance
    }
  }
  class Savings extends Account {}
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    #label() {
      return `(${this.x}, ${this.y})`
    }
    toString() {
      return this.#label() // a private method holds no state, but reads like a field: refused all the same
    }
  }
  class Plain {
    constructor(readonly x: number) {}
    describe() {
      return `#tag ${this.x}` // a hash in a string is not a private name
    }
  }
  unkeyable(new Account(1), /Account.*#private/)
  unkeyable(new Savings(1), /instance of Savings: class Account keeps state in #private/)
  unkeyable(new Point(1, 2), /#private/)
  assert.ok(sameKey(new Plain(1), new Plain(1)))
  assert.not.ok(sameKey(new Plain(1), new Plain(2)))

  const balance = counted((account: Account) => account.balance)
  const cached = mcache(balance)
  assert.is(cached(new Account(1)), 1)
  assert.is(cached(new Account(2)), 2, 'not the first account’s balance')
  assert.is(cached.cache.stats().bypassed, 2)
})

test('should treat a built-in of another realm as unkeyable and a plain object of another realm as before', () => {
  const foreign = vm.runInNewContext('({ date: new Date(5), plain: { a: 1 } })') as { date: Date; plain: object }
  unkeyable(foreign.date, /Date.*built-in/)
  assert.is(memoryKey([foreign.plain]), memoryKey([foreign.plain]))
  assert.not.ok(isBypass(memory.keyOf(undefined, [foreign.plain])))
})

/** One kind of value: a generator of random instances, and what an observer can read from one. */
interface Kind {
  readonly name: string
  make(pick: ReturnType<typeof picker>): unknown
  observe(value: any): unknown
}

const KINDS: Kind[] = [
  {
    name: 'URL',
    make: (p) =>
      new URL(
        `${p.one(['http', 'https'])}://${p.one(['a', 'B', 'c'])}.example${p.one(['', ':8080', ':80'])}/${p.one(['', 'x', 'x/../y'])}${p.one(['', '?q=1', '?q=2'])}${p.one(['', '#h'])}`,
      ),
    observe: (u: URL) => u.href,
  },
  {
    name: 'URLSearchParams',
    make: (p) => new URLSearchParams(Array.from({ length: p.below(3) }, () => [p.one(['a', 'b']), p.one(['1', ' ', '+', '&'])])),
    observe: (q: URLSearchParams) => q.toString(),
  },
  { name: 'Number', make: (p) => Object(p.one([0, 1, 2.5, Number.NaN, -1])), observe: (n: number) => String(n.valueOf()) },
  { name: 'String', make: (p) => Object(p.one(['', 'a', 'b', '1'])), observe: (s: string) => s.valueOf() },
  { name: 'Boolean', make: (p) => Object(p.chance(0.5)), observe: (b: boolean) => b.valueOf() },
  { name: 'BigInt', make: (p) => Object(BigInt(p.below(4))), observe: (b: bigint) => String(b.valueOf()) },
  {
    name: 'Error',
    make: (p) => {
      const Kind = p.one([Error, TypeError, RangeError])
      const error = p.chance(0.5) ? new Kind(p.one(['a', 'b']), { cause: p.one([1, 'x', undefined]) }) : new Kind(p.one(['a', 'b']))
      if (p.chance(0.3)) Object.assign(error, { code: p.one(['E1', 'E2']) })
      return error
    },
    observe: (e: Error & { code?: string }) => [e.constructor.name, e.name, e.message, 'cause' in e, e.cause, e.code],
  },
  { name: 'Date', make: (p) => new Date(p.one([0, 1, 86_400_000, Number.NaN])), observe: (d: Date) => String(d.getTime()) },
  {
    name: 'RegExp',
    make: (p) => {
      const regexp = new RegExp(p.one(['a', 'b+', '\\d']), p.one(['', 'g', 'gi', 'y']))
      regexp.lastIndex = p.one([0, 0, 2])
      return regexp
    },
    observe: (r: RegExp) => [r.source, r.flags, r.lastIndex],
  },
  {
    name: 'Headers',
    make: (p) =>
      new Headers(Array.from({ length: p.below(3) }, () => [p.one(['Accept', 'accept', 'X-A']), p.one(['1', '2'])] as [string, string])),
    observe: (h: Headers) => [...h],
  },
  {
    name: 'FormData',
    make: (p) => {
      const form = new FormData()
      for (let i = p.below(3); i > 0; i--) form.append(p.one(['a', 'b']), p.one(['1', '2']))
      return form
    },
    observe: (f: FormData) => [...f],
  },
  {
    name: 'Intl.NumberFormat',
    make: (p) => new Intl.NumberFormat(p.one(['en-US', 'de-DE', 'fr']), p.one([{}, { style: 'percent' }, { maximumFractionDigits: 1 }])),
    observe: (f: Intl.NumberFormat) => f.resolvedOptions(),
  },
  {
    name: 'Intl.Locale',
    make: (p) => new Intl.Locale(p.one(['en', 'de']), p.one([{}, { hourCycle: 'h12' as const }, { region: 'CH' }])),
    observe: (l: Intl.Locale) => l.toString(),
  },
  {
    name: 'bytes',
    make: (p) => {
      const bytes = Array.from({ length: p.below(3) }, () => p.below(3))
      return p.one([
        () => new Uint8Array(bytes),
        () => new Int8Array(bytes),
        () => Buffer.from(bytes),
        () => new DataView(new Uint8Array(bytes).buffer),
        () => new Uint8Array(bytes).buffer,
      ])()
    },
    observe: (b: ArrayBufferView | ArrayBuffer) => [
      b.constructor.name,
      [...(ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b))],
    ],
  },
]

test('should give two values of the built-ins the same key exactly when an observer reads the same from them', () => {
  const next = random(2024)
  const p = picker(next)
  const keyToObserved = new Map<unknown, string>()
  const observedToKey = new Map<string, unknown>()
  const textToObserved = new Map<string, string>()
  let values = 0
  for (const kind of KINDS) {
    for (let i = 0; i < 300; i++) {
      const value = kind.make(p)
      const observed = kind.name + JSON.stringify(kind.observe(value), (_k, v) => (v === undefined ? '<undefined>' : v))
      const [key, diskKey] = keysOf(value)
      assert.ok(!isBypass(key) && !isBypass(diskKey), `${kind.name} is keyable`)
      const seen = keyToObserved.get(key)
      assert.ok(seen === undefined || seen === observed, `one key for ${seen} and ${observed}`)
      const known = observedToKey.get(observed)
      assert.ok(known === undefined || known === key, `two keys for ${observed}`)
      const seenOnDisk = textToObserved.get(diskKey as string)
      assert.ok(seenOnDisk === undefined || seenOnDisk === observed, `one disk key for ${seenOnDisk} and ${observed}`)
      keyToObserved.set(key, observed)
      observedToKey.set(observed, key)
      textToObserved.set(diskKey as string, observed)
      values++
    }
  }
  // The generators repeat values often enough for "equal ones share a key" to be tested, not just "different ones differ".
  assert.ok(observedToKey.size < values / 2, `${observedToKey.size} distinct of ${values}`)
  assert.ok(observedToKey.size > 200, `${observedToKey.size} distinct of ${values}`)
})

test.run()
