/**
 * The transform fixture cases: `fixtures/transform/<case>/input.<ext>` with `output.<ext>` (the expected code),
 * `error.txt` (the expected error message, locations and frames), or neither when the transform returns null; an
 * optional `warnings.txt` (the expected warnings, one message after another); and an optional `options.json`
 * (TransformOptions). Each case is transformed with its own folder as the root, so ids read `input.ts#name`.
 */
import fs from 'node:fs'
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
      return {
        name: entry.name,
        dir,
        inputFile: path.join(dir, inputName),
        input: read(inputName)!,
        expected: read(`output${extension}`),
        expectedError: read('error.txt'),
        expectedWarnings: read('warnings.txt'),
        options: { root: dir, ...(options ? (JSON.parse(options) as TransformOptions) : {}) },
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
