/**
 * Documentation tests: every fenced TypeScript block of README.md, CONTRIBUTING.md and docs/*.md marked `run`,
 * `build` or `check` (an info string such as ```ts run) is extracted, type-checked against the built package's
 * types, and — `run` and `build` — executed, so the examples cannot drift from the code. A line ending in
 * `// → value` asserts that its expression equals the value. The convention is described in CONTRIBUTING.md
 * ("Documentation tests"). Needs a build (dist/): `import … from 'twat-cache'` resolves to the package itself.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { REPO_ROOT } from './support/child.js'
import { transform } from '../src/transform/index.js'

/** What a mark asks for: `run` and `build` blocks are type-checked and executed, `check` blocks type-checked. */
export const MARKS = ['run', 'build', 'check'] as const
export type Mark = (typeof MARKS)[number]

export interface DocBlock {
  /** The document, relative to the repository root. */
  readonly doc: string
  /** 1-based line of the opening fence. */
  readonly line: number
  readonly lang: string
  readonly mark: Mark | undefined
  /** Words of the info string after the language that are not a mark (reported as mistakes). */
  readonly unknownWords: readonly string[]
  readonly code: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/

/** Every fenced block of a markdown text (indented fences inside list items too), with its place and mark. */
export function extractBlocks(markdown: string, doc: string): DocBlock[] {
  const lines = markdown.split('\n')
  const blocks: DocBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!)
    if (!open) continue
    const [, indent, fence, info] = open as unknown as [string, string, string, string]
    const body: string[] = []
    let end = i + 1
    for (; end < lines.length; end++) {
      const close = FENCE.exec(lines[end]!)
      if (close && close[2]!.startsWith(fence) && close[3]!.trim() === '') break
      body.push(lines[end]!.startsWith(indent) ? lines[end]!.slice(indent.length) : lines[end]!)
    }
    const [lang = '', ...words] = info.trim().split(/\s+/).filter(Boolean)
    const mark = words.find((w): w is Mark => (MARKS as readonly string[]).includes(w))
    blocks.push({ doc, line: i + 1, lang, mark, unknownWords: words.filter((w) => w !== mark), code: body.join('\n') })
    i = end
  }
  return blocks
}

/** `expression // → expected` (an optional ` — explanation` after the value is prose). */
const EXPECTATION = /^(\s*)(.*\S)\s+\/\/ → (.+?)(?:\s+—\s.*)?$/

/** Declared once at the end of every generated file (function declarations and imports are hoisted). */
const EXPECT_HELPER = [
  "import { deepStrictEqual as __docEqual } from 'node:assert'",
  'function __docExpect(actual: unknown, expected: unknown, where: string): void {',
  '  try { __docEqual(actual, expected) } catch (error) { throw new Error(`${where}: ${(error as Error).message}`) }',
  '}',
].join('\n')

/**
 * The module a block becomes: its lines unchanged (so diagnostics map back line for line), `// → value` lines as
 * assertions, then the assertion helper, and `export {}` so every block is a module of its own.
 */
export function moduleOf(block: DocBlock): string {
  const lines = block.code.split('\n').map((text, index) => {
    const expectation = EXPECTATION.exec(text)
    if (!expectation) return text
    const [, indent, expression, expected] = expectation as unknown as [string, string, string, string]
    const where = `${block.doc}:${block.line + 1 + index}`
    // A leading `;` guards a line that starts with `(` against the line before; it stays in front of the call.
    const guard = expression.startsWith(';') ? ';' : ''
    return `${indent}${guard}__docExpect(${expression.slice(guard.length).replace(/;$/, '')}, ${expected}, ${JSON.stringify(where)})`
  })
  return `${lines.join('\n')}\n${EXPECT_HELPER}\nexport {}\n`
}

/** Options of a user's strict ES module project; `twat-cache` resolves to this package (its exports and types). */
const CHECK_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  esModuleInterop: true,
  noEmit: true,
}

export interface PreparedBlock {
  readonly block: DocBlock
  readonly file: string
  readonly source: string
}

/** Write each block into `folder` (inside the repository, so that `twat-cache` is this package). */
export function prepare(blocks: readonly DocBlock[], folder: string): PreparedBlock[] {
  return blocks.map((block) => {
    const file = path.join(folder, `${block.doc.replace(/[\\/]/g, '_').replace(/\.md$/, '')}-${block.line}.ts`)
    const source = moduleOf(block)
    writeFileSync(file, source)
    return { block, file, source }
  })
}

/** Type errors of the prepared blocks, each as `doc:line:col message` (lines of the markdown file). */
export function typeErrors(prepared: readonly PreparedBlock[]): string[] {
  const program = ts.createProgram(
    prepared.map((p) => p.file),
    CHECK_OPTIONS,
  )
  const byFile = new Map(prepared.map((p) => [p.file, p.block]))
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    const block = d.file && byFile.get(path.resolve(d.file.fileName))
    if (!d.file || !block) return message
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0)
    return `${block.doc}:${block.line + 1 + line}:${character + 1} ${message}`
  })
}

const TSX = import.meta.resolve('tsx')
const RUN_TIMEOUT_MS = 60_000

export interface RunResult {
  readonly code: number | null
  readonly output: string
}

/**
 * Run a prepared block in its own Node process through tsx, in an empty working folder, with persistent caches in a
 * folder of their own (TWAT_CACHE_DIR). A `build` block is first rewritten by the transform, as a plugin would.
 */
export function runBlock(prepared: PreparedBlock, workFolder: string): Promise<RunResult> {
  if (prepared.block.mark === 'build') {
    const result = transform(prepared.source, prepared.file, { root: path.dirname(prepared.file) })
    if (!result)
      throw new Error(`${prepared.block.doc}:${prepared.block.line}: a build block with no cache tag or marker call for the transform`)
    writeFileSync(prepared.file, result.code)
  }
  const env: NodeJS.ProcessEnv = { ...process.env, TWAT_CACHE_DIR: path.join(workFolder, 'cache'), FORCE_COLOR: '0' }
  delete env.TWAT_CACHE_DISABLE
  delete env.TWAT_CACHE_CHECK
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, prepared.file], { cwd: workFolder, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/** The documents whose blocks are tested: README.md, CONTRIBUTING.md and every docs/*.md. */
export function documents(): string[] {
  const docs = readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
  return ['README.md', 'CONTRIBUTING.md', ...docs.sort()]
}

const TESTED_LANGUAGES = new Set(['ts'])
const allBlocks = documents().flatMap((doc) => extractBlocks(readFileSync(path.join(REPO_ROOT, doc), 'utf8'), doc))
const marked = allBlocks.filter((b) => b.mark !== undefined)

const scratch = path.join(REPO_ROOT, '.tmp')
mkdirSync(scratch, { recursive: true })
const folder = mkdtempSync(path.join(scratch, 'doc-tests-'))
process.once('exit', () => rmSync(folder, { recursive: true, force: true }))
const prepared = prepare(marked, folder)

const docs = suite('documentation code blocks', { timeoutMs: 120_000 })

docs('should find marked blocks in the README and in docs/', () => {
  assert.ok(
    marked.some((b) => b.doc === 'README.md'),
    'README.md has no marked block',
  )
  for (const doc of ['docs/migration-from-python.md', 'docs/troubleshooting.md']) {
    assert.ok(
      marked.some((b) => b.doc === doc && b.mark === 'run'),
      `${doc} has no run block`,
    )
  }
  assert.ok(
    marked.some((b) => b.mark === 'build'),
    'no build block anywhere',
  )
})

docs('should mark only TypeScript blocks, with known marks', () => {
  const mistakes = allBlocks.flatMap((b) => [
    ...b.unknownWords.map((w) => `${b.doc}:${b.line}: unknown mark "${w}" (the marks are ${MARKS.join(', ')})`),
    ...(b.mark && !TESTED_LANGUAGES.has(b.lang)
      ? [`${b.doc}:${b.line}: "${b.mark}" on a ${b.lang || 'plain'} block; only ts blocks are tested`]
      : []),
  ])
  assert.equal(mistakes, [])
})

docs('should type-check every marked block against the package types', () => {
  assert.equal(typeErrors(prepared), [])
})

for (const p of prepared.filter((p) => p.block.mark === 'run' || p.block.mark === 'build')) {
  docs(`should run ${p.block.doc}:${p.block.line} (${p.block.mark})`, async () => {
    const work = mkdtempSync(path.join(folder, 'work-'))
    const result = await runBlock(p, work)
    assert.is(result.code, 0, `${p.block.doc}:${p.block.line} failed:\n${result.output}`)
  })
}

// The harness itself: an expectation that does not hold, and a type error, must fail.
docs('should fail a block whose // → expectation does not hold, naming its line', async () => {
  const [block] = extractBlocks(['# t', '```ts run', 'const n = 1 + 1', 'n // → 3', '```'].join('\n'), 'self-test.md')
  const [p] = prepare([block!], mkdtempSync(path.join(folder, 'self-')))
  const result = await runBlock(p!, mkdtempSync(path.join(folder, 'work-')))
  assert.is.not(result.code, 0)
  assert.match(result.output, 'self-test.md:4')
  const [good] = prepare(
    extractBlocks(['```ts run', 'const n = 1 + 1', 'n // → 2 — two', '```'].join('\n'), 'self-ok.md'),
    mkdtempSync(path.join(folder, 'self-')),
  )
  assert.is((await runBlock(good!, mkdtempSync(path.join(folder, 'work-')))).code, 0)
})

docs('should report a type error at its line in the markdown file', () => {
  const blocks = extractBlocks(
    ['intro', '', '```ts check', "import { mcache } from 'twat-cache'", 'mcache(1)', '```'].join('\n'),
    'self-types.md',
  )
  const errors = typeErrors(prepare(blocks, mkdtempSync(path.join(folder, 'self-'))))
  assert.is(errors.length, 1, errors.join('\n'))
  assert.match(errors[0]!, /^self-types\.md:5:/)
})

docs.run()
