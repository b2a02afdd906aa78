import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { getAvailableBackends } from '../src/runtime/api/backends.js'
import { REPO_ROOT, runChild } from './support/child.js'

// The child runs the built runtime: `npx tsc -p tsconfig.build.json` (npm test builds first).
const BACKENDS_URL = new URL('dist/runtime/api/backends.js', `file://${REPO_ROOT}/`).href

const test = suite('getAvailableBackends')

test('should list every engine installed here, with the built-in map and memory-async', () => {
  const names = getAvailableBackends()
  for (const name of [
    'lru-cache',
    'lfu',
    'rr',
    'mru',
    'map',
    'better-sqlite3',
    'file',
    'keyv',
    'keyv:redis',
    'keyv:memcache',
    'memory-async',
  ]) {
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`)
  }
  assert.is(new Set(names).size, names.length, 'no duplicates')
})

test('should leave out packages that cannot be loaded, and never the built-in engines', async () => {
  const result = await runChild(
    `import { getAvailableBackends } from ${JSON.stringify(BACKENDS_URL)}
     console.log(JSON.stringify(getAvailableBackends()))`,
    { hide: ['keyv', '@keyv/memcache', 'better-sqlite3'] },
  )
  assert.is(result.code, 0, result.stderr)
  const names: string[] = JSON.parse(result.stdout)
  for (const gone of ['keyv', 'keyv:redis', 'keyv:memcache', 'better-sqlite3']) {
    assert.not.ok(names.includes(gone), `${gone} should be missing from ${names.join(', ')}`)
  }
  for (const kept of ['lru-cache', 'map', 'memory-async', 'file', 'lfu']) assert.ok(names.includes(kept), `${kept} in ${names.join(', ')}`)
})

test('should list keyv:redis only with keyv and @keyv/redis both loadable', async () => {
  const result = await runChild(
    `import { getAvailableBackends } from ${JSON.stringify(BACKENDS_URL)}
     console.log(JSON.stringify(getAvailableBackends()))`,
    { hide: ['@keyv/redis'] },
  )
  assert.is(result.code, 0, result.stderr)
  const names: string[] = JSON.parse(result.stdout)
  assert.ok(names.includes('keyv'))
  assert.ok(names.includes('keyv:memcache'))
  assert.not.ok(names.includes('keyv:redis'))
})

test.run()
