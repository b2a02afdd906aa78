/**
 * Lazy loading of the optional packages (better-sqlite3, keyv and its adapters) through the one CommonJS loader
 * that names them literally (platform/optional-modules.cts). A package is loaded the first time a cache that needs
 * it is created, so importing twat-cache never loads SQLite, zlib or keyv, and a package that is missing or broken
 * is an engine that is unavailable, with the reason why, not a crash.
 */
import optionalModules from './optional-modules.cjs'
import { describeLoadFailure, type LoadFailure, type OptionalPackage } from './load-failure.js'

export type { LoadFailure, OptionalPackage } from './load-failure.js'

export type Loaded<T> =
  | { readonly module: T; readonly error?: undefined; readonly failure?: undefined }
  | { readonly module?: undefined; readonly error: Error; readonly failure: LoadFailure }

const provided = new Map<string, unknown>()
const loaded = new Map<string, Loaded<unknown>>()

/** Supply a module up front, bypassing the loader (tests and embedders). */
export function provideModule(name: OptionalPackage, module: unknown): void {
  provided.set(name, module)
  loaded.delete(name)
}

/** Load an optional package synchronously, once per process; a failure says why (see describeLoadFailure). */
export function requireOptional<T>(name: OptionalPackage): Loaded<T> {
  if (provided.has(name)) return { module: provided.get(name) as T }
  const cached = loaded.get(name)
  if (cached) return cached as Loaded<T>
  const attempt = optionalModules.loaders[name]()
  let result: Loaded<T>
  if (attempt.error === undefined && attempt.module !== undefined) {
    result = { module: attempt.module as T }
  } else {
    const failure = describeLoadFailure(name, attempt.error, optionalModules.environment)
    result = { error: failure.error, failure }
  }
  loaded.set(name, result)
  return result
}

/** A Node built-in module, or undefined outside Node. Used for fs, zlib, crypto, v8: never imported at the top. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return proc?.getBuiltinModule?.(id) as T | undefined
}

/** Where the optional packages are loaded from: Node itself, a bundle, or a browser build. */
export function loadEnvironment(): 'node' | 'bundle' | 'browser' {
  return optionalModules.environment
}
