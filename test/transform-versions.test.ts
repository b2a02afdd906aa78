/**
 * Versions that follow dependencies, beyond the fixtures: the normalised token stream, memory caches, imports
 * through cycles, tsconfig path aliases, Node's resolution rules, packages and built-ins, one read per module per
 * build, watch rebuilds, the files a bundler must watch, class members, marker calls, and the tsc plugin's own
 * resolution. Each test writes a small project to a temporary folder.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { ModuleGraph, TransformError, transform, type TransformOptions } from '../src/transform/index.js'
import { versionOf } from '../src/transform/ids.js'
import { normalisedTokens } from '../src/transform/tokens.js'
import { useTypeScript } from '../src/transform/typescript.js'
import twatCacheProgramTransformer from '../src/transform/tsc.js'
import { createCacheConfig } from '../src/runtime/options/config.js'
import { versionsIn } from './support/transform-fixtures.js'

useTypeScript(ts)

const folders: string[] = []
process.once('exit', () => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true })
})

/** A project in a temporary folder; `write` adds or replaces files. */
function project(files: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twat-versions-'))
  folders.push(dir)
  const write = (more: Record<string, string>) => {
    for (const [name, text] of Object.entries(more)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
      fs.writeFileSync(path.join(dir, name), text)
    }
  }
  write(files)
  /** The versions of `file`'s sites, transformed from disk. */
  const versions = (options: TransformOptions = {}, file = 'input.ts'): Map<string, string> => {
    const full = path.join(dir, file)
    const result = transform(fs.readFileSync(full, 'utf8'), full, { root: dir, onWarning: () => undefined, ...options })
    if (!result) throw new Error(`${file} was not rewritten`)
    return versionsIn(result.code)
  }
  return { dir, write, versions }
}

/** The one version of a project's input.ts (which must have exactly one site). */
function onlyVersion(versions: Map<string, string>): string {
  assert.is(versions.size, 1, `expected one site, got ${[...versions.keys()].join(', ')}`)
  return [...versions.values()][0]!
}

const tokens = suite('versions: the normalised token stream')

tokens('should skip whitespace and comments, and keep every token of code', () => {
  const a = normalisedTokens('function f(a) {\n  // note\n  return a + 1 /* one */\n}')
  assert.is(normalisedTokens('function f(a){return a+1}'), a)
  assert.is.not(normalisedTokens('function f(a){return a+2}'), a)
  assert.is.not(normalisedTokens('function f(a){return a++1}'), a, '`+ 1` and `++1` differ')
  assert.is(normalisedTokens('function f(a) {\r\n  // note\r\n  return a + 1 /* one */\r\n}'), a, 'Windows line endings')
})

tokens('should keep what is inside strings, templates and regular expressions', () => {
  const template = 'const s = `a  ${ x } b`'
  assert.is.not(normalisedTokens('const s = `a ${ x } b`'), normalisedTokens(template), 'spaces in template text count')
  assert.is(normalisedTokens('const s = `a  ${x} b`'), normalisedTokens(template), 'spaces in the substitution do not')
  assert.is.not(normalisedTokens('s.replace(/a b/g, "")'), normalisedTokens('s.replace(/a  b/g, "")'), 'spaces in a regex count')
  assert.is.not(normalisedTokens('f("a b")'), normalisedTokens('f("a  b")'))
  assert.is(normalisedTokens("f('a b')"), normalisedTokens('f("a b")'), 'quote style does not count')
  assert.is(normalisedTokens('const n = `${`${a}`}`'), normalisedTokens('const n = `${ `${ a }` }`'), 'nested templates')
})

tokens('should drop what formatters add or remove without changing the code', () => {
  assert.is(normalisedTokens('a();\nb();\n'), normalisedTokens('a()\nb()\n'), 'semicolons at the end of a line')
  assert.is(normalisedTokens('f(a, b,)'), normalisedTokens('f(a, b)'), 'a trailing comma')
  assert.is(normalisedTokens('const o = { a: 1, }'), normalisedTokens('const o = { a: 1 }'))
  assert.is(normalisedTokens('xs.map((x) => x * 2)'), normalisedTokens('xs.map(x => x * 2)'), 'arrow parentheses')
  assert.is(normalisedTokens('return;\n}'), normalisedTokens('return\n}'))
  // What Biome or Prettier do to a one-line block: statements on lines of their own, separating semicolons gone.
  assert.is(
    normalisedTokens('const f = (ms) => { const end = Date.now() + ms; while (Date.now() < end); }'),
    normalisedTokens('const f = (ms) => {\n  const end = Date.now() + ms\n  while (Date.now() < end);\n}'),
    'a separating semicolon is the line break it stands for',
  )
  assert.is(
    normalisedTokens('foo(() => { a(); b() })'),
    normalisedTokens('foo(() => {\n  a()\n  b()\n})'),
    'in a block within parentheses too',
  )
  assert.is(normalisedTokens('return; x'), normalisedTokens('return\nx'), 'return; is return and a line break')
})

tokens('should keep what changes the meaning: a line break after return, a separating semicolon, an elision', () => {
  assert.is.not(normalisedTokens('return\nx'), normalisedTokens('return x'), 'return\\nx returns undefined')
  assert.is.not(normalisedTokens('a;\n(b)'), normalisedTokens('a\n(b)'), 'a\\n(b) calls a')
  assert.is.not(normalisedTokens('a;\n[b]'), normalisedTokens('a\n[b]'))
  assert.is.not(normalisedTokens('[a,,]'), normalisedTokens('[a,]'), 'an array of two, and of one')
  assert.is.not(normalisedTokens('a\n++b'), normalisedTokens('a++\nb'))
  assert.is.not(normalisedTokens('return; x'), normalisedTokens('return x'), 'return; returns undefined')
  assert.is.not(normalisedTokens('a; (b)'), normalisedTokens('a (b)'), 'a (b) calls a')
  assert.is.not(normalisedTokens('for (a;; b) {}'), normalisedTokens('for (a; b;) {}'), 'a for header: condition and update')
  assert.is.not(normalisedTokens('a; ++b'), normalisedTokens('a++; b'))
})

const sites = suite('versions: what a site follows')

sites('should give a memory cache the hash of its text, whatever it reads', () => {
  const text = '/** @mcache */\nexport function f(n: number) {\n  return helper(n)\n}\n'
  const p = project({ 'input.ts': `function helper(n: number) { return n }\n${text}` })
  const before = onlyVersion(p.versions())
  assert.is(before, versionOf('export function f(n: number) {\n  return helper(n)\n}'), 'the text, as before')
  p.write({ 'input.ts': `function helper(n: number) { return n + 1 }\n${text}` })
  assert.is(onlyVersion(p.versions()), before, 'memory caches ignore versions')
})

sites('should follow only persistent acache and ucache sites: a shared store or a folder', () => {
  const source = (tag: string) =>
    `function helper(n: number) { return n }\n/** ${tag} */\nexport async function f(n: number) { return helper(n) }\n`
  const edited = (tag: string) => source(tag).replace('return n }', 'return n * 2 }')
  const changes = (tag: string): boolean => {
    const p = project({ 'input.ts': source(tag) })
    const before = onlyVersion(p.versions())
    p.write({ 'input.ts': edited(tag) })
    return onlyVersion(p.versions()) !== before
  }
  assert.ok(changes('@acache backend=redis'))
  assert.ok(changes('@acache url="redis://127.0.0.1:6379"'))
  assert.not.ok(changes('@acache'), 'acache on its in-process store')
  assert.not.ok(changes('@acache backend=memory'))
  assert.ok(changes('@ucache folder_name=reports'))
  assert.ok(changes('@ucache preferred_engine=file'))
  assert.not.ok(changes('@ucache'), 'an async function without options: acache in memory')
  assert.not.ok(changes('@ucache use_async=true folder_name=x'), 'useAsync wins: acache in memory')
})

sites('should not count a type-only import (here or in an imported module), nor a declaration the function does not read', () => {
  const p = project({
    'types.ts': 'export interface Page { title: string }\n',
    'upper.ts':
      "import type { Page } from './types.js'\nexport type { Page } from './types.js'\nexport const upper = (p: Page) => p.title.toUpperCase()\n",
    'input.ts':
      "import type { Page } from './types.js'\nimport { upper } from './upper.js'\nexport function unused() { return 1 }\n/** @bcache */\nexport function title(page: Page) { return upper(page) }\n",
  })
  const before = onlyVersion(p.versions())
  p.write({ 'types.ts': 'export interface Page { title: string; subtitle?: string }\n' })
  p.write({ 'input.ts': fs.readFileSync(path.join(p.dir, 'input.ts'), 'utf8').replace('return 1', 'return 2') })
  assert.is(onlyVersion(p.versions()), before)
})

sites('should follow the class members a method reads through this, and not the others', () => {
  const source = (rate: string, other: string) => `export class Prices {
  rate() { return ${rate} }
  other() { return ${other} }
  /** @bcache key=String */
  gross(net: number) { return net * this.rate() }
}
`
  const p = project({ 'input.ts': source('1.2', '1') })
  const before = onlyVersion(p.versions())
  p.write({ 'input.ts': source('1.2', '2') })
  assert.is(onlyVersion(p.versions()), before, 'a member it does not read')
  p.write({ 'input.ts': source('1.25', '2') })
  assert.is.not(onlyVersion(p.versions()), before, 'a member it reads')
})

sites('should follow a statement run at load time that changes a binding the function reads', () => {
  const source = (value: number) =>
    `const table = new Map<string, number>()\ntable.set('a', ${value})\n/** @bcache */\nexport const lookup = (k: string) => table.get(k)\n`
  const p = project({ 'input.ts': source(1) })
  const before = onlyVersion(p.versions())
  p.write({ 'input.ts': source(2) })
  assert.is.not(onlyVersion(p.versions()), before)
})

sites('should follow what marker calls read, and literal dynamic imports', () => {
  const p = project({
    'lazy.ts': 'export const answer = 41\n',
    'input.ts':
      "import { bcache } from 'twat-cache'\nconst base = 1\nexport const load = bcache(async (id: string) => (await import('./lazy.js')).answer + base + id.length)\n",
  })
  const before = onlyVersion(p.versions())
  p.write({ 'lazy.ts': 'export const answer = 42\n' })
  const afterImport = onlyVersion(p.versions())
  assert.is.not(afterImport, before, 'the module import() names')
  p.write({ 'input.ts': fs.readFileSync(path.join(p.dir, 'input.ts'), 'utf8').replace('base = 1', 'base = 2') })
  assert.is.not(onlyVersion(p.versions()), afterImport, 'a constant the marker’s function reads')
})

sites('should reject a bad versionScope at build time; the runtime accepts it and ignores it', () => {
  let caught: unknown
  try {
    transform('/** @bcache version_scope=everything */\nexport function f() { return 1 }\n', '/p/a.ts', { root: '/p' })
  } catch (error) {
    caught = error
  }
  assert.instance(caught, TransformError)
  assert.match((caught as TransformError).text, 'expected one of function, module, deps')
  const config = createCacheConfig({ versionScope: 'module' })
  assert.not.ok('versionScope' in config, 'a build-time option: nothing in the runtime config')
  const out = transform('/** @bcache version_scope=module */\nexport function f() { return 1 }\n', '/p/a.ts', { root: '/p' })!.code
  assert.not.match(out, 'versionScope', 'not passed to the runtime')
})

const modules = suite('versions: imported modules')

sites('should not depend on where the project lives (versions are the same on every machine)', () => {
  const files = {
    'text.ts': 'export const slug = (s: string) => s.toLowerCase()\n',
    'input.ts': "import { slug } from './text.js'\n/** @bcache */\nexport const f = (s: string) => slug(s)\n",
  }
  assert.is(onlyVersion(project(files).versions()), onlyVersion(project(files).versions()))
})

modules('should follow imports through a cycle, and give every order of discovery the same version', () => {
  const files = {
    'a.ts': "import { b } from './b.js'\nexport const a = () => b() + 1\n",
    'b.ts': "import { a } from './a.js'\nimport { c } from './c.js'\nexport const b = () => c\nexport const useA = () => a\n",
    'c.ts': 'export const c = 1\n',
    'input.ts': "import { a } from './a.js'\n/** @bcache */\nexport const f = () => a()\n",
  }
  const p = project(files)
  const first = onlyVersion(p.versions())
  // The same graph, reaching the cycle through b first: the component's digest must not depend on the order.
  const graph = new ModuleGraph()
  graph.moduleDigest(path.join(p.dir, 'b.ts'))
  assert.is(onlyVersion(p.versions({ moduleGraph: graph })), first)
  p.write({ 'c.ts': 'export const c = 2\n' })
  assert.is.not(onlyVersion(p.versions()), first, 'an edit beyond the cycle')
})

modules('should resolve tsconfig paths aliases, index files, .js to .ts, plain JavaScript and JSON', () => {
  const p = project({
    'tsconfig.json': JSON.stringify({
      compilerOptions: { baseUrl: '.', paths: { '@lib/*': ['lib/*'] }, module: 'ESNext', moduleResolution: 'Bundler' },
    }),
    'lib/text.ts': 'export const slug = (s: string) => s.toLowerCase()\n',
    'dir/index.ts': 'export const fromIndex = 1\n',
    'util.ts': 'export const util = 1\n',
    'plain.js': 'export const plain = 1\n',
    'data.json': '{ "rate": 1 }\n',
    'input.ts': `import { slug } from '@lib/text'
import { fromIndex } from './dir'
import { util } from './util.js'
import { plain } from './plain.js'
import data from './data.json'
/** @bcache */
export const f = (s: string) => slug(s) + fromIndex + util + plain + data.rate
`,
  })
  let previous = onlyVersion(p.versions())
  for (const [file, text] of [
    ['lib/text.ts', 'export const slug = (s: string) => s.toUpperCase()\n'],
    ['dir/index.ts', 'export const fromIndex = 2\n'],
    ['util.ts', 'export const util = 2\n'],
    ['plain.js', 'export const plain = 2\n'],
    ['data.json', '{ "rate": 2 }\n'],
  ] as const) {
    p.write({ [file]: text })
    const next = onlyVersion(p.versions())
    assert.is.not(next, previous, `an edit of ${file}`)
    previous = next
  }
})

modules('should count packages by name and version, and Node built-ins by name', () => {
  const p = project({
    'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version: '1.0.0', main: 'index.js' }),
    'node_modules/pad/index.js': 'module.exports = (s) => s\n',
    'input.ts':
      "import pad from 'pad'\nimport { readFileSync } from 'node:fs'\nimport path from 'path'\n/** @bcache */\nexport const f = (s: string) => pad(s) + readFileSync.name + path.sep\n",
  })
  const before = onlyVersion(p.versions())
  p.write({ 'node_modules/pad/index.js': 'module.exports = (s) => s + " "\n' })
  assert.is(onlyVersion(p.versions()), before, 'the content of an installed package does not count')
  p.write({ 'node_modules/pad/package.json': JSON.stringify({ name: 'pad', version: '1.0.1', main: 'index.js' }) })
  assert.is.not(onlyVersion(p.versions()), before, 'its version does')
})

modules('should read each module once per build, and list the files the versions depend on', () => {
  const p = project({
    'deep.ts': 'export const deep = 1\n',
    'shared.ts': "import { deep } from './deep.js'\nexport const shared = deep\n",
    'one.ts': "import { shared } from './shared.js'\n/** @bcache */\nexport const one = () => shared\n",
    'two.ts': "import { shared } from './shared.js'\n/** @bcache */\nexport const two = () => shared + 1\n",
  })
  const reads = new Map<string, number>()
  const graph = new ModuleGraph({
    readFile: (file) => {
      reads.set(path.basename(file), (reads.get(path.basename(file)) ?? 0) + 1)
      return fs.readFileSync(file, 'utf8')
    },
  })
  const run = (file: string) => {
    const full = path.join(p.dir, file)
    return transform(fs.readFileSync(full, 'utf8'), full, { root: p.dir, moduleGraph: graph })!
  }
  const result = run('one.ts')
  run('two.ts')
  assert.equal(Object.fromEntries(reads), { 'shared.ts': 1, 'deep.ts': 1 }, 'two files of one build, one read each')
  assert.equal([...result.dependencies].map((f) => path.basename(f)).sort(), ['deep.ts', 'shared.ts'])
  graph.startBuild()
  run('one.ts')
  assert.equal(Object.fromEntries(reads), { 'shared.ts': 2, 'deep.ts': 2 }, 'a new build reads again')
})

modules('should see an edit in watch mode at the next build, not in the middle of one', () => {
  const p = project({
    'helper.ts': 'export const helper = 1\n',
    'input.ts': "import { helper } from './helper.js'\n/** @bcache */\nexport const f = () => helper\n",
  })
  const graph = new ModuleGraph()
  const before = onlyVersion(p.versions({ moduleGraph: graph }))
  p.write({ 'helper.ts': 'export const helper = 1000\n' })
  assert.is(onlyVersion(p.versions({ moduleGraph: graph })), before, 'within one build, each file is read once')
  graph.startBuild()
  assert.is.not(onlyVersion(p.versions({ moduleGraph: graph })), before, 'the next build sees the edit')
  assert.is(onlyVersion(p.versions()), onlyVersion(p.versions({ moduleGraph: graph })), 'the same version without a graph')
})

modules('should resolve as the program does in the tsc plugin, reading its source files', () => {
  const p = project({
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        baseUrl: '.',
        paths: { '#text': ['./src/text.ts'] },
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
    }),
    'src/text.ts': 'export const slug = (s: string) => s.toLowerCase()\n',
    'src/input.ts': "import { slug } from '#text'\n/** @bcache */\nexport const f = (s: string) => slug(s)\n",
  })
  const versionFromProgram = (): string => {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      path.join(p.dir, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    )!
    const host = ts.createCompilerHost(parsed.options)
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host })
    const rebuilt = twatCacheProgramTransformer(program, host, {}, { ts })
    return onlyVersion(versionsIn(rebuilt.getSourceFile(path.join(p.dir, 'src/input.ts'))!.text))
  }
  const before = versionFromProgram()
  assert.is(before, onlyVersion(p.versions({}, 'src/input.ts')), 'the same version as the bundler plugins')
  p.write({ 'src/text.ts': 'export const slug = (s: string) => s.toUpperCase()\n' })
  assert.is.not(versionFromProgram(), before)
})

tokens.run()
sites.run()
modules.run()
