import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-disk-permissions-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
const modeOf = (p: string) => statSync(p).mode & 0o777
const octal = (mode: number) => mode.toString(8)

/** Every folder and file under `dir`, with `dir` itself. */
function walk(dir: string): string[] {
  const found = [dir]
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...walk(full))
    else found.push(full)
  }
  return found
}

const s = suite('disk cache permissions')
let savedUmask = 0
s.before(() => {
  // A common umask, so that "not forced" has a known result.
  savedUmask = process.umask(0o022)
})
s.after(() => {
  process.umask(savedUmask)
  rmSync(root, { recursive: true, force: true })
})

s('should create folders 0700 and files 0600 (database, WAL, entries) by default', () => {
  const cacheDir = freshDir()
  const b = bcache((n: number) => n, { cacheDir, folderName: 'b' })
  b(1)
  const f = fcache((n: number) => n, { cacheDir, folderName: 'f' })
  f(1)
  const paths = walk(cacheDir)
  assert.ok(
    paths.some((p) => p.endsWith('cache.sqlite-wal')),
    'the WAL file exists while the database is open',
  )
  assert.ok(paths.some((p) => p.endsWith('.bin')))
  for (const p of paths) {
    const expected = statSync(p).isDirectory() ? 0o700 : 0o600
    assert.is(octal(modeOf(p)), octal(expected), p)
  }
})

s('should leave modes to the umask with secure: false', () => {
  const cacheDir = freshDir()
  bcache((n: number) => n, { cacheDir, folderName: 'b', secure: false })(1)
  fcache((n: number) => n, { cacheDir, folderName: 'f', secure: false })(1)
  for (const p of walk(cacheDir)) {
    const expected = statSync(p).isDirectory() ? 0o755 : 0o644
    assert.is(octal(modeOf(p)), octal(expected), p)
  }
})

s('should tighten an existing cache folder others can read to 0700 when secure, and not otherwise', () => {
  const cacheDir = freshDir()
  const open = path.join(cacheDir, 'open')
  mkdirSync(open, { recursive: true })
  chmodSync(open, 0o755)
  fcache((n: number) => n, { cacheDir, folderName: 'open', secure: false })(1)
  assert.is(octal(modeOf(open)), '755')
  fcache((n: number) => n, { cacheDir, folderName: 'open' })(1)
  assert.is(octal(modeOf(open)), '700')
})

s('should tighten an existing database file open to others to 0600 when secure', () => {
  const cacheDir = freshDir()
  const file = path.join(cacheDir, 'db', 'cache.sqlite')
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, '') // an empty file is an empty SQLite database
  chmodSync(file, 0o666)
  bcache((n: number) => n, { cacheDir, folderName: 'db' })(1)
  assert.is(octal(modeOf(file)), '600')
  assert.is(octal(modeOf(file + '-wal')), '600')
})

s.run()
