/**
 * The key stage of the call pipeline: the one `keyOf(self, args)` that a cache's calls and its `.cache` handle
 * (has, delete, …) both use, with the same `this`, so a handle operation reaches exactly the entry a call made.
 * Each engine family has its key space: memory keys are the value itself or interned text (never hashed), disk keys
 * the type-tagged text, shared-store keys the function version and a hash of that text (the same in every process).
 *
 * Arguments that cannot be keyed (a callback, a symbol, a cycle, an object whose state the key cannot see) give no
 * key but an {@link Unkeyable}: the call then bypasses the cache (see call/bypass.ts), since a cache must never cost
 * the caller its result. In strict mode they throw CacheKeyError instead.
 */
import { LRUCache } from 'lru-cache'
import { digest } from '../platform/hash.js'
import type { KeyBy } from '../options/schema.js'
import { encodeArguments, memoryKey } from './encode.js'
import { identityKey } from './identity-keys.js'
import { KeyIndex } from './key-index.js'
import { Unkeyable, unkeyableError } from './unkeyable.js'

/** A `key` option: receives the call's arguments, with the call's `this`, and returns what to key by. */
export type KeyFunction = (this: unknown, ...args: any[]) => unknown

/** The options that decide keys (a CacheConfig has them all). */
export interface KeyRules {
  /** The `key` option. */
  readonly key?: KeyFunction | undefined
  /** Throw CacheKeyError for an unkeyable argument instead of answering with an Unkeyable. @default false */
  readonly strict?: boolean
  /** Key objects by value (default) or by reference (memory caches only). */
  readonly keyBy?: KeyBy
}

export interface KeyStage {
  /**
   * The key of a call of the cached function with `self` as `this`, or an {@link Unkeyable} (test with
   * {@link isBypass}): the call cannot be keyed and goes through uncached.
   * @throws CacheKeyError for an unkeyable argument in strict mode
   */
  keyOf(self: unknown, args: ArrayLike<unknown>): unknown
}

/** The memory key stage, with what the memory fast paths read directly (derived from the same rules). */
export interface MemoryKeyStage extends KeyStage {
  /** The key index of by-value calls without a key function (undefined otherwise: no fast path). */
  readonly index: KeyIndex | undefined
  readonly keyFn: KeyFunction | undefined
}

/** True when `keyOf` answered "cannot be keyed": the call bypasses the cache. Keys are never Unkeyable objects. */
export function isBypass(key: unknown): key is Unkeyable {
  return key instanceof Unkeyable
}

/**
 * One number, or one string that cannot be mistaken for a composite key (those start with \u0001), is its own
 * memory key. The memory fast paths inline this test; it must stay the same as memoryKey's.
 */
export function isOwnKey(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.charCodeAt(0) !== 1)
}

type Keyer = (self: unknown, args: ArrayLike<unknown>) => unknown

/**
 * `keyer` with unkeyable arguments answered by an Unkeyable (or thrown as CacheKeyError in strict mode). With a key
 * function the unkeyable value is its result, and the message says so.
 */
function guarded(rules: KeyRules, keyer: Keyer): Keyer {
  const strict = rules.strict === true
  const fromKeyFunction = rules.key !== undefined
  return (self, args) => {
    try {
      return keyer(self, args)
    } catch (error) {
      if (!(error instanceof Unkeyable)) throw error
      const found = fromKeyFunction ? error.at('key') : error
      if (strict) throw unkeyableError(found)
      return found
    }
  }
}

/** Memory keys; `entries` tells how many entries the store holds (it sizes the key index). */
export function memoryKeyStage(rules: KeyRules, entries: () => number): MemoryKeyStage {
  const keyFn = rules.key
  if (rules.keyBy === 'identity') {
    // The index interns the keys of calls with primitive arguments only, which key as by value.
    const index = new KeyIndex(entries)
    const keyer: Keyer = keyFn
      ? (self, args) => identityKey([keyFn.apply(self, args as unknown[])], index)
      : (_self, args) => identityKey(args, index)
    return { index: undefined, keyFn, keyOf: guarded(rules, keyer) }
  }
  if (keyFn) {
    return { index: undefined, keyFn, keyOf: guarded(rules, (self, args) => memoryKey([keyFn.apply(self, args as unknown[])])) }
  }
  const index = new KeyIndex(entries)
  return { index, keyFn, keyOf: guarded(rules, (_self, args) => index.key(args)) }
}

/** Disk keys: the type-tagged text of the arguments (or of the key function's result). By value only. */
export function textKeyStage(rules: KeyRules): KeyStage {
  const keyFn = rules.key
  return {
    keyOf: guarded(
      rules,
      keyFn ? (self, args) => encodeArguments([keyFn.apply(self, args as unknown[])]) : (_self, args) => encodeArguments(args),
    ),
  }
}

/** Key texts up to this long have their shared key remembered (a sha256 costs more than a memory-tier hit). */
const REMEMBERED_TEXT_LIMIT = 256
/** Most shared keys a cache remembers (least recently used go first). */
const REMEMBERED_KEYS = 4096

/**
 * Shared-store keys: `<version>:<hash of the disk key text>`, stable across processes and machines. The keys of
 * short texts are remembered, since a hit answered from a memory tier (the `memory` option) would otherwise spend
 * most of its time hashing.
 */
export function sharedKeyStage(rules: KeyRules, versionPart: string): KeyStage {
  const text = textKeyStage(rules)
  const remembered = new LRUCache<string, string>({ max: REMEMBERED_KEYS })
  return {
    keyOf(self, args) {
      const keyText = text.keyOf(self, args)
      if (isBypass(keyText)) return keyText
      const t = keyText as string
      if (t.length > REMEMBERED_TEXT_LIMIT) return `${versionPart}:${digest(t, 32)}`
      let key = remembered.get(t)
      if (key === undefined) {
        key = `${versionPart}:${digest(t, 32)}`
        remembered.set(t, key)
      }
      return key
    },
  }
}
