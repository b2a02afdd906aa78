/**
 * Warn-once reporting. Fallbacks and cache faults are warnings, never crashes; each distinct
 * situation is reported once per process so a hot path cannot flood the log.
 */

/** Stable warning codes, usable with `process.on('warning', w => w.code)`. */
export const WarningCode = {
  /** A preferred engine could not be loaded; the next engine in the chain runs. */
  fallback: 'TWAT_CACHE_FALLBACK',
  /** A result could not be stored (function, class instance); it was returned but not cached. */
  serialization: 'TWAT_CACHE_SERIALIZATION',
  /** An engine failed at run time; the call was treated as a miss. */
  fault: 'TWAT_CACHE_FAULT',
  /** A persistent entry was truncated, garbled or tampered with; it was removed. */
  corrupt: 'TWAT_CACHE_CORRUPT',
  /** cacheLife, cacheTag or noStore was called outside a cached computation; it did nothing. */
  context: 'TWAT_CACHE_CONTEXT',
  /** An argument could not be keyed (a callback, a symbol, a cycle…); the call ran uncached. */
  key: 'TWAT_CACHE_KEY',
  /** A caller changed a result a memory cache had handed out (seen with TWAT_CACHE_CHECK=1); the entry was dropped. */
  mutated: 'TWAT_CACHE_MUTATED',
  /** cacheOf was given a tagged function of a build with the twat-cache plugin disabled; its handle does nothing. */
  disabled: 'TWAT_CACHE_DISABLED',
  /** A persistent or shared entry failed its signature or decryption (secret, encryptionKey); it was removed. */
  tampered: 'TWAT_CACHE_TAMPERED',
  /** A cache root or folder was a symbolic link, another user's, or writable by others; the next engine ran. */
  unsafeFolder: 'TWAT_CACHE_UNSAFE_FOLDER',
  /** `memory` was asked for on a shared store without an invalidation bus (memcached…); the tier is off. */
  memoryTier: 'TWAT_CACHE_MEMORY_TIER',
  /** A lease on a missing key ran out before its holder stored the value (it died, or took longer than lockTimeout). */
  leaseExpired: 'TWAT_CACHE_LEASE_EXPIRED',
} as const

const warned = new Set<string>()

/** Forget which warnings were emitted, so they are emitted again (the testing helpers' reset). */
export function resetWarnings(): void {
  warned.clear()
}

/** Emit `message` once per process for `dedupeKey` (defaults to the message itself). */
export function warnOnce(code: string, message: string, dedupeKey: string = `${code}:${message}`): void {
  if (warned.has(dedupeKey)) return
  warned.add(dedupeKey)
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }).process
  if (typeof proc?.emitWarning === 'function') {
    proc.emitWarning(message, { type: 'TwatCacheWarning', code })
  } else {
    console.warn(`[${code}] ${message}`)
  }
}
