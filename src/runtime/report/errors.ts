/**
 * The errors twat-cache throws. Every message names the option or argument, the value, and the fix.
 */

/** Base class of every error this library throws, so callers can catch them as one family. */
export class TwatCacheError extends Error {
  /** A stable machine-readable code, e.g. `TWAT_CACHE_VALIDATION`. */
  readonly code: string
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** An option failed validation: unknown name, wrong type, out of range. */
export class ValidationError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_VALIDATION'
  /** The option that was rejected (camelCase). */
  readonly option: string
  /** The value that was rejected. */
  readonly value: unknown
  constructor(option: string, value: unknown, allowed: string) {
    super(`Invalid cache option ${option}=${describeValue(value)}: ${allowed}`, ValidationError.code)
    this.option = option
    this.value = value
  }
}

/** An argument cannot be turned into a cache key (a function, a symbol, a circular structure). */
export class CacheKeyError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_KEY'
  constructor(message: string) {
    super(message, CacheKeyError.code)
  }
}

/** A result cannot be stored by a persistent cache (a function, a class instance whose prototype would be lost). */
export class SerializationError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_SERIALIZATION'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, SerializationError.code, options)
  }
}

/** A cache engine failed (disk full, corrupt database, lost connection). Only thrown in strict mode. */
export class CacheFaultError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_FAULT'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, CacheFaultError.code, options)
  }
}

/** A value shown in messages by its description only (a key: its shape, never its bytes). */
export class Redacted {
  constructor(readonly description: string) {}
}

/** A short, readable rendering of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value instanceof Redacted) return value.description
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`
  if (typeof value === 'symbol') return value.toString()
  if (value === null || typeof value !== 'object') return String(value)
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json
  } catch {
    // circular or BigInt inside: fall through to the constructor name
  }
  return `[object ${value.constructor?.name ?? 'Object'}]`
}

/** An async call took longer than its `hardTimeout`; the next call starts afresh. */
export class CacheTimeoutError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_TIMEOUT'
  constructor(message: string) {
    super(message, CacheTimeoutError.code)
  }
}

/** A persistent cache was asked for where this runtime has no file system (a browser, a worker without Node). */
export class UnsupportedRuntimeError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_UNSUPPORTED'
  constructor(message: string) {
    super(message, UnsupportedRuntimeError.code)
  }
}

/** `cacheOf` (or getStats/clearCache given a function) was handed a function that is not cached. */
export class NotCachedError extends TwatCacheError {
  static readonly code = 'TWAT_CACHE_NOT_CACHED'
  constructor(message: string) {
    super(message, NotCachedError.code)
  }
}

/** Every error class, by name: `error instanceof errors.CacheKeyError`; each has a stable static `code`. */
export const errors = {
  TwatCacheError,
  ValidationError,
  CacheKeyError,
  SerializationError,
  CacheFaultError,
  CacheTimeoutError,
  UnsupportedRuntimeError,
  NotCachedError,
} as const
