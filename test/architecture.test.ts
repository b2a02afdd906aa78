// The layout rules of ARCHITECTURE.md, checked by dependency-cruiser: no import cycles, the runtime's layers depend
// downwards only, and the runtime never imports the build step.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { REPO_ROOT } from './support/child.js'

const test = suite('architecture')
const DEPCRUISE = path.join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')

function cruise(target: string) {
  return spawnSync(process.execPath, [DEPCRUISE, target, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  })
}

test('should find no import cycle and no import against the layers in src/', () => {
  const result = cruise('src')
  assert.is(result.status, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /no dependency violations found \(\d+ modules/)
})

test('should report a cycle when there is one (the check can fail)', () => {
  const result = cruise('fixtures/architecture/cycle')
  assert.is.not(result.status, 0)
  assert.match(result.stdout, /no-circular/)
})

test.run()
