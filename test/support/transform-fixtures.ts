/**
 * The transform fixture cases: `fixtures/transform/<case>/input.<ext>` with either `output.<ext>` (the expected code)
 * or `error.txt` (the expected error message, location and frame), and an optional `options.json`
 * (TransformOptions). Each case is transformed with its own folder as the root, so ids read `input.ts#name`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { transform, type TransformOptions } from '../../src/transform/index.js'

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
        options: { root: dir, ...(options ? (JSON.parse(options) as TransformOptions) : {}) },
      }
    })
}

/** The transform's result for a case: its code, or `null` when it returned null. Errors propagate. */
export function runCase(fixture: FixtureCase): string | null {
  return transform(fixture.input, fixture.inputFile, fixture.options)?.code ?? null
}
