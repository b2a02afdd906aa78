/**
 * Cache kinds: what each of the five caches provides to the builders (define.ts, methods.ts), and the table from
 * public cache function to its definition.
 */
import type { AnyCacheHandle, CacheKind } from '../call/handle.js'
import type { CacheConfig } from '../options/config.js'
import { ValidationError } from '../report/errors.js'
import { registerCache } from './registry.js'

type AnyFunction = (...args: any[]) => any

/** What a cache kind provides: how to wrap a function, and how it treats methods. */
export interface CacheKindDefinition {
  readonly kind: CacheKind
  /** Wrap `fn` (not registered: the caller registers what it hands out). */
  wrap(fn: AnyFunction, config: CacheConfig): AnyFunction
  /** Memory caches keep one cache per `this`; persistent and shared ones one cache for all instances. */
  perInstance(config: CacheConfig): boolean
  /** Whether every call returns a promise and the handle answers with promises (acache). */
  asyncResults(config: CacheConfig, fn: Function): boolean
}

export const definitions = new WeakMap<Function, CacheKindDefinition>()

/** The kind definition behind a public cache function (for cachedMethod). */
export function definitionOf(cacheFunction: Function): CacheKindDefinition {
  const definition = definitions.get(cacheFunction)
  if (!definition) {
    throw new ValidationError('cache', cacheFunction, 'expected one of the cache functions mcache, bcache, fcache, acache, ucache')
  }
  return definition
}

/** Wrap `fn` with `definition` and register its handle for getStats/clearCache. */
export function wrapRegistered(definition: CacheKindDefinition, fn: AnyFunction, config: CacheConfig): AnyFunction {
  const cached = definition.wrap(fn, config)
  registerCache((cached as unknown as { cache: AnyCacheHandle }).cache)
  return cached
}
