/**
 * Short hex digests of text: persistent keys, shared-store keys, folder names. Never used on memory hit paths.
 * Browsers get hash.browser.ts (package.json "browser").
 */
import { fnv1a } from './fnv1a.js'
import { nodeBuiltin } from './optional.js'

/** A short hex digest of `text` (SHA-256 where node:crypto exists, else FNV-1a). */
export function digest(text: string, length = 16): string {
  const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto')
  if (!crypto) return fnv1a(text)
  const hex =
    typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')
  return hex.slice(0, length)
}
