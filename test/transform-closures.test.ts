/**
 * Closure checks beyond the fixtures: the scope rules they rest on (shadowing, catch clauses, loops, destructuring,
 * `arguments`, a nested function's own `this`), marker calls, and the `strict` option through the transform, the
 * plugin options, the bundler plugin and the webpack loader.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { TransformError, transform, type TransformOptions } from '../src/transform/index.js'
import { PluginOptionsError, resolveOptions } from '../src/plugins/options.js'
import twatCacheLoader, { type LoaderContext } from '../src/plugins/loader.js'

const ID = '/project/src/a.ts'

/** The warnings' texts (without location) for `code`. */
function warningsOf(code: string, options: TransformOptions = {}): string[] {
  const texts: string[] = []
  transform(code, ID, { root: '/project', ...options, onWarning: (w) => texts.push(`${w.line}: ${w.text}`) })
  return texts
}

const scopes = suite('closure checks: scopes')

scopes('should not warn about a local that shadows a reassigned module variable', () => {
  const code = `let count = 0
export const bump = () => count++
/** @bcache */
export function f(n: number) {
  const count = n * 2
  return [1].map((count) => count + n)[0]! + count
}
`
  assert.equal(warningsOf(code), [])
})

scopes('should not report a binding the function only writes (a call counter), and report one it reads', () => {
  const code = `let runs = 0
let total = 0
let last = 0
/** @bcache */
export function square(n: number) {
  runs++
  total += n
  for (let i = 0; i < 1; i++, last = n) {}
  return n * n
}
/** @bcache */
export function counted(n: number) {
  runs++
  return n + runs
}
`
  const warnings = warningsOf(code)
  assert.is(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0]!, /^14: bcache function counted reads runs/)
})

scopes('should see writes by destructuring, compound assignment and for-of targets', () => {
  const code = `let a = 0, b = 0, c = 0, d = ''
export function set(o: { a: number }) {
  ;({ a } = o)
  b ||= 1
  for (c of [1, 2]) {}
  d += 'x'
}
/** @fcache */
export const f = () => [a, b, c, d]
`
  const found = warningsOf(code).map((w) => /reads (\w+)/.exec(w)?.[1])
  assert.equal(found, ['a', 'b', 'c', 'd'])
})

scopes('should name a catch clause, a loop and an outer arguments as enclosing state', () => {
  const code = `export function run(this: unknown) {
  try {
    throw new Error('x')
  } catch (failure) {
    /** @bcache */
    const describe = (id: string) => id + String(failure)
    describe('a')
  }
  for (const region of ['eu', 'us']) {
    /** @bcache */
    const load = (id: string) => region + id
    load('b')
  }
  /** @bcache */
  const first = () => arguments[0]
  return first()
}
`
  const warnings = warningsOf(code)
  assert.is(warnings.length, 3, warnings.join('\n'))
  assert.match(warnings[0]!, /reads failure, a local of the enclosing catch clause \(line 4\)/)
  assert.match(warnings[1]!, /reads region, a local of the enclosing loop \(line 9\)/)
  assert.match(warnings[2]!, /reads arguments, the arguments of the enclosing function run/)
})

scopes('should count only the function’s own this: not a nested function’s or class’s', () => {
  const code = `export class A {
  /** @bcache */
  m(n: number) {
    const inner = function (this: { x: number }) { return this.x }
    class B { y = this }
    return inner.call({ x: n }) + String(B)
  }
  /** @bcache */
  n(k: number) {
    return [k].map(() => this)
  }
}
`
  const warnings = warningsOf(code)
  assert.is(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0]!, /^10: bcache function A\.n reads this/)
})

scopes('should warn a memory cache only about an enclosing local that is reassigned', () => {
  const code = `export function solve(grid: number[], limit: number) {
  let scale = 1
  /** @mcache */
  const best = (i: number): number => (i >= grid.length ? 0 : grid[i]! * scale + best(i + 1)) % limit
  const first = best(0)
  scale = 2
  return first + best(0)
}
`
  const warnings = warningsOf(code)
  assert.is(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0]!, /reads scale, a local of the enclosing function solve reassigned on line 6/)
})

scopes('should check marker calls whose function is written there, unless their options are hidden', () => {
  const code = `import { bcache } from 'twat-cache'
let rate = 1
export const setRate = (r: number) => { rate = r }
export const price = bcache((n: number) => n * rate)
export const keyed = bcache(function (this: { r: number }, n: number) { return n * this.r }, { key: (n: number) => n })
const options = { ttl: 5 }
export const hidden = bcache((n: number) => n * rate, { ...options })
`
  const warnings = warningsOf(code)
  assert.is(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0]!, /^4: bcache function price reads rate, a module variable reassigned on line 3/)
})

const strict = suite('closure checks: strict')

const READS_REGION = `export function makeLoader(region: string) {
  /** @bcache */
  const load = (id: string) => region + id
  return load
}
`

strict('should make the problems errors with strict=true in the tag or strict: true in the options', () => {
  for (const [code, options] of [
    [READS_REGION.replace('@bcache', '@bcache strict=true'), {}],
    [READS_REGION, { strict: true }],
  ] as const) {
    let caught: unknown
    const warnings: string[] = []
    try {
      transform(code, ID, { root: '/project', ...options, onWarning: (w) => warnings.push(w.text) })
    } catch (error) {
      caught = error
    }
    assert.instance(caught, TransformError)
    assert.is((caught as TransformError).line, 3)
    assert.match((caught as TransformError).text, 'reads region, a parameter of the enclosing function makeLoader (line 1)')
    assert.equal(warnings, [], 'an error, not also a warning')
  }
})

strict('should accept strict as a plugin option, and reject a value that is not true or false', () => {
  assert.is(resolveOptions({ strict: true }).strict, true)
  assert.is(resolveOptions({}).strict, false)
  assert.throws(
    () => resolveOptions({ strict: 'yes' as unknown as boolean }),
    (error: unknown) => error instanceof PluginOptionsError && /"strict" must be true or false/.test((error as Error).message),
  )
})

strict('should fail a module in the webpack loader with strict, and make it depend on what its versions read', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twat-closures-loader-'))
  try {
    fs.writeFileSync(path.join(dir, 'helper.ts'), 'export const helper = (s: string) => s\n')
    const file = path.join(dir, 'input.ts')
    const source = `import { helper } from './helper.js'\n${READS_REGION.replace('region + id', 'helper(region + id)')}`
    const run = (options: object) => {
      const outcome: { error?: Error | null; code?: string; dependencies: string[]; warnings: Error[] } = { dependencies: [], warnings: [] }
      const context: LoaderContext = {
        resourcePath: file,
        rootContext: dir,
        getOptions: () => options,
        callback: (error, code) => Object.assign(outcome, { error, code }),
        emitWarning: (warning) => outcome.warnings.push(warning),
        addDependency: (dependency) => outcome.dependencies.push(dependency),
      }
      twatCacheLoader.call(context, source)
      return outcome
    }
    const lenient = run({})
    assert.is(lenient.error, null)
    assert.is(lenient.warnings.length, 1)
    assert.match(lenient.warnings[0]!.message, 'reads region')
    assert.equal(lenient.dependencies, [path.join(dir, 'helper.ts')])
    const failed = run({ strict: true })
    assert.instance(failed.error, Error)
    assert.match(failed.error!.message, /input\.ts:4:\d+: bcache function makeLoader\.load reads region/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

scopes.run()
strict.run()
