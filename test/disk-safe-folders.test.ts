// Safe folders (`secure`, the default): a cache root or folder that is a symbolic link, another user's, or writable
// by group or others is refused (one TWAT_CACHE_UNSAFE_FOLDER warning, entries in memory; strict: an error), and a
// symbolic link at cache.sqlite is never followed. The tests run as root, so "another user" is nobody (65534).
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import { captureWarnings, warningsDelivered } from './support/warnings.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'
import { CacheFaultError } from '../src/runtime/report/errors.js'
import { resetWarnings } from '../src/runtime/report/warnings.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-safe-folders-'))
let serial = 0
const freshDir = () => {
  const dir = path.join(root, `dir-${++serial}`)
  mkdirSync(dir, { mode: 0o700 })
  return dir
}
const NOBODY = 65534
const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8)

/** The unsafe-folder warnings of a body, from a clean warn-once memory. */
async function unsafeWarnings(body: () => void): Promise<string[]> {
  await warningsDelivered()
  resetWarnings()
  const warnings = captureWarnings()
  try {
    body()
    return (await warnings.of('TWAT_CACHE_UNSAFE_FOLDER')).map((w) => w.message)
  } finally {
    warnings.stop()
  }
}

const s = suite('safe folders')
s.before(() => assert.is(process.getuid?.(), 0, "these tests create another user's folder with chown: run them as root"))
s.after(() => rmSync(root, { recursive: true, force: true }))

const KINDS = [
  ['bcache', bcache],
  ['fcache', fcache],
] as const

for (const [label, cache] of KINDS) {
  s(`${label}: should refuse a cache folder owned by another user, run in memory, and warn once`, async () => {
    const cacheDir = freshDir()
    const folder = path.join(cacheDir, 'shared')
    mkdirSync(folder, { mode: 0o700 })
    chownSync(folder, NOBODY, NOBODY)
    let calls = 0
    let f!: ((n: number) => number) & { cache: { engine: string } }
    const messages = await unsafeWarnings(() => {
      f = cache((n: number) => (calls++, n), { cacheDir, folderName: 'shared' })
      f(1)
      cache((n: number) => n + 1, { cacheDir, folderName: 'shared' })(1)
    })
    assert.is(messages.length, 1, messages.join('\n'))
    assert.ok(messages[0]!.includes(`belongs to user ${NOBODY}`), messages[0])
    assert.ok(messages[0]!.includes(folder), messages[0])
    assert.not.ok(['better-sqlite3', 'node:sqlite', 'file'].includes(f.cache.engine), f.cache.engine)
    f(1)
    assert.is(calls, 1, 'still a cache, in memory')
    assert.is(statSync(folder).uid, NOBODY, 'the folder keeps its owner')
    assert.is(modeOf(folder), '700')
    assert.ok(statSync(folder).isDirectory() && !existsSync(path.join(folder, 'cache.sqlite')), 'nothing written there')
  })

  s(`${label}: should refuse a cache root that is a symbolic link`, async () => {
    const real = freshDir()
    const link = path.join(freshDir(), 'link')
    symlinkSync(real, link)
    let f!: ((n: number) => number) & { cache: { engine: string } }
    const messages = await unsafeWarnings(() => {
      f = cache((n: number) => n, { cacheDir: link })
      f(1)
    })
    assert.is(messages.length, 1)
    assert.ok(messages[0]!.includes('symbolic link'), messages[0])
    assert.not.ok(['better-sqlite3', 'node:sqlite', 'file'].includes(f.cache.engine), f.cache.engine)
    assert.not.ok(existsSync(path.join(real, 'default')), 'nothing created behind the link')
  })

  s(`${label}: should refuse a world-writable cache root, and a group-writable folder`, async () => {
    const open = freshDir()
    chmodSync(open, 0o777)
    const groupDir = freshDir()
    mkdirSync(path.join(groupDir, 'g'), { mode: 0o770 })
    chmodSync(path.join(groupDir, 'g'), 0o770)
    const messages = await unsafeWarnings(() => {
      cache((n: number) => n, { cacheDir: open })(1)
      cache((n: number) => n, { cacheDir: groupDir, folderName: 'g' })(1)
    })
    assert.is(messages.length, 2, messages.join('\n'))
    assert.ok(messages[0]!.includes('everyone') && messages[0]!.includes('777'), messages[0])
    assert.ok(messages[1]!.includes('its group'), messages[1])
    assert.is(modeOf(open), '777', 'a folder that is not ours to fix is left as it is')
    assert.not.ok(existsSync(path.join(open, 'default')))
  })

  s(`${label}: should throw CacheFaultError in strict mode instead`, () => {
    const open = freshDir()
    chmodSync(open, 0o777)
    assert.throws(
      () => cache((n: number) => n, { cacheDir: open, strict: true }),
      (error: unknown) =>
        error instanceof CacheFaultError && /can be written by its group and everyone \(mode 777\)/.test((error as Error).message),
    )
  })

  s(`${label}: should use such folders as before with secure: false`, () => {
    const cacheDir = freshDir()
    const folder = path.join(cacheDir, 'shared')
    mkdirSync(folder)
    chownSync(folder, NOBODY, NOBODY)
    chmodSync(cacheDir, 0o777)
    const f = cache((n: number) => n, { cacheDir, folderName: 'shared', secure: false })
    f(1)
    assert.ok(['better-sqlite3', 'file'].includes(f.cache.engine), f.cache.engine)
  })

  s(`${label}: should create its own folders 0700 and keep them so`, () => {
    const cacheDir = path.join(freshDir(), 'new-root')
    cache((n: number) => n, { cacheDir, folderName: 'mine' })(1)
    assert.is(modeOf(cacheDir), '700')
    assert.is(modeOf(path.join(cacheDir, 'mine')), '700')
    cache((n: number) => n, { cacheDir, folderName: 'mine' })(2)
    assert.is(modeOf(path.join(cacheDir, 'mine')), '700')
  })
}

for (const [what, prepare] of [
  ['a missing file', (_target: string) => {}],
  ['an empty file', (target: string) => writeFileSync(target, '', { mode: 0o644 })],
  ['a non-empty file', (target: string) => writeFileSync(target, 'precious data\n', { mode: 0o644 })],
] as const) {
  s(`bcache: should not follow a symbolic link at cache.sqlite to ${what}`, async () => {
    const cacheDir = freshDir()
    const folder = path.join(cacheDir, 'default')
    mkdirSync(folder, { mode: 0o700 })
    const target = path.join(freshDir(), 'outside.sqlite')
    prepare(target)
    const before = existsSync(target) ? { mode: modeOf(target), text: readFileSync(target, 'utf8') } : undefined
    symlinkSync(target, path.join(folder, 'cache.sqlite'))
    let calls = 0
    let f!: ((n: number) => number) & { cache: { engine: string } }
    const messages = await unsafeWarnings(() => {
      f = bcache((n: number) => (calls++, n), { cacheDir })
      assert.is(f(1), 1)
    })
    assert.is(calls, 1, 'the call ran, on the next engine')
    assert.is(messages.length, 1, messages.join('\n'))
    assert.ok(messages[0]!.includes('cache.sqlite') && messages[0]!.includes('symbolic link'), messages[0])
    assert.not.ok(['better-sqlite3', 'node:sqlite', 'file'].includes(f.cache.engine), f.cache.engine)
    assert.ok(lstatSync(path.join(folder, 'cache.sqlite')).isSymbolicLink(), 'the link is left for the user to see')
    if (before === undefined) {
      assert.not.ok(existsSync(target), 'no database created at the outside path')
    } else {
      assert.is(modeOf(target), before.mode, "the target is not chmod'ed")
      assert.is(readFileSync(target, 'utf8'), before.text, 'the target is not written')
    }
    for (const suffix of ['-wal', '-shm']) assert.not.ok(existsSync(target + suffix), `no ${suffix} beside the target`)
  })
}

s.run()
