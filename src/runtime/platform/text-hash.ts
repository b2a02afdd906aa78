/**
 * A fast 53-bit hash of text (cyrb53, public domain), for fingerprints kept in memory: no node:crypto (which the
 * browser lacks and memory caches never load), no allocation beyond the result. Not for anything that must resist
 * an attacker or name entries on disk: that is platform/hash.ts. Hand-written: a dozen lines, not worth a package.
 */
export function textHash(text: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
