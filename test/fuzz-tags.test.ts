// Fuzzing the tag parser and the transform: thousands of mutated tags and marker calls (random option strings,
// quotes, brackets, unicode, newlines, nested `*/`, Object.prototype names). The transform must never fail with
// anything but our own errors, never take long, and every output must parse. Seeded, so a failure reproduces.
import ts from 'typescript'
import * as assert from 'uvu/assert'
import { createCacheConfig, ValidationError } from '../src/runtime/index.js'
import { TransformError, transform } from '../src/transform/index.js'
import { suite } from './support/suite.js'

const test = suite('fuzz: tags and marker calls', { timeoutMs: 120_000 })

/** mulberry32: a tiny seeded PRNG, so every run tries the same inputs (hand-written: four lines). */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  'hasOwnProperty',
  '__proto__',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
]
const NAMES = [
  'maxsize',
  'ttl',
  'policy',
  'folder_name',
  'key',
  'name',
  'version',
  'compress',
  'compress_level',
  'strict',
  'maxSize',
  'tll',
  ...PROTOTYPE_NAMES,
]
const VALUES = [
  '10',
  '-1',
  '1_000',
  '1.5',
  '10m',
  '500ms',
  'true',
  'null',
  'lru',
  'lfu',
  'gzip',
  '"a b"',
  "'x'",
  '[a, b]',
  '[]',
  '[1, [2]',
  '"unterminated',
  'é',
  '🙂',
  '\\',
  '=',
  '',
  '*/',
  '/*',
  '`',
  '${x}',
  '0x10',
  'NaN',
  'Infinity',
]
const KINDS = ['', 'mcache', 'bcache', 'fcache', 'acache', 'ucache', 'mcahce', 'cache', 'xcache']
const NOISE = [' ', '  ', '\n * ', '\t', '=', '[', ']', '"', "'", ',', '*/', '/**', '@', '@cache', '\u2028', '\u0000', 'ü', '*', '{', '}']

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}

function randomTag(random: () => number): string {
  let body = `@${pick(random, ['cache', 'mcache', 'bcache', 'acache', 'ucache', 'fcache', 'cahce', 'cached'])} ${pick(random, KINDS)}`
  const count = Math.floor(random() * 5)
  for (let i = 0; i < count; i++) {
    body += random() < 0.15 ? pick(random, NOISE) : ` ${pick(random, NAMES)}=${pick(random, VALUES)}`
    if (random() < 0.1) body += pick(random, NOISE)
  }
  return body
}

function randomSite(random: () => number, tag: string): string {
  switch (Math.floor(random() * 5)) {
    case 0:
      return `/** ${tag} */\nexport function f(n: number) {\n  return n * 2\n}\n`
    case 1:
      return `/**\n * Doc.\n * ${tag}\n */\nexport const g = async (s: string) => s\n`
    case 2:
      return `class C {\n  /** ${tag} */\n  m(x: number) { return x }\n}\nexport { C }\n`
    case 3:
      return `const o = {\n  /** ${tag} */\n  m(x: number) { return x },\n}\nexport { o }\n`
    default: {
      const name = pick(random, NAMES).replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
      const value = pick(random, ['1', '"10m"', "'lfu'", 'null', 'true', '[1]', '-1', 'undefined', '() => 1'])
      return `import { ${pick(random, ['mcache', 'bcache', 'acache'])} as cache } from 'twat-cache'\nexport const h = cache((n: number) => n, { ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)}: ${value} })\n`
    }
  }
}

function parses(code: string): boolean {
  const file = ts.createSourceFile('out.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  return ((file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0) === 0
}

test('should only ever return null, code that parses, or a TransformError, quickly, for 3,000 mutated sites', () => {
  const random = prng(20261204)
  const outcomes = { unchanged: 0, rewritten: 0, errors: 0, warnings: 0 }
  let slowest = 0
  for (let i = 0; i < 3000; i++) {
    const source = randomSite(random, randomTag(random))
    const started = performance.now()
    try {
      const result = transform(source, `/project/src/case-${i}.ts`, { root: '/project', onWarning: () => void outcomes.warnings++ })
      if (result === null) outcomes.unchanged++
      else {
        outcomes.rewritten++
        assert.ok(parses(result.code), `case ${i}: the output does not parse\n--- input\n${source}\n--- output\n${result.code}`)
      }
    } catch (error) {
      if (!(error instanceof TransformError)) {
        assert.unreachable(`case ${i} threw ${(error as Error)?.name}: ${(error as Error)?.message}\n--- input\n${source}`)
      }
      outcomes.errors++
      assert.match(
        (error as TransformError).message,
        /^\/?[\w./-]*case-\d+\.ts:\d+:\d+: /,
        `case ${i}: the message starts with file:line:col`,
      )
    }
    slowest = Math.max(slowest, performance.now() - started)
  }
  // Each kind of outcome happened, so the generator explores all of them.
  assert.ok(
    outcomes.rewritten > 150 && outcomes.errors > 300 && outcomes.unchanged > 10 && outcomes.warnings > 10,
    JSON.stringify(outcomes),
  )
  assert.ok(slowest < 2000, `the slowest case took ${slowest.toFixed(0)} ms`)
})

test('should make Object.prototype names ordinary unknown options, at run time and at build time', () => {
  for (const name of PROTOTYPE_NAMES) {
    assert.throws(
      () => createCacheConfig({ [name]: 1 } as never),
      (error: unknown) => error instanceof ValidationError && error.option === name && error.message.includes('unknown option'),
      `createCacheConfig({ ${name}: 1 })`,
    )
    if (name === '__proto__') continue // a tag cannot spell it as an own property; `{ __proto__: 1 }` sets the prototype
    try {
      transform(`/** @mcache ${name}=1 */\nexport function f(n: number) {\n  return n\n}\n`, '/project/src/a.ts', { root: '/project' })
      assert.unreachable(`@mcache ${name}=1 was accepted`)
    } catch (error) {
      assert.instance(error, TransformError)
      assert.match((error as TransformError).message, `unknown option "${name}"`)
    }
  }
})

test.run()
