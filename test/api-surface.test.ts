// The public API snapshot: the surface of every package entry, read from the built .d.ts files, must equal the
// committed api/surface.txt, so any change to what users can import shows in review. After a deliberate change:
// `npm run build && UPDATE_API=1 node scripts/run-tests.mjs api-surface`, and commit api/surface.txt.
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { describeApi } from './support/api-surface.js'
import { REPO_ROOT } from './support/child.js'
import { suite } from './support/suite.js'

const test = suite('public API snapshot', { timeoutMs: 120_000 })
const SNAPSHOT = path.join(REPO_ROOT, 'api/surface.txt')

test('should match the committed snapshot of every entry', () => {
  const surface = describeApi(REPO_ROOT)
  if (process.env.UPDATE_API === '1') writeFileSync(SNAPSHOT, surface)
  const committed = readFileSync(SNAPSHOT, 'utf8')
  if (surface !== committed) {
    const now = surface.split('\n')
    const before = committed.split('\n')
    const added = now.filter((line) => !before.includes(line))
    const removed = before.filter((line) => !now.includes(line))
    assert.unreachable(
      `the public API changed (UPDATE_API=1 rewrites api/surface.txt):\n+ ${added.join('\n+ ')}\n- ${removed.join('\n- ')}`,
    )
  }
})

test('should describe the options and the cache makers in detail', () => {
  const surface = readFileSync(SNAPSHOT, 'utf8')
  const root = surface.slice(surface.indexOf('## .\n'), surface.indexOf('\n## ', 5))
  for (const name of [
    'const mcache',
    'const bcache',
    'const fcache',
    'const acache',
    'const ucache',
    'function cacheOf',
    'type CacheOptions = {',
  ]) {
    assert.ok(root.includes(`\n${name}`), `${name} is in the root entry's surface`)
  }
  assert.match(root, /\n {2}maxsize\?: number/, 'options are written member by member')
  for (const entry of ['./vite', './webpack', './tsc', './testing', './next', './loader'])
    assert.ok(surface.includes(`## ${entry}\n`), entry)
})

test.run()
