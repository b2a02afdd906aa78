/**
 * The browser's stand-in for hash.ts (package.json "browser" swaps it in): the FNV-1a digest hash.ts falls back to
 * where node:crypto is missing, without the lookup of node:crypto, so a browser bundle holds no Node module name.
 */
import { fnv1a } from './fnv1a.js'

/** A short hex digest of `text`: FNV-1a, as hash.ts gives without node:crypto. */
export function digest(text: string, _length = 16): string {
  return fnv1a(text)
}
