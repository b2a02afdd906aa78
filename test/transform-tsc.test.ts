/**
 * The tsc plugin for real: a small project whose tsconfig lists `twat-cache/tsc`, compiled by ts-patch's `tspc`
 * (no global patching), then run with node. Also: bad tags become tsc errors at the tag.
 */
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import twatCacheProgramTransformer, { DIAGNOSTIC_CODE, TscTypeScriptError, WARNING_DIAGNOSTIC_CODE } from '../src/transform/tsc.js'
import { createTscProject } from './support/transform-tsc-project.js'

const project = createTscProject()
const tsc = suite('transform: tsc plugin (ts-patch tspc)', { timeoutMs: 180_000 })

const tsconfig = (include: string[], plugin: Record<string, unknown> = {}) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      skipLibCheck: true,
      types: [],
      rootDir: 'src',
      outDir: 'out',
      plugins: [{ transform: 'twat-cache/tsc', transformProgram: true, ...plugin }],
    },
    include,
  })

project.write('tsconfig.json', tsconfig(['src/app'], { defaults: { maxsize: 500 } }))
project.write(
  'src/app/main.ts',
  `import { area } from './shapes.js'

export const calls = { fib: 0, area: 0 }
const early = fib(10)

/**
 * Fibonacci; recursion goes through the cache.
 * @cache mcache
 */
export function fib(n: number): number {
  calls.fib++
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

area(2, 3)
area(2, 3)
console.log(JSON.stringify({ early, fib25: fib(25), fibCalls: calls.fib, name: fib.name, length: fib.length, areaCalls: calls.area }))
`,
)
project.write(
  'src/app/shapes.ts',
  `import { calls } from './main.js'

/** @mcache */
export const area = (width: number, height: number): number => {
  calls.area++
  return width * height
}
`,
)

tsc('should compile tagged functions into cached ones that run', () => {
  const { status, output } = project.tspc()
  assert.is(output, '')
  assert.is(status, 0)
  const emitted = fs.readFileSync(path.join(project.dir, 'out/app/main.js'), 'utf8')
  assert.match(emitted, 'from "twat-cache"')
  assert.match(emitted, '__twat_mcache(__twat$fib$impl, { maxsize: 500, name: "src/app/main.ts#fib"')
  const result = JSON.parse(project.node('out/app/main.js')) as Record<string, unknown>
  assert.equal(result, { early: 55, fib25: 75025, fibCalls: 26, name: 'fib', length: 1, areaCalls: 1 })
})

tsc('should report type errors at the lines and columns of the source as written', () => {
  project.write('tsconfig.types.json', tsconfig(['src/types']))
  project.write('src/types/t.ts', `/** @mcache */\nexport function f(n: number) {\n  return n\n}\n\nexport const wrong: string = f(1)\n`)
  const { status, output } = project.tspc('tsconfig.types.json')
  assert.is.not(status, 0)
  assert.is(output.trim(), "src/types/t.ts(6,14): error TS2322: Type 'number' is not assignable to type 'string'.")
})

tsc('should report a bad tag as a tsc error at the tag', () => {
  project.write('tsconfig.bad.json', tsconfig(['src/bad']))
  project.write('src/bad/bad.ts', `export const ok = 1\n\n/** @mcache maxsize=-1 */\nexport function f(n: number) {\n  return n\n}\n`)
  const { status, output } = project.tspc('tsconfig.bad.json')
  assert.is.not(status, 0)
  assert.match(
    output,
    `src/bad/bad.ts(3,21): error TS${DIAGNOSTIC_CODE}: twat-cache: Invalid cache option maxsize=-1: expected a whole number ≥ 1, or null for no limit`,
  )
})

tsc('should report every bad tag of every file as a tsc error', () => {
  project.write('tsconfig.many.json', tsconfig(['src/many']))
  project.write(
    'src/many/one.ts',
    `/** @mcache maxsize=-1 ttl=soon */\nexport function f(n: number) {\n  return n\n}\n\n/** @cache mcahce */\nexport const g = (n: number) => n\n`,
  )
  project.write('src/many/two.ts', `/** @mcache polcy=lru */\nexport function h(n: number) {\n  return n\n}\n`)
  const { status, output } = project.tspc('tsconfig.many.json')
  assert.is.not(status, 0)
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => line.includes(`TS${DIAGNOSTIC_CODE}`))
  assert.equal(
    lines.map((line) => line.slice(0, line.indexOf(': twat-cache:'))),
    [
      `src/many/one.ts(1,21): error TS${DIAGNOSTIC_CODE}`,
      `src/many/one.ts(1,28): error TS${DIAGNOSTIC_CODE}`,
      `src/many/one.ts(6,12): error TS${DIAGNOSTIC_CODE}`,
      `src/many/two.ts(1,13): error TS${DIAGNOSTIC_CODE}`,
    ],
  )
  assert.match(lines[3]!, 'unknown option "polcy" in @mcache tag (did you mean policy?)')
})

tsc('should print a misspelt tag as a warning in tsc format, without failing the build', () => {
  project.write('tsconfig.warn.json', tsconfig(['src/warn']))
  project.write(
    'src/warn/w.ts',
    `/** @mcahce */\nexport function f(n: number) {\n  return n\n}\n\n/** @mcache */\nexport const g = (n: number) => n\n`,
  )
  const { status, output } = project.tspc('tsconfig.warn.json')
  assert.is(
    output.trim(),
    `src/warn/w.ts(1,5): warning TS${WARNING_DIAGNOSTIC_CODE}: twat-cache: unknown tag @mcahce (did you mean @mcache?): twat-cache ignores it, so this function is not cached`,
  )
  assert.is(status, 0, 'a warning does not fail the build')
  assert.match(fs.readFileSync(path.join(project.dir, 'out/warn/w.js'), 'utf8'), '__twat_mcache(')
  // Not a tsc diagnostic, so noEmitOnError does not stop the emit either.
  const strict = JSON.parse(tsconfig(['src/warn'])) as { compilerOptions: Record<string, unknown> }
  strict.compilerOptions.noEmitOnError = true
  strict.compilerOptions.outDir = 'out-strict'
  project.write('tsconfig.warn-strict.json', JSON.stringify(strict))
  const emitted = project.tspc('tsconfig.warn-strict.json')
  assert.is(emitted.status, 0, emitted.output)
  assert.match(emitted.output, `warning TS${WARNING_DIAGNOSTIC_CODE}`)
  assert.ok(fs.existsSync(path.join(project.dir, 'out-strict/warn/w.js')), 'noEmitOnError: still emitted')
})

tsc('should refuse a compiler that is not TypeScript 6, saying what to do', () => {
  const program = ts.createProgram([], {})
  // TypeScript 7's package main export holds only its version (lib/version.cjs): no compiler API.
  const typescript7 = { version: '7.0.2', versionMajorMinor: '7.0' } as unknown as typeof ts
  assert.throws(
    () => twatCacheProgramTransformer(program, undefined, {}, { ts: typescript7 }),
    (error: unknown) =>
      error instanceof TscTypeScriptError &&
      error.message.includes('TypeScript 7.0.2') &&
      error.message.includes('npm install -D typescript@6') &&
      error.message.includes('npm install -D typescript6@npm:typescript@6'),
  )
})

tsc('should say how to configure it when used as a source transformer', () => {
  const program = ts.createProgram([], {})
  const asSourceTransformer = twatCacheProgramTransformer as unknown as (...args: unknown[]) => unknown
  assert.throws(() => asSourceTransformer(program, {}, undefined), /add "transformProgram": true/)
})

tsc('should only register tagged functions when disabled, and leave the program alone when nothing is tagged', () => {
  const program = ts.createProgram([path.join(project.dir, 'src/app/main.ts')], { noEmit: true, types: [] })
  const disabled = twatCacheProgramTransformer(program, undefined, { enabled: false }, { ts })
  const disabledText = disabled.getSourceFile(path.join(project.dir, 'src/app/main.ts'))!.text
  assert.match(disabledText, /__twat_registerDisabledSite\(fib, \{ name: "[^"]*src\/app\/main\.ts#fib", kind: "mcache" \}\);/)
  assert.not.match(disabledText, '__twat$fib$impl')
  project.write('src/plain/plain.ts', 'export const plain = (n: number) => n\n')
  const plain = ts.createProgram([path.join(project.dir, 'src/plain/plain.ts')], { noEmit: true, types: [] })
  assert.is(twatCacheProgramTransformer(plain, undefined, {}, { ts }), plain)
  const rebuilt = twatCacheProgramTransformer(program, undefined, {}, { ts })
  assert.is.not(rebuilt, program)
  assert.match(rebuilt.getSourceFile(path.join(project.dir, 'src/app/main.ts'))!.text, '__twat$fib$impl')
})

tsc.after(() => project.cleanup())
tsc.run()
