/**
 * The transform's contract beyond the fixtures: the no-trigger fast path, `enabled: false`, ids and versions,
 * errors' fields, source maps, tag value parsing, and that TypeScript output still type-checks.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping'
import ts from 'typescript'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { TRIGGER_TEXT, TransformError, TransformWarning, transform } from '../src/transform/index.js'
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

fastPath('should match every cache tag, the package name and possible misspellings, and not look-alikes', () => {
  for (const text of ['@cache', '@mcache', '@bcache', '@fcache', '@acache', '@ucache', "from 'twat-cache'"]) {
    assert.ok(TRIGGER_TEXT.test(text), text)
  }
  // Let in so that they can be warned about:
  for (const text of ['@cahce', '@cached', '@mcahce', '@Cache', '@memo', '@memoize', '@ucach']) assert.ok(TRIGGER_TEXT.test(text), text)
  for (const text of ['cache', 'mcache(fn)', '@callback', '@category', '@cancel', '@catch', '@access', '@deprecated', '@class']) {
    assert.not.ok(TRIGGER_TEXT.test(text), text)
  }
})

fastPath('should not parse a file whose look-alike text is not a JSDoc tag', () => {
  const code = "export const contact = 'ops@cached.example'\n// see @cahce below\n"
  let result: unknown = 'not called'
  const parses = countParses(() => {
    result = transform(code, ID, { root: ROOT, onWarning: () => assert.unreachable('a warning for a non-tag') })
  })
  assert.is(result, null)
  assert.is(parses, 0)
})

fastPath('should return null without parsing a file that has no trigger text', () => {
  let result: unknown = 'not called'
  const parses = countParses(() => {
    result = transform('export function f(n: number) {\n  return n\n}\n', ID, { root: ROOT })
  })
  assert.is(result, null)
  assert.is(parses, 0)
  assert.is(
    countParses(() => transform(TAGGED, ID, { root: ROOT })),
    1,
    'a tagged file is parsed once',
  )
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

disabled('should emit no caching code and report nothing when disabled: tagged sites are only registered', () => {
  const marker = "import { mcache } from 'twat-cache'\nexport const g = mcache((n: number) => n)\n"
  const badTag = '/** @mcache maxsize=-1 */\nexport function f(n: number) { return n }\n'
  let results: Array<{ code: string } | null> = []
  const parses = countParses(() => {
    results = [TAGGED, marker, badTag].map((code) => transform(code, ID, { root: ROOT, enabled: false }))
  })
  // Files with a tag are parsed to register their sites; a file with only a marker call is left unparsed.
  assert.is(parses, 2)
  assert.is(results[1], null)
  for (const result of [results[0], results[2]]) {
    assert.ok(result)
    assert.not.match(result.code, '__twat_mcache')
    assert.match(result.code, '__twat_registerDisabledSite(f, { name: "src/a.ts#f", kind: "mcache" });')
    assert.match(result.code, 'export function f(n: number)')
  }
  // The same inputs with the transform on: rewritten, and the bad tag is an error.
  assert.match(transform(TAGGED, ID, { root: ROOT })!.code, '__twat_mcache(')
  assert.match(transform(marker, ID, { root: ROOT })!.code, 'name: "src/a.ts#g"')
  assert.throws(
    () => transform(badTag, ID, { root: ROOT }),
    (e: unknown) => e instanceof TransformError,
  )
})

disabled('should register every kind of site as it would be named, with the shape of its handle', () => {
  const code = [
    '/** @cache acache */',
    'export async function load(id: string) { return id }',
    '/** @cache */',
    'export async function chosen(id: string) { return id }',
    '/** @cache folder_name=x */',
    'export async function onDisk(id: string) { return id }',
    '/** @mcache name=custom */',
    'export const area = (w: number) => w',
    'export class Prices {',
    '  /** @mcache */',
    '  of(sku: string) { return sku }',
    '  /** @mcache */',
    '  #weight(sku: string) { return sku }',
    '  weigh(sku: string) { return this.#weight(sku) }',
    '}',
    'export const api = {',
    '  /** @mcache */',
    '  get(id: number) { return id },',
    '}',
    '/** @mcache */',
    'export default function (x: number) { return x }',
  ].join('\n')
  const out = transform(code, ID, { root: ROOT, enabled: false })!.code
  assert.match(out, '__twat_registerDisabledSite(load, { name: "src/a.ts#load", kind: "acache", async: true });')
  assert.match(out, '__twat_registerDisabledSite(chosen, { name: "src/a.ts#chosen", kind: "ucache", async: true });')
  assert.match(out, '__twat_registerDisabledSite(onDisk, { name: "src/a.ts#onDisk", kind: "ucache" });')
  assert.match(
    out,
    'export const area = __twat_registerDisabledSite((w: number) => w, { name: "custom", kind: "mcache", functionName: "area" })',
  )
  assert.match(out, 'static { __twat_registerDisabledSite(this.prototype.of, { name: "src/a.ts#Prices.of", kind: "mcache" }); }')
  assert.match(out, '__twat_registerDisabledSite(f, { name: "src/a.ts#Prices.#weight", kind: "mcache" })')
  assert.match(
    out,
    'get: __twat_registerDisabledSite({ get(this: any, id: number) { return id } }.get, { name: "src/a.ts#api.get", kind: "mcache" })',
  )
  assert.match(out, 'export default function __twat$default$fn (x: number)')
  assert.match(
    out,
    '__twat_registerDisabledSite(__twat$default$fn, { name: "src/a.ts#default", kind: "mcache", functionName: "default" });',
  )
  assert.not.match(out, /__twat_(?:m|a|u)cache\b|cachedMethod/)
  const diagnostics = typeCheck(out)
  assert.equal(diagnostics, [])
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
  assert.throws(
    () => transform(TAGGED, ID, { defaults: { maxsze: 1 } }),
    /unknown option "maxsze" in the defaults option \(did you mean maxsize\?\)/,
  )
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

errors('should report every problem of a file in one error, the first in source order', () => {
  const code = [
    '/** @mcache ttl=soon maxsize=0 */',
    'export function f(n: number) { return n }',
    'export class C {',
    '  /** @mcache */',
    '  get g() { return 1 }',
    '}',
    '/** @cache mcahce */',
    'export const h = (n: number) => n',
  ].join('\n')
  const error = errorOf(() => transform(code, ID, { root: ROOT }))
  assert.equal(
    error.errors.map((e) => [e.line, e.column]),
    [
      [1, 17],
      [1, 30],
      [4, 7],
      [7, 12],
    ],
  )
  assert.equal([error.line, error.column, error.text], [1, 17, error.errors[0]!.text])
  assert.ok(error.errors.every((e) => e instanceof TransformError))
  assert.match(error.errors[2]!.text, 'a getter cannot be cached')
  assert.match(error.errors[3]!.text, 'unknown cache kind "mcahce"')
  assert.is(error.message, error.errors.map((e) => e.message).join('\n\n'), 'the message lists every problem with its frame')
})

errors('should list a single problem as itself', () => {
  const error = errorOf(() => transform('/** @mcache ttl=soon */\nexport function f(n: number) { return n }', ID, { root: ROOT }))
  assert.equal(error.errors, [error])
})

const warnings = suite('transform: warnings for misspelt tags')

/** The warnings a file gives, and the transform's result. */
function warningsOf(code: string): { texts: string[]; result: ReturnType<typeof transform>; all: TransformWarning[] } {
  const all: TransformWarning[] = []
  const result = transform(code, ID, { root: ROOT, onWarning: (w) => all.push(w) })
  return { texts: all.map((w) => w.text), result, all }
}

warnings('should warn with a "did you mean" for close misspellings, and cache nothing for them', () => {
  for (const [tag, meant] of [
    ['cahce', 'cache'],
    ['cached', 'cache'],
    ['caches', 'cache'],
    ['cach', 'cache'],
    ['Cache', 'cache'],
    ['CACHE', 'cache'],
    ['mcahce', 'mcache'],
    ['mcach', 'mcache'],
    ['MCache', 'mcache'],
    ['bcahce', 'bcache'],
    ['fcahe', 'fcache'],
    ['acahce', 'acache'],
    ['uccache', 'ucache'],
    ['memo', 'mcache'],
    ['memoize', 'mcache'],
    ['memoized', 'mcache'],
    ['cacheable', 'cache'],
  ] as const) {
    const { texts, result } = warningsOf(`/** @${tag} */\nexport function f(n: number) { return n }\n`)
    assert.equal(texts, [`unknown tag @${tag} (did you mean @${meant}?): twat-cache ignores it, so this function is not cached`], tag)
    assert.is(result, null, `@${tag} is not a cache tag`)
  }
})

warnings('should not warn for real JSDoc and TypeDoc tags or other words', () => {
  const tags = [
    'callback',
    'category',
    'cancel',
    'catch',
    'class',
    'access',
    'deprecated',
    'each',
    'cash',
    'async',
    'cacheKey',
    'memory',
    'macro',
    'hideCategories',
    'example',
  ]
  const code = `/**\n${tags.map((t) => ` * @${t} x`).join('\n')}\n */\nexport function f(n: number) { return n }\n/** @mcache */\nexport function g(n: number) { return n }\n`
  const { texts, result } = warningsOf(code)
  assert.equal(texts, [])
  assert.match(result!.code, '__twat_mcache(', 'the real tag beside them is rewritten')
})

warnings('should give each warning file, line, column, a frame and a message, like an error', () => {
  const { all } = warningsOf('const x = 1\n/**\n * Docs.\n * @cahce ttl=1m\n */\nexport function f(n: number) { return n }\n')
  const [warning] = all
  assert.instance(warning, TransformWarning)
  assert.equal([warning!.file, warning!.line, warning!.column, warning!.length], ['/project/src/a.ts', 4, 4, 6])
  assert.is(warning!.frame, '4 |  * @cahce ttl=1m\n  |    ^^^^^^')
  assert.is(warning!.message, `src/a.ts:4:4: ${warning!.text}\n${warning!.frame}`)
})

warnings('should report warnings before throwing the errors of the same file', () => {
  const seen: string[] = []
  assert.throws(
    () =>
      transform(
        '/** @cahce */\nexport function f(n: number) { return n }\n/** @mcache ttl=soon */\nexport function g(n: number) { return n }\n',
        ID,
        { root: ROOT, onWarning: (w) => seen.push(w.text) },
      ),
    (e: unknown) => e instanceof TransformError,
  )
  assert.is(seen.length, 1)
  assert.match(seen[0]!, '@cahce')
})

warnings('should not warn when disabled', () => {
  assert.is(
    transform('/** @cahce */\nexport function f(n: number) { return n }\n', ID, {
      root: ROOT,
      enabled: false,
      onWarning: () => assert.unreachable('warned'),
    }),
    null,
  )
})

const lazy = suite('transform: TypeScript and magic-string are loaded on first use')

lazy('should not load typescript or magic-string until a file with a trigger arrives', () => {
  // A fresh process: this one has loaded TypeScript already.
  const script = `
    import { createRequire } from 'node:module'
    const require = createRequire(import.meta.url)
    const loaded = () => Object.keys(require.cache).filter((f) => /[\\/]node_modules[\\/](typescript|magic-string)[\\/]/.test(f)).map((f) => f.includes('typescript') ? 'typescript' : 'magic-string')
    const { transform } = await import(${JSON.stringify(path.resolve('src/transform/index.ts'))})
    const states = [loaded()]
    transform('export const x = 1', '/p/a.ts', { root: '/p' })
    states.push(loaded())
    transform('/** @mcache */ export const f = (n: number) => n', '/p/a.ts', { root: '/p' })
    states.push([...new Set(loaded())].sort())
    console.log(JSON.stringify(states))
  `
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.is(run.status, 0, run.stderr)
  assert.equal(JSON.parse(run.stdout), [[], [], ['magic-string', 'typescript']])
})

const maps = suite('transform: source maps')

maps('should map positions in the output back to the original line and column', () => {
  const code = [
    '/** @cache mcache maxsize=10 */',
    'export function fib(n: number): number {',
    '  return n < 2 ? n : fib(n - 1) + fib(n - 2)',
    '}',
    '',
  ].join('\n')
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
  const reporter = new ErrorReporter('a.ts', 'a.ts', source)
  assert.equal(findCacheTags(source, 0, source.length, reporter), [], 'the broken tag is left out')
  assert.throws(() => reporter.throwIfAny(), /unexpected "'" after the value of c/)
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
    assert.equal(
      after.filter((d) => !before.has(d)),
      [],
      `new diagnostics in ${fixture.name}`,
    )
  }
  assert.ok(fixtures.length >= 20, `checked ${fixtures.length} fixtures`)
})

types('should report a real type error in transformed code (the check can fail)', () => {
  const out = transform('/** @mcache */\nexport function f(n: number): string { return n }\n', ID, { root: ROOT })!.code
  const diagnostics = typeCheck(out, 'out-failing.ts')
  assert.equal(
    diagnostics.map((d) => d.replace(/^(\d+):\d+ /, '$1 ')),
    ["2 Type 'number' is not assignable to type 'string'."],
  )
})

fastPath.run()
disabled.run()
ids.run()
errors.run()
warnings.run()
lazy.run()
maps.run()
tags.run()
types.run()
