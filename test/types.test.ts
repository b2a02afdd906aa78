import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './support/child.js'

const types = suite('public types')

types('should keep signatures, generics and overloads through wrapping (tsc on test/types)', () => {
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc')
  const files = readdirSync(path.join(REPO_ROOT, 'test/types'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `test/types/${f}`)
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--ignoreConfig',
      '--noEmit',
      '--strict',
      '--noUncheckedIndexedAccess',
      '--target',
      'ES2022',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--lib',
      'ES2023,ESNext.Disposable,DOM',
      '--types',
      'node',
      '--skipLibCheck',
      ...files,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  )
  assert.is(result.status, 0, result.stdout + result.stderr)
})

types.run()
