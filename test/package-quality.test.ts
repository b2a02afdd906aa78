// The packed tarball as a user installs it: publint (package.json fields, exports, files that exist) and
// arethetypeswrong (types resolve for every entry the way each resolution mode loads it) report no problem.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { packPackage } from './support/build-package.js'
import { REPO_ROOT } from './support/child.js'

const test = suite('package quality (publint, arethetypeswrong)', { timeoutMs: 180_000 })

function tool(bin: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', bin), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 150_000,
  })
}

test('should pass publint with no error or warning', async () => {
  const { tarball } = await packPackage()
  const result = tool('publint/src/cli.js', [tarball, '--level', 'warning'])
  const output = result.stdout + result.stderr
  assert.is(result.status, 0, output)
  assert.not.match(output, /^(Errors|Warnings):/m, output)
  assert.match(output, /Linting/)
})

test('should pass arethetypeswrong for every entry', async () => {
  const { tarball } = await packPackage()
  const result = tool('@arethetypeswrong/cli/dist/index.js', [tarball, '--profile', 'esm-only', '--format', 'json'])
  assert.is(result.status, 0, result.stdout + result.stderr)
  type Problem = { kind: string; entrypoint?: string; resolutionKind?: string }
  const report = JSON.parse(result.stdout) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, Problem[]> }
  // The package is ESM (Node >= 20.19 requires ESM from CommonJS): node10 and CommonJS-from-node16 are not promised.
  const IGNORED = new Set(['node10', 'node16-cjs'])
  const problems = Object.values(report.problems)
    .flat()
    .filter((p) => !p.resolutionKind || !IGNORED.has(p.resolutionKind))
  assert.equal(problems, [], JSON.stringify(problems, null, 2))
  assert.ok(Object.keys(report.analysis.entrypoints).includes('./vite'), 'the plugin entries were analysed')
})

test.run()
