/**
 * Environment variables: `TWAT_CACHE_DIR` (root folder of persistent caches), `TWAT_CACHE_DISABLE=1` (cache
 * nothing), `TWAT_CACHE_CHECK=1` (check that memory hits were not changed by a caller), `TWAT_CACHE_DEBUG=1` (a line
 * per call on stderr), `TWAT_CACHE_TRACE_KEYS=1` (keys in trace events), the Redis and memcached URLs, the signing
 * and encryption keys of persistent and shared entries, and the audit log file.
 */

function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.[name]
}

function isOn(name: string): boolean {
  const value = readEnv(name)
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim())
}

/** True when `TWAT_CACHE_DISABLE` is set to 1/true/yes: every cache calls straight through. Read at cache creation. */
export function cachingDisabled(): boolean {
  return isOn('TWAT_CACHE_DISABLE')
}

/**
 * True when `TWAT_CACHE_CHECK` is set to 1/true/yes: memory caches fingerprint each result they store and check it
 * on every hit, so a caller that changed a cached result is caught (for tests and dev servers). Read at cache
 * creation, so caches created without it keep their fast paths.
 */
export function mutationCheckEnabled(): boolean {
  return isOn('TWAT_CACHE_CHECK')
}

/** The root folder given by `TWAT_CACHE_DIR`, if any. */
export function cacheDirFromEnv(): string | undefined {
  const value = readEnv('TWAT_CACHE_DIR')
  return value && value.trim() !== '' ? value : undefined
}

/** The Redis URL given by `TWAT_CACHE_REDIS_URL`, used by `backend: 'redis'` without a `url`. */
export function redisUrlFromEnv(): string | undefined {
  return readEnv('TWAT_CACHE_REDIS_URL') || undefined
}

/** The memcached URL given by `TWAT_CACHE_MEMCACHE_URL`, used by `backend: 'memcache'` without a `url`. */
export function memcacheUrlFromEnv(): string | undefined {
  return readEnv('TWAT_CACHE_MEMCACHE_URL') || undefined
}

/**
 * True when `TWAT_CACHE_DEBUG` is set to 1/true/yes: every cached call prints one line to stderr (its cache, status
 * and time). Read once, when the runtime is loaded. (The command line also prints stack traces with it.)
 */
export function debugLinesEnabled(): boolean {
  return isOn('TWAT_CACHE_DEBUG')
}

/** True when `TWAT_CACHE_TRACE_KEYS` is set to 1/true/yes: trace events carry keys unredacted (see `traceKeys`). */
export function traceKeysFromEnv(): boolean {
  return isOn('TWAT_CACHE_TRACE_KEYS')
}

/** `TWAT_CACHE_SECRET`: the signing key(s) of persistent and shared entries, comma-separated, the first signing. */
export function secretFromEnv(): string | undefined {
  return readEnv('TWAT_CACHE_SECRET')
}

/** `TWAT_CACHE_ENCRYPTION_KEY`: the encryption key(s) of persistent and shared entries, comma-separated. */
export function encryptionKeyFromEnv(): string | undefined {
  return readEnv('TWAT_CACHE_ENCRYPTION_KEY')
}

/** `TWAT_CACHE_AUDIT`: a file that audit events are appended to, one JSON object a line. */
export function auditFileFromEnv(): string | undefined {
  return readEnv('TWAT_CACHE_AUDIT') || undefined
}
