/**
 * `cacheOf(fn)`: the typed `.cache` handle of any cached function, whatever made it cached. Wrapped functions, marker
 * calls, tagged bindings and tagged methods carry their handle as `.cache`; a tagged declaration stays a plain
 * hoisted function, so the build step registers it here with the function that creates its cache. In a build with
 * the plugin disabled, the build step registers each tagged function as a disabled site instead: `cacheOf` warns once
 * and hands out a handle that does nothing, so code that reaches for a cache does not crash in a debug build.
 */
import { disabledCache } from '../call/disabled.js'
import type { AnyCacheHandle, AsyncCacheHandle, CacheHandle, CacheKind } from '../call/handle.js'
import { createCacheConfig } from '../options/config.js'
import { NotCachedError, describeValue } from '../report/errors.js'
import { WarningCode, warnOnce } from '../report/warnings.js'

type AnyFunction = (...args: any[]) => any

/**
 * The handle of a function whose type does not say it is cached (a tagged declaration or method, a decorated
 * method): synchronous for a function that returns a value; for one that returns a promise, synchronous (mcache,
 * bcache, fcache) or asynchronous (acache, and ucache choosing acache) depending on the tag, which types cannot see,
 * so both: `await` its answers, or narrow with `'close' in handle`.
 */
export type DeclaredCacheHandle<F extends AnyFunction> =
  ReturnType<F> extends PromiseLike<unknown>
    ? CacheHandle<Parameters<F>, ReturnType<F>> | AsyncCacheHandle<Parameters<F>, Awaited<ReturnType<F>>>
    : CacheHandle<Parameters<F>, ReturnType<F>>

/** What `cacheOf` returns for `F`: the `.cache` its type declares (wrapped functions), else {@link DeclaredCacheHandle}. */
export type CacheHandleOf<F> = F extends { readonly cache: infer H extends AnyCacheHandle }
  ? H
  : F extends AnyFunction
    ? DeclaredCacheHandle<F>
    : never

/** The names of `T`'s members that are functions: what `cacheOf(instance, name)` accepts. */
export type MethodName<T> = { [K in keyof T]-?: T[K] extends AnyFunction ? K : never }[keyof T]

/** How a tagged function of a disabled build would have been cached: enough to hand out a handle of the same shape. */
export interface DisabledSite {
  /** The id the build step gives the site (`path/from/root.ts#Qualified.name`). */
  readonly name: string
  readonly kind: CacheKind
  /** The enabled build's handle answers with promises (acache, or ucache choosing it). */
  readonly async?: boolean
  /** The name to give the function (an anonymous one's name from its binding, "default" for a default export). */
  readonly functionName?: string
}

/** Tagged declarations → the function that creates (once) and returns their cached function. */
const declared = new WeakMap<Function, () => Function>()
/** Tagged functions of a build with the plugin disabled, and the do-nothing handle each got. */
const disabled = new WeakMap<Function, { site: DisabledSite; handle?: AnyCacheHandle }>()

function setName(fn: Function, name: string): void {
  Object.defineProperty(fn, 'name', { value: name, configurable: true })
}

/**
 * Emitted by the build step at the top of the scope of each tagged declaration (declarations are hoisted, so the
 * registration runs before any code of that scope can call `cacheOf`). `makeCache` creates the cache on first need,
 * as the declaration's first call does. Not for hand-written code: use `mcache(fn)` and friends there.
 */
export function registerDeclaredCache(declaration: Function, makeCache: () => Function, functionName?: string): void {
  declared.set(declaration, makeCache)
  if (functionName !== undefined) setName(declaration, functionName)
}

/**
 * Emitted by the build step for each tagged function when the plugin is disabled (`enabled: false`): the function
 * runs as written, and `cacheOf` knows it was tagged. Returns `fn` itself.
 */
export function registerDisabledSite<F extends Function>(fn: F, site: DisabledSite): F {
  if (!disabled.has(fn)) disabled.set(fn, { site })
  if (site.functionName !== undefined) setName(fn, site.functionName)
  return fn
}

/** The `.cache` a function carries, if it is a twat-cache handle (every handle has these members). */
function ownHandle(fn: Function): AnyCacheHandle | undefined {
  const value = Object.getOwnPropertyDescriptor(fn, 'cache')?.value as Partial<Record<string, unknown>> | undefined
  if (value === null || typeof value !== 'object') return undefined
  const members = ['stats', 'clear', 'has', 'delete', 'bind'] as const
  return typeof value.name === 'string' && typeof value.kind === 'string' && members.every((m) => typeof value[m] === 'function')
    ? (value as unknown as AnyCacheHandle)
    : undefined
}

function labelOf(fn: Function): string {
  return fn.name || 'an anonymous function'
}

/** The handle of `fn` (`label` names it in messages), or a NotCachedError that says how to cache it. */
function handleOf(fn: Function, label: string, asMethod: boolean): AnyCacheHandle {
  const own = ownHandle(fn)
  if (own) return own
  const make = declared.get(fn)
  if (make) {
    const made = ownHandle(make())
    if (made) return made
  }
  const site = disabled.get(fn)
  if (site) {
    warnOnce(
      WarningCode.disabled,
      `cacheOf(${label}): ${label} is tagged @${site.site.kind}, but this build ran the twat-cache plugin with enabled: false, so it is not cached and its handle does nothing (stats stay at 0, has() is false). Build with the plugin enabled to cache it.`,
      WarningCode.disabled,
    )
    site.handle ??= (
      disabledCache(
        site.site.kind,
        fn as AnyFunction,
        createCacheConfig({ name: site.site.name }),
        site.site.async === true,
      ) as unknown as { cache: AnyCacheHandle }
    ).cache
    return site.handle
  }
  const bound = fn.name.startsWith('bound ')
    ? ` It is a bound function, which has no cache of its own: pass the cached function itself${asMethod ? '' : ", or use cacheOf(instance, 'method') for a method"}.`
    : ''
  const how = asMethod
    ? `Tag the method (/** @cache mcache */ above it, in a file the twat-cache build plugin transforms) or decorate it (@mcache())`
    : `Tag its declaration (/** @cache mcache */ above it, in a file the twat-cache build plugin transforms), or wrap it (const cached = mcache(${fn.name || 'fn'})) and pass the wrapped function`
  throw new NotCachedError(`cacheOf(${label}): ${label} is not a cached ${asMethod ? 'method' : 'function'}.${bound} ${how}.`)
}

/** `cacheOf(instance, 'method')`: that instance's own handle of a cached method (static: pass the class). */
function methodHandle(instance: unknown, method: PropertyKey): AnyCacheHandle {
  if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) {
    throw new NotCachedError(
      `cacheOf(instance, ${describeValue(method)}) needs an object or a class as its first argument; got ${describeValue(instance)}`,
    )
  }
  const owner =
    typeof instance === 'function' ? instance.name || 'the class' : (Object.getPrototypeOf(instance)?.constructor?.name ?? 'Object')
  const label = `${owner}.${String(method)}`
  const fn = (instance as Record<PropertyKey, unknown>)[method]
  if (typeof fn !== 'function') {
    throw new NotCachedError(
      `cacheOf(instance, ${describeValue(method)}): ${label} is not a method (it is ${describeValue(fn)}); name a cached method of the instance`,
    )
  }
  return handleOf(fn, label, true).bind(instance) as AnyCacheHandle
}

/**
 * The `.cache` handle of a cached function: a wrapped function (`mcache(fn)`), a marker call's result, a tagged
 * declaration, arrow or method. Typed by the function's parameters and result.
 * `cacheOf(Class.prototype.method)` (or `cacheOf(instance.method)`, the same function) is the method's handle over
 * every instance: `has`/`delete` look in each instance's cache, `clear` clears them all, `stats` sums them.
 * @throws NotCachedError (`TWAT_CACHE_NOT_CACHED`) when `fn` is not cached, saying how to cache it
 * @example cacheOf(priceOf).delete('sku-1')
 */
export function cacheOf<F extends AnyFunction>(fn: F): CacheHandleOf<F>
/**
 * One instance's handle of a cached method: `has`/`delete` see only that instance's entries (a memory cache keeps one
 * per instance), with `this` = `instance` for a `key` option. For a static method pass the class.
 * @example cacheOf(prices, 'of').has('sku-1')
 */
export function cacheOf<T extends object, K extends MethodName<T>>(instance: T, method: K): CacheHandleOf<T[K]>
export function cacheOf(target: unknown, method?: PropertyKey): AnyCacheHandle {
  if (arguments.length > 1) return methodHandle(target, method!)
  if (typeof target !== 'function') {
    throw new NotCachedError(
      `cacheOf takes a cached function, or an instance and the name of a cached method (cacheOf(prices, 'of')); got ${describeValue(target)}`,
    )
  }
  return handleOf(target, labelOf(target), false)
}
