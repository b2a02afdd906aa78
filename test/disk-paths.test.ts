import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { ValidationError } from '../src/runtime/report/errors.js'
import { getCachePath } from '../src/runtime/engines/disk/folders.js'

const s = suite('getCachePath')
const saved = { dir: process.env.TWAT_CACHE_DIR, xdg: process.env.XDG_CACHE_HOME }
s.after.each(() => {
  for (const [name, value] of [
    ['TWAT_CACHE_DIR', saved.dir],
    ['XDG_CACHE_HOME', saved.xdg],
  ] as const) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

s('should put folders under $TWAT_CACHE_DIR when it is set, "default" when no name is given', () => {
  process.env.TWAT_CACHE_DIR = '/srv/caches'
  assert.is(getCachePath('reports'), path.join('/srv/caches', 'reports'))
  assert.is(getCachePath(), path.join('/srv/caches', 'default'))
})

s('should use the platform cache folder + twat-cache otherwise', () => {
  delete process.env.TWAT_CACHE_DIR
  if (process.platform === 'linux') {
    process.env.XDG_CACHE_HOME = '/var/xdg'
    assert.is(getCachePath('x'), '/var/xdg/twat-cache/x')
    process.env.XDG_CACHE_HOME = 'relative/ignored'
    assert.is(getCachePath('x'), path.join(os.homedir(), '.cache', 'twat-cache', 'x'))
    delete process.env.XDG_CACHE_HOME
    assert.is(getCachePath('x'), path.join(os.homedir(), '.cache', 'twat-cache', 'x'))
  } else {
    assert.ok(getCachePath('x').endsWith(path.join('twat-cache', 'x')))
  }
})

s('should make a relative $TWAT_CACHE_DIR absolute', () => {
  process.env.TWAT_CACHE_DIR = 'rel/dir'
  assert.is(getCachePath('x'), path.resolve('rel/dir', 'x'))
})

s('should reject folder names that are paths', () => {
  for (const bad of ['../x', 'a/b', 'a\\b', '..', '']) {
    assert.throws(
      () => getCachePath(bad),
      (e: unknown) => e instanceof ValidationError && e.option === 'folderName',
      bad,
    )
  }
})

s.run()
