/**
 * Who a cached function is, for persistent keys: its id (the `name` option, injected by the build step as
 * `path#qualified.name`, else the function's name) and version (injected hash of its source, else a hash of
 * `fn.toString()`), so editing a function invalidates its entries and two functions never share them.
 */
import { nodeBuiltin } from '../platform/optional.js'

/** FNV-1a 32-bit, for runtimes without node:crypto (the browser). Hand-written: 10 lines, not worth a package. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/** A short hex digest of `text` (sha256 where node:crypto exists). */
export function digest(text: string, length = 16): string {
  const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto')
  if (!crypto) return fnv1a(text)
  const hex = typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex')
  return hex.slice(0, length)
}

export interface FunctionIdentity {
  readonly id: string
  readonly version: string
}

export function identify(fn: Function, name: string | undefined, version: string | undefined): FunctionIdentity {
  return {
    id: name ?? (fn.name || 'anonymous'),
    version: version ?? digest(fn.toString(), 12),
  }
}
