/** Stored entries for engine tests: a value with its life, as the call pipeline would store it. */
import type { StoredEntry } from '../../src/runtime/engines/contract.js'
import type { EntryLife } from '../../src/runtime/engines/disk/codec.js'

export interface EntryOptions {
  readonly promise?: boolean
  /** When it was computed (the engine's clock). @default 0 */
  readonly now?: number
  /** Fresh for this long; 0: forever. @default 0 */
  readonly ttlMs?: number
  readonly tags?: readonly string[]
}

export function entryOf(value: unknown, options: EntryOptions = {}): StoredEntry {
  const { promise = false, now = 0, ttlMs = 0, tags = [] } = options
  const freshUntil = ttlMs > 0 ? now + ttlMs : 0
  return { value, promise, created: now, freshUntil, staleUntil: freshUntil, errorUntil: 0, tags }
}

/** The life part of {@link entryOf}, for the codec. */
export function lifeOf(options: EntryOptions = {}): EntryLife {
  const { value: _value, ...life } = entryOf(undefined, options)
  return life
}
