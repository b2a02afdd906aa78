/**
 * The key options `secret` and `encryptionKey` (and $TWAT_CACHE_SECRET, $TWAT_CACHE_ENCRYPTION_KEY): what a key may
 * be, and errors that name its shape and the fix but never print it. The keys are used in engines/seal.ts.
 *
 * A key is a string or bytes. A string of 64 hex digits, or base64 (or base64url) of exactly 32 bytes, is decoded;
 * any other string is a passphrase, used as its UTF-8 bytes. At least 16 bytes either way. A passphrase is only
 * as strong as it is: key material goes through HKDF, which does not slow down guessing (a slow KDF such as scrypt
 * would cost tens of ms at every process start, which CLI tools pay on each run).
 */
import { Redacted, ValidationError } from '../report/errors.js'

/** A key as an option takes it: a string, bytes, or a list of them (the first seals, every one opens). */
export type KeyInput = string | Uint8Array | readonly (string | Uint8Array)[]

/** The options that hold keys: never written into a tag or into code, never printed. */
export const KEY_OPTIONS: ReadonlySet<string> = new Set(['secret', 'encryptionKey'])

/** Least key material accepted, in bytes. */
export const MIN_KEY_BYTES = 16
const HEX_KEY = /^[0-9a-fA-F]{64}$/
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}$/
const KEY_HELP =
  'expected key material: 32 random bytes as base64 or hex (e.g. `openssl rand -base64 32`), a passphrase of at ' +
  'least 16 characters, a Buffer of at least 16 bytes, or a list of these (the first signs or encrypts, all are ' +
  'tried when reading)'

/** The bytes of a string key: 64 hex digits or base64 of 32 bytes decoded, anything else as UTF-8. */
export function keyBytes(text: string): Uint8Array {
  const B = (globalThis as { Buffer?: typeof Buffer }).Buffer
  if (!B) return new TextEncoder().encode(text)
  if (HEX_KEY.test(text)) return B.from(text, 'hex')
  const encoding = BASE64_KEY.test(text) ? 'base64' : BASE64URL_KEY.test(text) ? 'base64url' : undefined
  if (encoding) {
    const bytes = B.from(text, encoding)
    if (bytes.length === 32) return bytes
  }
  return B.from(text, 'utf8')
}

/** Every key of a key option, as bytes. */
export function keyList(value: KeyInput): Uint8Array[] {
  const list: readonly (string | Uint8Array)[] = Array.isArray(value) ? value : [value as string | Uint8Array]
  return list.map((item) => (typeof item === 'string' ? keyBytes(item) : item))
}

/** What is wrong with a key option's value, described by its shape only; undefined when it is a valid key. */
export function keyProblem(value: unknown): string | undefined {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0) return 'an empty list'
  for (const item of list) {
    if (typeof item === 'string') {
      if (keyBytes(item).length < MIN_KEY_BYTES) return `a string of ${item.length} characters, shorter than ${MIN_KEY_BYTES}`
    } else if (item instanceof Uint8Array) {
      if (item.length < MIN_KEY_BYTES) return `${item.length} bytes, fewer than ${MIN_KEY_BYTES}`
    } else {
      return `${item === null ? 'null' : `a ${typeof item}`}, not a string or Buffer`
    }
  }
  return undefined
}

/** The error for a bad key: its shape and the fix, never the key. `where` says where it came from. */
export function keyError(option: string, problem: string, where = ''): ValidationError {
  return new ValidationError(option, new Redacted(`<${problem}>${where}`), KEY_HELP)
}

/** A key list from an environment variable (`a,b`: comma-separated, the first signing), checked like the option. */
export function keysFromEnv(text: string | undefined, variable: string, option: string): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const list = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  const problem = keyProblem(list)
  if (problem) throw keyError(option, problem, ` (from $${variable})`)
  return list
}
