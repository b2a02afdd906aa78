/**
 * Builds the public cache functions. Each is callable as `x(fn, options?)`, as `x(options?)(fn)`, and as a TC39
 * method decorator `@x(options?)`.
 */
import { createCacheConfig, type CacheConfig, type CacheOptions } from '../options/config.js'
import { ValidationError, describeValue } from '../report/errors.js'
import type { AnyCacheHandle, CacheKind } from '../call/handle.js'
import { cacheMethod } from './methods.js'

type AnyFunction = (...args: any[]) => any

/** What a cache kind provides: how to wrap a function, and whether methods get a cache per instance. */
export interface CacheKindDefinition<Out = unknown> {
  readonly kind: CacheKind
  /** Wrap `fn`; `register: false` keeps a per-instance cache out of the global registry. */
  wrap(fn: AnyFunction, config: CacheConfig, register: boolean): Out
  /** Memory caches keep one cache per `this`; persistent and shared ones one cache for all instances. */
  perInstance(config: CacheConfig): boolean
}

/** A public cache function: `x(fn, options?)`, `x(options?)(fn)`, and `@x(options?)` on a method. */
export interface CacheFunction<Handle> {
  <F extends AnyFunction>(fn: F, options?: CacheOptions): F & { readonly cache: Handle }
  (options?: CacheOptions): <F extends AnyFunction>(fn: F, context?: ClassMethodDecoratorContext) => F & { readonly cache: Handle }
}

const definitions = new WeakMap<Function, CacheKindDefinition<unknown>>()

/** The kind definition behind a public cache function (for cachedMethod). */
export function definitionOf(cacheFunction: Function): CacheKindDefinition<unknown> {
  const definition = definitions.get(cacheFunction)
  if (!definition) {
    throw new ValidationError('cache', cacheFunction, 'expected one of the cache functions mcache, bcache, fcache, acache, ucache')
  }
  return definition
}

export function defineCacheFunction<Handle>(definition: CacheKindDefinition<unknown>): CacheFunction<Handle> {
  function applyTo(fn: unknown, config: CacheConfig, context: unknown): unknown {
    if (typeof fn !== 'function') {
      throw new ValidationError('fn', fn, `${definition.kind} wraps a function; got ${describeValue(fn)}`)
    }
    if (context !== undefined) {
      const kind = (context as { kind?: string }).kind
      if (kind !== 'method') {
        throw new ValidationError('decorator', kind, `@${definition.kind} decorates methods only, not a ${kind}`)
      }
      const ctx = context as ClassMethodDecoratorContext
      const qualified = typeof ctx.name === 'string' ? ctx.name : ctx.name.description ?? 'method'
      return cacheMethod(definition, fn as AnyFunction, config.name ? config : { ...config, name: qualified })
    }
    return definition.wrap(fn as AnyFunction, config, true)
  }

  function cacheFunction(fnOrOptions?: unknown, options?: CacheOptions): unknown {
    if (typeof fnOrOptions === 'function') return applyTo(fnOrOptions, createCacheConfig(options ?? {}), undefined)
    const config = createCacheConfig((fnOrOptions ?? {}) as CacheOptions)
    return (fn: unknown, context?: unknown) => applyTo(fn, config, context)
  }
  Object.defineProperty(cacheFunction, 'name', { value: definition.kind })
  definitions.set(cacheFunction, definition)
  return cacheFunction as CacheFunction<Handle>
}

export type { AnyCacheHandle }
