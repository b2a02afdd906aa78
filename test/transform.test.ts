/**
 * The transform's contract beyond the fixtures: the no-trigger fast path, `enabled: false`, ids and versions,
 * errors' fields, source maps, tag value parsing, and that TypeScript output still type-checks.
 */
import path from 'node:path'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import ts from 'typescript'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { TRIGGER_TEXT, TransformError, transform } from '../src/transform/index.js'
import { ErrorReporter } from '../src/transform/errors.js'
import { bareValue, findCacheTags } from '../src/transform/tags.js'
import { listCases, runCase } from './support/transform-fixtures.js'
import { typeCheck, typeCheckFiles } from './support/transform-typecheck.js'

const ROOT = '/project'
const ID = '/project/src/a.ts'
const TAGGED = `/** @mcache */\nexport function f(n: number) {\n  return n\n}\n`

/**
 * Counts source files TypeScript parses while `run` runs, through its performance marks: the module's exports are
 * read-only getters, so the parser cannot be spied on directly. (`ts.performance` is not in the public typings.)
 */
function countParses(run: () => void): number {
  const performance = (ts as unknown as { performance: { enable(): void; disable(): void; getCount(mark: string): number } }).performance
  performance.enable()
  const before = performance.getCount('beforeParse')
  try {
    run()
    return performance.getCount('beforeParse') - before
  } finally {
    performance.disable()
  }
}

function errorOf(run: () => unknown): TransformError {
  try {
    run()
  } catch (error) {
    if (error instanceof TransformError) return error
    throw error
  }
  throw new Error('expected a TransformError')
}

const fastPath = suite('transform: when there is nothing to do')

fastPath('should match every cache tag and the package name, and not look-alikes', () => {
  for (const text of ['@cache', '@mcache', '@bcache', '@fcache', '@acache', '@ucache', "from 'twat-cache'"]) {
    assert.ok(TRIGGER_TEXT.test(text), text)
  }
  for (const text of ['@cached', '@mcaches', 'cache', 'mcache(fn)', '@memo']) assert.not.ok(TRIGGER_TEXT.test(text), text)
})

fastPath('should return null without parsing a file that has no trigger text', () => {
  let result: unknown = 'not called'
  const parses = countParses(() => {
    result = transform('export function f(n: number) {\n  return n\n}\n', ID, { root: ROOT })
  })
  assert.is(result, null)
  assert.is(parses, 0)
  assert.is(countParses(() => transform(TAGGED, ID, { root: ROOT })), 1, 'a tagged file is parsed once')
})

fastPath('should return null for trigger text that is not a trigger (prose, plain comments, strings)', () => {
  const code = [
    '// uses twat-cache later',
    '/* @cache in a plain comment */',
    '/** Documentation that mentions @mcache mid-line. */',
    "export const tag = '@cache mcache'",
    '/**',
    ' * ```ts',
    ' * @mcache',
    ' * ```',
    ' */',
    'export function g() { return 1 }',
  ].join('\n')
  assert.is(transform(code, ID, { root: ROOT }), null)
})

fastPath('should return null for declaration files and for files with syntax errors', () => {
  assert.is(transform('/** @mcache */\nexport declare function f(): void', '/project/src/a.d.ts'), null)
  assert.is(transform('/** @mcache */\nexport function f( {', ID), null)
})

fastPath('should return null for files importing the runtime without calling a cache', () => {
  assert.is(transform("import { getStats } from 'twat-cache'\nexport const s = getStats()", ID), null)
})

const disabled = suite('transform: enabled false')

disabled('should emit no caching code, parse nothing and report nothing when disabled', () => {
  const marker = "import { mcache } from 'twat-cache'\nexport const g = mcache((n: number) => n)\n"
  const badTag = '/** @mcache maxsize=-1 */\nexport function f(n: number) { return n }\n'
  let results: unknown[] = []
  const parses = countParses(() => {
    results = [TAGGED, marker, badTag].map((code) => transform(code, ID, { root: ROOT, enabled: false }))
  })
  assert.equal(results, [null, null, null])
  assert.is(parses, 0)
  // The same inputs with the transform on: rewritten, and the bad tag is an error.
  assert.match(transform(TAGGED, ID, { root: ROOT })!.code, '__twat_mcache(')
  assert.match(transform(marker, ID, { root: ROOT })!.code, 'name: "src/a.ts#g"')
  assert.throws(() => transform(badTag, ID, { root: ROOT }), (e: unknown) => e instanceof TransformError)
})

const ids = suite('transform: ids and versions')

ids('should name sites by the path relative to root, with / separators, and the qualified name', () => {
  const code = [
    'export class Prices {',
    '  /** @mcache */',
    '  of(sku: string) { return sku }',
    '}',
    '/** @mcache */',
    'export function fib(n: number): number { return n }',
    '/** @mcache */',
    'export default (n: number) => n',
  ].join('\n')
  const out = transform(code, '/project/src/prices.ts?v=123', { root: '/project' })!.code
  assert.match(out, 'name: "src/prices.ts#Prices.of"')
  assert.match(out, 'name: "src/prices.ts#fib"')
  assert.match(out, 'name: "src/prices.ts#default"')
  const windows = transform(TAGGED, path.win32.join('C:\\project', 'src', 'a.ts'), { root: 'C:\\project' })
  assert.ok(windows, 'a Windows-style id is transformed')
})

ids('should keep ids unique within a file', () => {
  const code = [
    'export function a() {',
    '  /** @mcache */',
    '  function helper(n: number) { return n }',
    '  return helper',
    '}',
    'export function b() {',
    '  /** @mcache */',
    '  function helper(n: number) { return n }',
    '  return helper',
    '}',
  ].join('\n')
  const out = transform(code, ID, { root: ROOT })!.code
  assert.match(out, 'name: "src/a.ts#a.helper"')
  assert.match(out, 'name: "src/a.ts#b.helper"')
  const same = '/** @mcache */\nfunction h(n: number) { return n }\n{\n  /** @mcache */\n  function h(n: number) { return n }\n}\n'
  const twice = transform(same, ID, { root: ROOT })!.code
  assert.match(twice, 'name: "src/a.ts#h"')
  assert.match(twice, 'name: "src/a.ts#h~2"')
})

ids('should change the version when the function changes, not when the tag or line endings do', () => {
  const version = (code: string) => /version: "([0-9a-f]{12})"/.exec(transform(code, ID, { root: ROOT })!.code)?.[1]
  const base = version(TAGGED)
  assert.ok(base)
  assert.is.not(version(TAGGED.replace('return n', 'return n + 1')), base)
  assert.is(version(TAGGED.replace('@mcache', '@mcache maxsize=5')), base)
  assert.is(version(TAGGED.replace(/\n/g, '\r\n')), base)
})

ids('should not override a name or version the user gave', () => {
  const out = transform('/** @mcache name=prices version=7 */\nexport function f(n: number) { return n }', ID, { root: ROOT })!.code
  assert.match(out, '{ name: "prices", version: "7" }')
  assert.not.match(out, 'src/a.ts#f')
})

ids('should merge defaults under the site options, validating them', () => {
  const out = transform('/** @mcache maxsize=5 */\nexport function f(n: number) { return n }', ID, {
    root: ROOT,
    defaults: { maxsize: 100, folder_name: 'shared' },
  })!.code
  assert.match(out, '{ folderName: "shared", maxsize: 5, name:')
  assert.throws(() => transform(TAGGED, ID, { defaults: { maxsze: 1 } }), /unknown option "maxsze" in the defaults option \(did you mean maxsize\?\)/)
  assert.throws(() => transform(TAGGED, ID, { defaults: { ttl: -1 } }), /defaults: Invalid cache option ttl=-1/)
  assert.throws(() => transform(TAGGED, ID, { defaults: { key: () => 1 } }), /defaults\.key cannot be written into code/)
})

const errors = suite('transform: errors')

errors('should carry file, 1-based line and column, and a code frame', () => {
  const code = 'const x = 1\n\n/**\n * @cache mcache maxsize=0\n */\nexport function f(n: number) { return n }\n'
  const error = errorOf(() => transform(code, '/project/src/a.ts?import', { root: ROOT }))
  assert.is(error.file, '/project/src/a.ts')
  assert.is(error.line, 4)
  assert.is(error.column, 26)
  assert.is(error.frame, '4 |  * @cache mcache maxsize=0\n  |                          ^')
  assert.is(error.message, `src/a.ts:4:26: ${error.text}\n${error.frame}`)
  assert.match(error.text, 'maxsize=0: expected a whole number ≥ 1')
})

errors('should keep tabs in the frame so the caret lines up', () => {
  const error = errorOf(() => transform('class C {\n\t/** @mcache ttl=soon */\n\tm() { return 1 }\n}', ID, { root: ROOT }))
  assert.is(error.frame, '2 | \t/** @mcache ttl=soon */\n  | \t                ^^^^')
})

const maps = suite('transform: source maps')

maps('should map positions in the output back to the original line and column', () => {
  const code = ['/** @cache mcache maxsize=10 */', 'export function fib(n: number): number {', '  return n < 2 ? n : fib(n - 1) + fib(n - 2)', '}', ''].join('\n')
  const result = transform(code, '/project/src/fib.ts', { root: ROOT })!
  const map = new TraceMap(result.map as unknown as ConstructorParameters<typeof TraceMap>[0])
  const find = (text: string, from = 0) => {
    const offset = result.code.indexOf(text, from)
    assert.ok(offset >= 0, text)
    const before = result.code.slice(0, offset)
    return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) }
  }
  // `n < 2` in the body: original line 3, column 9 (0-based).
  const body = originalPositionFor(map, find('n < 2'))
  assert.equal({ line: body.line, column: body.column, source: body.source }, { line: 3, column: 9, source: '/project/src/fib.ts' })
  // The second `fib(` call of the body.
  const call = originalPositionFor(map, find('fib(n - 2)'))
  assert.equal([call.line, call.column], [3, 34])
  // The renamed implementation maps to the original name.
  const impl = originalPositionFor(map, find('__twat$fib$impl(n: number): number {'))
  assert.equal([impl.line, impl.column], [2, 16])
  assert.is(result.map.sourcesContent?.[0], code)
})

const tags = suite('transform: tag values')

tags('should read numbers, booleans, null, words, durations, quoted strings and lists', () => {
  assert.is(bareValue('42'), 42)
  assert.is(bareValue('1_000'), 1000)
  assert.is(bareValue('-3'), -3)
  assert.is(bareValue('2.5'), 2.5)
  assert.is(bareValue('true'), true)
  assert.is(bareValue('false'), false)
  assert.is(bareValue('null'), null)
  assert.is(bareValue('10m'), '10m')
  assert.is(bareValue('lfu'), 'lfu')
  const source = `/**\n * @cache bcache a=[1, two, "three four", [5]] b="x \\"y\\"" c='it\\'s'\n *   d=[] e=500ms\n */`
  const [tag] = findCacheTags(source, 0, source.length, new ErrorReporter('a.ts', 'a.ts', source))
  assert.ok(tag)
  assert.is(tag!.kind, 'bcache')
  const values = Object.fromEntries(tag!.options.map((o) => [o.written, o.value]))
  assert.equal(values, { a: [1, 'two', 'three four', [5]], b: 'x "y"', c: "it's", d: [], e: '500ms' } as Record<string, unknown>)
})

tags('should reject text glued to a value', () => {
  const source = `/** @cache bcache c='it''s' */`
  assert.throws(() => findCacheTags(source, 0, source.length, new ErrorReporter('a.ts', 'a.ts', source)), /unexpected "'" after the value of c/)
})

const types = suite('transform: TypeScript output')

types('should type-check every TypeScript fixture output as strictly as its input', () => {
  const withoutColumn = (d: string) => d.replace(/^(\d+):\d+ /, '$1 ')
  const fixtures = listCases().filter((f) => f.expected !== undefined && /\.(ts|mts|cts)$/.test(f.inputFile))
  const files: Record<string, string> = {}
  for (const fixture of fixtures) {
    files[`in-${fixture.name}.ts`] = fixture.input
    files[`out-${fixture.name}.ts`] = runCase(fixture)!
  }
  const diagnostics = typeCheckFiles(files)
  for (const fixture of fixtures) {
    const before = new Set(diagnostics[`in-${fixture.name}.ts`]!.map(withoutColumn))
    const after = diagnostics[`out-${fixture.name}.ts`]!.map(withoutColumn)
    assert.equal(after.filter((d) => !before.has(d)), [], `new diagnostics in ${fixture.name}`)
  }
  assert.ok(fixtures.length >= 20, `checked ${fixtures.length} fixtures`)
})

types('should report a real type error in transformed code (the check can fail)', () => {
  const out = transform('/** @mcache */\nexport function f(n: number): string { return n }\n', ID, { root: ROOT })!.code
  const diagnostics = typeCheck(out, 'out-failing.ts')
  assert.equal(diagnostics.map((d) => d.replace(/^(\d+):\d+ /, '$1 ')), ["2 Type 'number' is not assignable to type 'string'."])
})

fastPath.run()
disabled.run()
ids.run()
errors.run()
maps.run()
tags.run()
types.run()
