// Lint and format: Biome (biome.json) over src, test, bench, scripts and examples must report nothing, so the habits
// hold in CI. `npx biome check --write .` fixes what it can; the rules turned off in biome.json say why there.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { REPO_ROOT } from './support/child.js'
import { suite } from './support/suite.js'

const test = suite('lint and format (Biome)', { timeoutMs: 120_000 })
const BIOME = path.join(REPO_ROOT, 'node_modules/@biomejs/biome/bin/biome')

function biome(args: string[]) {
  const result = spawnSync(process.execPath, [BIOME, ...args, '--colors=off', '--max-diagnostics=50'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 100_000,
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

test('should find no lint or format problem', () => {
  const { status, output } = biome(['check', '.'])
  assert.is(status, 0, output)
  const checked = Number(/Checked (\d+) files/.exec(output)?.[1])
  assert.ok(checked >= 250, `Biome checked ${checked} files: src, test, bench and scripts are all in its reach`)
  assert.not.match(output, /Found \d+ (errors?|warnings?)/, output)
})

test.run()
