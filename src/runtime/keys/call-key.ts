/**
 * The key stage of the call pipeline: the one `keyOf(self, args)` that a cache's calls and its `.cache` handle
 * (has, delete, …) both use, with the same `this`, so a handle operation reaches exactly the entry a call made.
 * Each engine family has its key space: memory keys are the value itself or interned text (never hashed), disk keys
 * the type-tagged text, shared-store keys the function version and a hash of that text (the same in every process).
 */
import { digest } from '../platform/hash.js'
import { encodeArguments, memoryKey } from './encode.js'
import { KeyIndex } from './key-index.js'

/** A `key` option: receives the call's arguments, with the call's `this`, and returns what to key by. */
export type KeyFunction = (this: unknown, ...args: any[]) => unknown

export interface KeyStage {
  /** The key of a call of the cached function with `self` as `this`. @throws CacheKeyError for an unkeyable argument */
  keyOf(self: unknown, args: ArrayLike<unknown>): unknown
}

/** The memory key stage, with what the memory fast paths read directly (derived from the same rules). */
export interface MemoryKeyStage extends KeyStage {
  /** The key index of calls without a key function (undefined with one). */
  readonly index: KeyIndex | undefined
  readonly keyFn: KeyFunction | undefined
}

/**
 * One number, or one string that cannot be mistaken for a composite key (those start with \u0001), is its own
 * memory key. The memory fast paths inline this test; it must stay the same as memoryKey's.
 */
export function isOwnKey(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && value.charCodeAt(0) !== 1)
}

/** Memory keys; `entries` tells how many entries the store holds (it sizes the key index). */
export function memoryKeyStage(keyFn: KeyFunction | undefined, entries: () => number): MemoryKeyStage {
  if (keyFn) {
    return { index: undefined, keyFn, keyOf: (self, args) => memoryKey([keyFn.apply(self, args as unknown[])]) }
  }
  const index = new KeyIndex(entries)
  return { index, keyFn, keyOf: (_self, args) => index.key(args) }
}

/** Disk keys: the type-tagged text of the arguments (or of the key function's result). */
export function textKeyStage(keyFn: KeyFunction | undefined): KeyStage {
  return {
    keyOf: keyFn ? (self, args) => encodeArguments([keyFn.apply(self, args as unknown[])]) : (_self, args) => encodeArguments(args),
  }
}

/** Shared-store keys: `<version>:<hash of the disk key text>`, stable across processes and machines. */
export function sharedKeyStage(keyFn: KeyFunction | undefined, versionPart: string): KeyStage {
  const text = textKeyStage(keyFn)
  return { keyOf: (self, args) => `${versionPart}:${digest(text.keyOf(self, args) as string, 32)}` }
}
