/** Short hex digests of text: persistent keys, shared-store keys, folder names. Never used on memory hit paths. */
import { nodeBuiltin } from './optional.js'

/** FNV-1a 32-bit, for runtimes without node:crypto (the browser). Hand-written: 10 lines, not worth a package. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/** A short hex digest of `text` (SHA-256 where node:crypto exists, else FNV-1a). */
export function digest(text: string, length = 16): string {
  const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto')
  if (!crypto) return fnv1a(text)
  const hex = typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')
  return hex.slice(0, length)
}
