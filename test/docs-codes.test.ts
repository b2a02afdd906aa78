/**
 * Every code a user can meet is documented: the warning and error codes (`TWAT_CACHE_*`), the error classes, the tsc
 * diagnostic codes, the warning codes of `twat-cache scan`, the command's exit codes and the environment variables
 * are collected from the source, and docs/troubleshooting.md must document each (codes and classes under a heading of
 * their own). A new code without its cause and fix there fails this test; so does a heading for a code that is gone.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './support/child.js'

/** Every TypeScript source file under src/, with its text. */
export function sourceFiles(root = path.join(REPO_ROOT, 'src')): { file: string; text: string }[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.c?ts$/.test(name) && !name.endsWith('.d.ts'))
    .sort()
    .map((name) => ({ file: path.join('src', name), text: readFileSync(path.join(root, name), 'utf8') }))
}

export interface SourceCodes {
  /** Warning and error codes: `TWAT_CACHE_*` names that are not environment variables. */
  readonly codes: string[]
  /** Environment variables read by the source (`TWAT_CACHE_*` names read from the environment). */
  readonly environment: string[]
  /** Classes of errors and warnings (`class XError`, `XWarning`, `XFailure`). */
  readonly classes: string[]
  /** Diagnostic codes twat-cache/tsc reports (`TS990001`). */
  readonly diagnostics: string[]
  /** Warning codes of `twat-cache scan` (`misspelt-tag`). */
  readonly scanWarnings: string[]
  /** Exit codes of the command. */
  readonly exitCodes: number[]
}

const unique = (values: Iterable<string>) => [...new Set(values)].sort()

/** The codes defined in `files` (see {@link SourceCodes}). */
export function collectCodes(files: readonly { file: string; text: string }[]): SourceCodes {
  const all = files.map((f) => f.text).join('\n')
  const names = unique([...all.matchAll(/\bTWAT_CACHE_[A-Z0-9_]+\b/g)].map((m) => m[0]))
  // Read through a helper (readEnv, isOn), process.env.X or env.X / env['X'].
  const environment = unique(
    [...all.matchAll(/(?:readEnv|isOn)\(\s*'(TWAT_CACHE_[A-Z0-9_]+)'|\benv(?:\.|\[')(TWAT_CACHE_[A-Z0-9_]+)/g)].map((m) => (m[1] ?? m[2])!),
  )
  const classes = unique([...all.matchAll(/\bclass (\w+(?:Error|Warning|Failure))\b/g)].map((m) => m[1]!))
  const diagnostics = unique([...all.matchAll(/\b(?:WARNING_)?DIAGNOSTIC_CODE = (\d+)/g)].map((m) => `TS${m[1]}`))
  const scanText = files
    .filter((f) => f.file.startsWith(path.join('src', 'cli')))
    .map((f) => f.text)
    .join('\n')
  const scanUnion = /export type WarningCode = ([^\n]+)/.exec(scanText)?.[1] ?? ''
  const scanWarnings = unique([...scanUnion.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!))
  const exitObject = /export const ExitCode = \{([\s\S]*?)\}/.exec(scanText)?.[1] ?? ''
  const exitCodes = [...new Set([...exitObject.matchAll(/^\s*\w+: (\d+),/gm)].map((m) => Number(m[1])))].sort()
  return { codes: names.filter((n) => !environment.includes(n)), environment, classes, diagnostics, scanWarnings, exitCodes }
}

/** The headings of a markdown text, without their `#`s. */
function headings(markdown: string): string[] {
  return [...markdown.matchAll(/^#{2,6} (.+)$/gm)].map((m) => m[1]!)
}

/** What `markdown` fails to document of `found`, one sentence per miss (empty when everything is there). */
export function undocumented(found: SourceCodes, markdown: string): string[] {
  const heads = headings(markdown)
  const headed = (text: string) => heads.some((h) => h.includes(text))
  const missing: string[] = []
  for (const code of found.codes) if (!headed(`\`${code}\``)) missing.push(`code ${code} has no heading`)
  for (const code of found.diagnostics) if (!headed(`\`${code}\``)) missing.push(`tsc diagnostic ${code} has no heading`)
  for (const code of found.scanWarnings) if (!headed(`\`[${code}]\``)) missing.push(`scan warning [${code}] has no heading`)
  for (const name of found.classes) if (!markdown.includes(`\`${name}\``)) missing.push(`class ${name} is not mentioned`)
  for (const name of found.environment) if (!markdown.includes(`\`${name}\``)) missing.push(`environment variable ${name} is not mentioned`)
  for (const exit of found.exitCodes)
    if (!new RegExp(`^\\| \`${exit}\` \\|`, 'm').test(markdown)) missing.push(`exit code ${exit} has no row`)
  return missing
}

/** Headings that name a `TWAT_CACHE_*` code the source no longer has. */
export function stale(found: SourceCodes, markdown: string): string[] {
  const known = new Set([...found.codes, ...found.environment])
  return headings(markdown).flatMap((h) => [...h.matchAll(/\bTWAT_CACHE_[A-Z0-9_]+\b/g)].map((m) => m[0]).filter((c) => !known.has(c)))
}

const found = collectCodes(sourceFiles())
const guide = readFileSync(path.join(REPO_ROOT, 'docs/troubleshooting.md'), 'utf8')

const codes = suite('documented codes')

codes('should collect the codes from the source', () => {
  // The collector must see the codes everyone knows; if a pattern stops matching, this fails rather than passing empty.
  for (const code of [
    'TWAT_CACHE_FALLBACK',
    'TWAT_CACHE_FAULT',
    'TWAT_CACHE_VALIDATION',
    'TWAT_CACHE_BUILD_PACKAGE',
    'TWAT_CACHE_CLI_USAGE',
  ]) {
    assert.ok(found.codes.includes(code), `${code} not collected: ${found.codes.join(', ')}`)
  }
  for (const name of ['TWAT_CACHE_DIR', 'TWAT_CACHE_DISABLE', 'TWAT_CACHE_CHECK'])
    assert.ok(found.environment.includes(name), `${name} not seen as an environment variable`)
  assert.not.ok(found.codes.includes('TWAT_CACHE_DIR'))
  assert.ok(found.classes.includes('TransformError') && found.classes.includes('ValidationError'), found.classes.join(', '))
  assert.equal(found.diagnostics, ['TS990001', 'TS990002'])
  assert.ok(found.scanWarnings.includes('unstorable-result'), found.scanWarnings.join(', '))
  assert.equal(found.exitCodes, [0, 1, 2])
})

codes('should document every code, class, diagnostic, scan warning, exit code and variable in docs/troubleshooting.md', () => {
  assert.equal(undocumented(found, guide), [])
})

codes('should not document codes the source does not have', () => {
  assert.equal(stale(found, guide), [])
})

codes('should notice a code that is not documented, and a stale one', () => {
  const without = guide.replace(/^### `TWAT_CACHE_CORRUPT`$/m, '### Damaged entries')
  assert.equal(undocumented(found, without), ['code TWAT_CACHE_CORRUPT has no heading'])
  assert.equal(stale(found, `${guide}\n### \`TWAT_CACHE_NO_SUCH_CODE\`\n`), ['TWAT_CACHE_NO_SUCH_CODE'])
})

codes.run()
