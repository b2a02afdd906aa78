// Signed and encrypted entries (secret, encryptionKey): bcache (SQLite), fcache (files) and acache on a keyv store.
// Entries are rewritten the way someone who can write the store would: valid envelopes (their CRCs check out)
// with foreign content, entries moved between keys, entries sealed with another key.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import Keyv from 'keyv'
import { suite } from './support/suite.js'
import { captureWarnings, warningsDelivered } from './support/warnings.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'
import { acache } from '../src/runtime/caches/acache.js'
import { createCodec, joinEntry } from '../src/runtime/engines/disk/codec.js'
import { createSealer } from '../src/runtime/engines/seal.js'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { ValidationError } from '../src/runtime/report/errors.js'
import { resetWarnings } from '../src/runtime/report/warnings.js'
import { lifeOf } from './support/entries.js'
import { TransformError, transform } from '../src/transform/index.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-integrity-'))
let serial = 0
const fresh = () => path.join(root, `dir-${++serial}`)
const SECRET = 'Zm9yIHRlc3RzIG9ubHk6IDMyIGJ5dGVzIG9mIGtleSEh' // base64 of 32 bytes
const OTHER_SECRET = 'another secret long enough to pass'
const KEY = '8f1c2a7e5b3d9f0a4c6e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f1a' // 64 hex digits
const N = 20

/** Every entry file under `dir`. */
function entryFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...entryFiles(full))
    else if (entry.name.endsWith('.bin')) found.push(full)
  }
  return found
}

/** A valid envelope (format, CRCs) of `value`, sealed as `options` says, for function `name` version 'v1'. */
function forged(value: unknown, options: { secret?: string } = {}, key = ''): Buffer {
  const codec = createCodec({ compress: false, compressLevel: undefined }, createSealer(options, NAME_OF.current, 'v1'))
  return joinEntry(codec.encode(value, lifeOf(), 0, key))
}
const NAME_OF = { current: '' }

type Rewrite = (dir: string, replace: (bytes: Buffer, index: number) => Buffer) => number

/** Rewrite every row of the database in `dir` (another connection, as another process would). */
const rewriteRows: Rewrite = (dir, replace) => {
  const db = new Database(path.join(dir, 'default', 'cache.sqlite'))
  try {
    const rows = db.prepare('SELECT fn, key, value FROM entries').all() as Array<{ fn: string; key: string; value: Buffer }>
    const update = db.prepare('UPDATE entries SET value = ? WHERE fn = ? AND key = ?')
    for (const [i, row] of rows.entries()) update.run(replace(row.value, i), row.fn, row.key)
    return rows.length
  } finally {
    db.close()
  }
}
const rewriteFiles: Rewrite = (dir, replace) => {
  const files = entryFiles(dir)
  for (const [i, file] of files.entries()) writeFileSync(file, replace(readFileSync(file), i))
  return files.length
}

const s = suite('signed entries')
s.after(() => rmSync(root, { recursive: true, force: true }))

for (const [label, cache, rewrite] of [
  ['bcache', bcache, rewriteRows],
  ['fcache', fcache, rewriteFiles],
] as const) {
  s(`${label}: should serve a foreign entry with valid checks without a secret (the attack secret defends against)`, () => {
    const cacheDir = fresh()
    const name = `${label}-unsigned-${serial}`
    NAME_OF.current = name
    const f = cache((n: number) => n * 2, { cacheDir, name, version: 'v1' })
    f(1)
    assert.is(
      rewrite(cacheDir, () => forged('planted')),
      1,
    )
    assert.is(f(1) as unknown, 'planted', 'without a secret, a rewritten entry with valid CRCs is returned')
  })

  s(`${label}: should reject 100% of rewritten entries with valid checks, count them and warn once`, async () => {
    await warningsDelivered() // earlier tests' warnings are not this one's
    resetWarnings()
    const warnings = captureWarnings()
    try {
      const cacheDir = fresh()
      const name = `${label}-signed-${serial}`
      NAME_OF.current = name
      let calls = 0
      const f = cache((n: number) => (calls++, n * 2), { cacheDir, name, version: 'v1', secret: SECRET })
      for (let i = 0; i < N; i++) assert.is(f(i), i * 2)
      assert.is(f(0), 0, 'a signed entry is a hit')
      assert.is(calls, N)
      // Three kinds of forgery: unsigned, signed with another secret, and an honest entry of another key.
      const honest = new Map<number, Buffer>()
      rewrite(cacheDir, (bytes, i) => (honest.set(i, bytes), bytes))
      const rewritten = rewrite(cacheDir, (_bytes, i) =>
        i % 3 === 0 ? forged('planted') : i % 3 === 1 ? forged('planted', { secret: OTHER_SECRET }) : honest.get((i + 1) % N)!,
      )
      assert.is(rewritten, N)
      for (let i = 0; i < N; i++) assert.is(f(i), i * 2, `entry ${i} was refused and recomputed`)
      assert.is(calls, 2 * N, 'every rewritten entry was a miss')
      assert.is(f.cache.stats().tampered, N)
      const tampered = await warnings.of('TWAT_CACHE_TAMPERED')
      assert.is(tampered.length, 1, 'warned once')
      assert.not.ok(tampered[0]!.message.includes(SECRET), 'the warning does not print the key')
      for (let i = 0; i < N; i++) assert.is(f(i), i * 2)
      assert.is(calls, 2 * N, 'the recomputed entries are signed and hit')
    } finally {
      warnings.stop()
    }
  })

  s(`${label}: should verify with every secret of a list and sign with the first (rotation)`, () => {
    const cacheDir = fresh()
    const name = `${label}-rotation-${serial}`
    let calls = 0
    const fn = (n: number) => (calls++, n + 1)
    cache(fn, { cacheDir, name, version: 'v1', secret: OTHER_SECRET })(1)
    const rotated = cache(fn, { cacheDir, name, version: 'v1', secret: [SECRET, OTHER_SECRET] })
    assert.is(rotated(1), 2)
    assert.is(calls, 1, 'the old secret still verifies')
    rotated(2)
    assert.is(calls, 2)
    const newOnly = cache(fn, { cacheDir, name, version: 'v1', secret: SECRET })
    newOnly(2)
    assert.is(calls, 2, 'entries are signed with the first secret')
    newOnly(1)
    assert.is(calls, 3, 'an entry signed with a dropped secret is a miss')
  })

  s(`${label}: should encrypt payloads, read them back, and treat a wrong key as a miss with a warning`, async () => {
    await warningsDelivered() // earlier tests' warnings are not this one's
    resetWarnings()
    const warnings = captureWarnings()
    try {
      const cacheDir = fresh()
      const name = `${label}-encrypted-${serial}`
      let calls = 0
      const fn = (n: number) => (calls++, { n, note: `plain-text-marker-${n}` })
      const f = cache(fn, { cacheDir, name, version: 'v1', encryptionKey: KEY })
      assert.equal(f(7), { n: 7, note: 'plain-text-marker-7' })
      assert.equal(f(7), { n: 7, note: 'plain-text-marker-7' })
      assert.is(calls, 1)
      let stored = 0
      rewrite(cacheDir, (bytes) => (stored++, assert.not.ok(bytes.includes('plain-text-marker'), 'the payload is not in the clear'), bytes))
      assert.is(stored, 1)
      const wrong = cache(fn, { cacheDir, name, version: 'v1', encryptionKey: 'a passphrase that is not the key' })
      assert.equal(wrong(7), { n: 7, note: 'plain-text-marker-7' }, 'a wrong key is a miss, not a crash')
      assert.is(calls, 2)
      assert.is(wrong.cache.stats().tampered, 1)
      assert.is((await warnings.of('TWAT_CACHE_TAMPERED')).length, 1)
      const none = cache(fn, { cacheDir, name, version: 'v1' })
      none(7)
      assert.is(calls, 3, 'without a key, an encrypted entry is a miss')
      // An unencrypted entry planted where encryption is required is refused too.
      NAME_OF.current = name
      rewrite(cacheDir, () => forged({ n: 7, note: 'planted' }))
      assert.equal(f(7), { n: 7, note: 'plain-text-marker-7' })
      assert.is(calls, 4)
    } finally {
      warnings.stop()
    }
  })

  s(`${label}: should sign and encrypt together, and refuse a changed byte anywhere in the entry`, () => {
    const cacheDir = fresh()
    const name = `${label}-both-${serial}`
    let calls = 0
    const f = cache((n: number) => (calls++, 'x'.repeat(n)), {
      cacheDir,
      name,
      version: 'v1',
      secret: SECRET,
      encryptionKey: KEY,
      ttl: '1h',
    })
    f(100)
    let length = 0
    rewrite(cacheDir, (bytes) => ((length = bytes.length), bytes))
    // Flip one byte at a time: header fields (life), tags block, seal block, payload.
    for (const at of [16, 40, 64, 70, 100, length - 1]) {
      rewrite(cacheDir, (bytes) => {
        const copy = Buffer.from(bytes)
        copy[at] = copy[at]! ^ 0x01
        return copy
      })
      const before = calls
      assert.is(f(100), 'x'.repeat(100))
      assert.is(calls, before + 1, `a change at byte ${at} is a miss`)
    }
  })
}

s('should refuse keys that are too short, naming their shape and never their value', () => {
  for (const [option, value, shape] of [
    ['secret', 'tiny!', 'a string of 5 characters'],
    ['encryptionKey', Buffer.alloc(8), '8 bytes'],
    ['secret', [], 'an empty list'],
    ['secret', 42, 'a number'],
  ] as const) {
    try {
      createCacheConfig({ [option]: value } as object)
      assert.unreachable(`${option} accepted`)
    } catch (error) {
      assert.instance(error, ValidationError)
      const message = (error as Error).message
      assert.ok(message.includes(option), message)
      assert.ok(message.includes(shape), message)
      assert.ok(message.includes('openssl rand -base64 32'), message)
      if (typeof value === 'string') assert.not.ok(message.includes(value), message)
    }
  }
  // Accepted forms: base64 of 32 bytes, 64 hex digits, a passphrase of 16+ characters, a Buffer, a list.
  createCacheConfig({ secret: SECRET, encryptionKey: KEY })
  createCacheConfig({ secret: 'sixteen chars ok', encryptionKey: Buffer.alloc(32, 1) })
  createCacheConfig({ secret: [SECRET, Buffer.alloc(16)] })
})

s('should read the keys from TWAT_CACHE_SECRET and TWAT_CACHE_ENCRYPTION_KEY, and reject a bad one by name', () => {
  const saved = { secret: process.env.TWAT_CACHE_SECRET, key: process.env.TWAT_CACHE_ENCRYPTION_KEY }
  try {
    const cacheDir = fresh()
    const name = `env-${serial}`
    process.env.TWAT_CACHE_SECRET = `${SECRET},${OTHER_SECRET}`
    process.env.TWAT_CACHE_ENCRYPTION_KEY = KEY
    let calls = 0
    const fn = (n: number) => (calls++, `secret-value-${n}`)
    const f = bcache(fn, { cacheDir, name, version: 'v1' })
    f(1)
    const db = new Database(path.join(cacheDir, 'default', 'cache.sqlite'), { readonly: true })
    const row = db.prepare('SELECT value FROM entries').get() as { value: Buffer }
    db.close()
    assert.not.ok(row.value.includes('secret-value'), 'encrypted with the key from the environment')
    assert.is(row.value[5]! >> 4, 0b11, 'signed and encrypted')
    delete process.env.TWAT_CACHE_SECRET
    delete process.env.TWAT_CACHE_ENCRYPTION_KEY
    const withOptions = bcache(fn, { cacheDir, name, version: 'v1', secret: SECRET, encryptionKey: KEY })
    withOptions(1)
    assert.is(calls, 1, 'the first secret of the variable signed, as the first of a list does')
    process.env.TWAT_CACHE_SECRET = 'tiny'
    try {
      bcache(fn, { cacheDir, name: `env-bad-${serial}` })
      assert.unreachable('a bad $TWAT_CACHE_SECRET was accepted')
    } catch (error) {
      assert.instance(error, ValidationError)
      assert.ok((error as Error).message.includes('$TWAT_CACHE_SECRET'), (error as Error).message)
      assert.not.ok((error as Error).message.includes('tiny'))
    }
  } finally {
    for (const [variable, value] of [
      ['TWAT_CACHE_SECRET', saved.secret],
      ['TWAT_CACHE_ENCRYPTION_KEY', saved.key],
    ] as const) {
      if (value === undefined) delete process.env[variable]
      else process.env[variable] = value
    }
  }
})

s('acache on a keyv store: should reject rewritten boxes and read its own, signed and encrypted', async () => {
  await warningsDelivered()
  resetWarnings()
  const warnings = captureWarnings()
  try {
    const keyv = new Keyv()
    let calls = 0
    const lookup = async (n: number) => (calls++, { n, buffer: Buffer.from([n, 1, 2]), text: `shared-marker-${n}` })
    const name = `acache-sealed-${serial++}`
    const f = acache(lookup, { store: keyv, name, secret: SECRET, encryptionKey: KEY })
    for (let i = 0; i < N; i++) assert.equal(await f(i), { n: i, buffer: Buffer.from([i, 1, 2]), text: `shared-marker-${i}` })
    assert.equal(await f(3), { n: 3, buffer: Buffer.from([3, 1, 2]), text: 'shared-marker-3' }, 'a Buffer comes back as a Buffer')
    assert.is(calls, N)
    const keys: string[] = []
    for await (const [key, value] of keyv.iterator!(undefined)) {
      if ((value as { '@'?: number } | null)?.['@'] === 3) {
        keys.push(key)
        assert.not.ok(JSON.stringify(value).includes('shared-marker'), 'the box is encrypted')
      }
    }
    assert.ok(keys.length >= N, `${keys.length} boxes`)
    const boxes = await Promise.all(keys.map((key) => keyv.get(key)))
    // Plain boxes of the current format, and sealed boxes moved to another key.
    await Promise.all(
      keys.map((key, i) =>
        keyv.set(key, i % 2 ? { '@': 2, v: { n: -1, text: 'planted' }, c: 0, f: 0, s: 0, e: 0 } : boxes[(i + 1) % keys.length]),
      ),
    )
    for (let i = 0; i < N; i++) assert.is((await f(i)).n, i, `box ${i} was refused`)
    assert.is(calls, 2 * N)
    assert.is(f.cache.stats().tampered, N)
    const seen = await warnings.of('TWAT_CACHE_TAMPERED')
    assert.is(seen.length, 1, JSON.stringify(seen))
    const unkeyed = acache(lookup, { store: keyv, name })
    assert.is((await unkeyed(1)).n, 1)
    assert.is(calls, 2 * N + 1, 'a cache without the keys reads a sealed box as a miss')
  } finally {
    warnings.stop()
  }
})

s('should refuse a key written in a tag or in the plugin defaults, without echoing it, and take a binding', () => {
  const ROOT = '/project'
  const ID = '/project/src/a.ts'
  for (const tag of [`@bcache secret="${SECRET}"`, `@bcache encryption_key=${KEY}`]) {
    try {
      transform(`/** ${tag} */\nexport function f(n: number) {\n  return n\n}\n`, ID, { root: ROOT })
      assert.unreachable(`${tag} was accepted`)
    } catch (error) {
      assert.instance(error, TransformError)
      const message = (error as Error).message
      assert.ok(message.includes('cannot be written in a tag'), message)
      assert.ok(/TWAT_CACHE_(SECRET|ENCRYPTION_KEY)/.test(message), message)
      assert.not.ok(message.includes(SECRET) || message.includes(KEY), 'the key is not echoed')
    }
  }
  const bound = transform(
    `const signingKey = process.env.MY_KEY\n/** @bcache secret=signingKey */\nexport function f(n: number) {\n  return n\n}\n`,
    ID,
    { root: ROOT },
  )
  assert.ok(bound!.code.includes('secret: signingKey'), bound!.code)
  assert.throws(
    () => transform(`/** @bcache */\nexport function f(n: number) {\n  return n\n}\n`, ID, { root: ROOT, defaults: { secret: SECRET } }),
    (error: unknown) =>
      /cannot be written in the defaults option/.test((error as Error).message) && !(error as Error).message.includes(SECRET),
  )
})

s.run()
