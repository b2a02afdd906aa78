/**
 * The transform fixture cases: `fixtures/transform/<case>/input.<ext>` with `output.<ext>` (the expected code),
 * `error.txt` (the expected error message, locations and frames), or neither when the transform returns null; an
 * optional `warnings.txt` (the expected warnings, one message after another); and an optional `options.json`
 * (TransformOptions). Each case is transformed with its own folder as the root, so ids read `input.ts#name`. Other
 * files of the folder (modules the input imports, a node_modules package, a tsconfig.json) are there for the input.
 *
 * An optional `edit/` folder holds files that replace the case's own (same relative paths) and `versions.json`,
 * `{ "input.ts#name": "changed" | "same" }`: the case is copied twice to a temporary folder, once as it is and once
 * with the edit, and each site's version must change or stay the same as listed.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { transform, type TransformOptions, type TransformWarning } from '../../src/transform/index.js'

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/transform')

export interface FixtureCase {
  readonly name: string
  readonly dir: string
  readonly inputFile: string
  readonly input: string
  /** The expected output, or undefined for an error case. */
  readonly expected: string | undefined
  /** The expected error text, or undefined for an output case. */
  readonly expectedError: string | undefined
  /** The expected warnings' messages, each followed by a blank line, or undefined when there must be none. */
  readonly expectedWarnings: string | undefined
  readonly options: TransformOptions
  /** The `edit/` folder and what it must do to each site's version, or undefined. */
  readonly edit: { readonly dir: string; readonly versions: Readonly<Record<string, 'changed' | 'same'>> } | undefined
}

export function listCases(): FixtureCase[] {
  return fs
    .readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const dir = path.join(FIXTURES, entry.name)
      const files = fs.readdirSync(dir)
      const inputName = files.find((f) => f.startsWith('input.'))
      if (!inputName) throw new Error(`fixture ${entry.name} has no input.* file`)
      const extension = path.extname(inputName)
      const read = (name: string) => (files.includes(name) ? fs.readFileSync(path.join(dir, name), 'utf8') : undefined)
      const options = read('options.json')
      const editDir = path.join(dir, 'edit')
      const edit = files.includes('edit')
        ? {
            dir: editDir,
            versions: JSON.parse(fs.readFileSync(path.join(editDir, 'versions.json'), 'utf8')) as Record<string, 'changed' | 'same'>,
          }
        : undefined
      return {
        name: entry.name,
        dir,
        inputFile: path.join(dir, inputName),
        input: read(inputName)!,
        expected: read(`output${extension}`),
        expectedError: read('error.txt'),
        expectedWarnings: read('warnings.txt'),
        options: { root: dir, ...(options ? (JSON.parse(options) as TransformOptions) : {}) },
        edit,
      }
    })
}

/** The transform's result for a case: its code, or `null` when it returned null. Errors propagate. */
export function runCase(fixture: FixtureCase): string | null {
  return runCaseWithWarnings(fixture).code
}

/** The transform's result for a case and the warnings it reported (as in warnings.txt). Errors propagate. */
export function runCaseWithWarnings(fixture: FixtureCase): { code: string | null; warnings: string } {
  const warnings: TransformWarning[] = []
  const result = transform(fixture.input, fixture.inputFile, { ...fixture.options, onWarning: (w) => warnings.push(w) })
  return { code: result?.code ?? null, warnings: warnings.map((w) => `${w.message}\n\n`).join('') }
}

/** `name → version` of every site in transformed code (the build step writes `name: "…", version: "…"`). */
export function versionsIn(code: string): Map<string, string> {
  return new Map([...code.matchAll(/name: "([^"]+)", version: "([0-9a-f]{12})"/g)].map((m) => [m[1]!, m[2]!]))
}

/**
 * The versions of a case with an `edit/` folder, before and after the edit: both copies are transformed from a
 * temporary folder of their own, so nothing but the edit differs between them.
 */
export function runEdit(fixture: FixtureCase): { before: Map<string, string>; after: Map<string, string> } {
  if (!fixture.edit) throw new Error(`fixture ${fixture.name} has no edit/ folder`)
  const versionsOf = (withEdit: boolean): Map<string, string> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `twat-fixture-${fixture.name}-`))
    try {
      fs.cpSync(fixture.dir, dir, { recursive: true, filter: (source) => source !== fixture.edit!.dir })
      if (withEdit) fs.cpSync(fixture.edit!.dir, dir, { recursive: true, filter: (source) => path.basename(source) !== 'versions.json' })
      const file = path.join(dir, path.basename(fixture.inputFile))
      const result = transform(fs.readFileSync(file, 'utf8'), file, { ...fixture.options, root: dir, onWarning: () => undefined })
      return versionsIn(result?.code ?? '')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  return { before: versionsOf(false), after: versionsOf(true) }
}
