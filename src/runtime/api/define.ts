/**
 * Builds the public cache functions from a cache definition. Each is callable as `x(fn, options?)`, as
 * `x(options?)(fn)`, and as a TC39 method decorator `@x(options?)`; each result has the wrapped function's type
 * and a typed `.cache` handle.
 */
import type { AsyncCacheHandle, CacheHandle } from '../call/handle.js'
import { createCacheConfig, type CacheConfig, type CacheOptions } from '../options/config.js'

export type { CacheKindDefinition } from './kinds.js'
import { ValidationError, describeValue } from '../report/errors.js'
import { definitions, wrapRegistered, type CacheKindDefinition } from './kinds.js'
import { cacheMethod } from './methods.js'

type AnyFunction = (...args: any[]) => any

/** A function cached by mcache, bcache or fcache: the same call signature, plus `.cache`. */
export type Cached<F extends AnyFunction> = F & { readonly cache: CacheHandle<Parameters<F>, ReturnType<F>> }

/** What an acache'd function returns: always a promise. */
export type AsyncResult<F extends AnyFunction> =
  ReturnType<F> extends PromiseLike<unknown> ? F : (this: ThisParameterType<F>, ...args: Parameters<F>) => Promise<ReturnType<F>>

/** A function cached by acache: it returns promises, and its handle answers with promises. */
export type AsyncCached<F extends AnyFunction> = AsyncResult<F> & {
  readonly cache: AsyncCacheHandle<Parameters<F>, Awaited<ReturnType<F>>>
}

/** A function cached by ucache: the cache it chose decides whether the handle is synchronous (see `.cache.kind`). */
export type ChosenCached<F extends AnyFunction> = F & {
  readonly cache: CacheHandle<Parameters<F>, ReturnType<F>> | AsyncCacheHandle<Parameters<F>, Awaited<ReturnType<F>>>
}

/** `mcache`, `bcache`, `fcache`: `x(fn, options?)`, `x(options?)(fn)`, and `@x(options?)` on a method. */
export interface CacheFunction {
  <F extends AnyFunction>(fn: F, options?: CacheOptions): Cached<F>
  (options?: CacheOptions): <F extends AnyFunction>(fn: F, context?: ClassMethodDecoratorContext) => Cached<F>
}

/** `acache(fn, options?)`, `acache(options?)(fn)` and `@acache(options?)` on a method. */
export interface AsyncCacheFunction {
  <F extends AnyFunction>(fn: F, options?: CacheOptions): AsyncCached<F>
  (options?: CacheOptions): <F extends AnyFunction>(fn: F, context?: ClassMethodDecoratorContext) => AsyncCached<F>
}

/** `ucache(fn, options?)`, `ucache(options?)(fn)` and `@ucache(options?)` on a method. */
export interface ChoosingCacheFunction {
  <F extends AnyFunction>(fn: F, options?: CacheOptions): ChosenCached<F>
  (options?: CacheOptions): <F extends AnyFunction>(fn: F, context?: ClassMethodDecoratorContext) => ChosenCached<F>
}

export function defineCacheFunction<F = CacheFunction>(definition: CacheKindDefinition): F {
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
      const qualified = typeof ctx.name === 'string' ? ctx.name : (ctx.name.description ?? 'method')
      return cacheMethod(definition, fn as AnyFunction, config.name ? config : { ...config, name: qualified })
    }
    return wrapRegistered(definition, fn as AnyFunction, config)
  }

  function cacheFunction(fnOrOptions?: unknown, options?: CacheOptions): unknown {
    if (typeof fnOrOptions === 'function') return applyTo(fnOrOptions, createCacheConfig(options ?? {}), undefined)
    const config = createCacheConfig((fnOrOptions ?? {}) as CacheOptions)
    return (fn: unknown, context?: unknown) => applyTo(fn, config, context)
  }
  Object.defineProperty(cacheFunction, 'name', { value: definition.kind })
  definitions.set(cacheFunction, definition)
  return cacheFunction as F
}
