/**
 * The browser's stand-in for secrets.ts (package.json "browser" swaps it in). No entry leaves a page (persistent
 * and shared stores need Node), so `secret` and `encryptionKey` do nothing there: their values are checked for type
 * only, and the key formats and messages stay out of browser bundles.
 */
import { Redacted, ValidationError } from '../report/errors.js'

export type KeyInput = string | Uint8Array | readonly (string | Uint8Array)[]
export const KEY_OPTIONS: ReadonlySet<string> = new Set(['secret', 'encryptionKey'])

const isKey = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array

export function keyProblem(value: unknown): string | undefined {
  const ok = Array.isArray(value) ? value.length > 0 && value.every(isKey) : isKey(value)
  return ok ? undefined : 'not a string, a Uint8Array or a list of them'
}

export function keyError(option: string, problem: string): ValidationError {
  return new ValidationError(option, new Redacted(`<${problem}>`), 'expected key material (see the README)')
}
