/**
 * Lazy loading of optional packages (lru-cache, better-sqlite3, keyv and its adapters). A package is loaded the
 * first time a cache that needs it is created, so importing twat-cache never loads SQLite, zlib or keyv, and a
 * package that is missing or broken is an engine that is unavailable, not a crash.
 */

import { createNodeRequire, type NodeRequire } from './node-require.js'

type Loaded<T> = { readonly module: T; readonly error?: undefined } | { readonly module?: undefined; readonly error: Error }

const provided = new Map<string, unknown>()
const loaded = new Map<string, Loaded<unknown>>()

/** Supply a module up front, bypassing `require` (tests and embedders). */
export function provideModule(name: string, module: unknown): void {
  provided.set(name, module)
}

let nodeRequire: NodeRequire | null | undefined

function getNodeRequire(): NodeRequire | null {
  if (nodeRequire === undefined) nodeRequire = createNodeRequire()
  return nodeRequire
}

/** Load a CommonJS-compatible package synchronously; returns the error when it is missing or broken. */
export function requireOptional<T>(name: string): Loaded<T> {
  if (provided.has(name)) return { module: provided.get(name) as T }
  const cached = loaded.get(name)
  if (cached) return cached as Loaded<T>
  let result: Loaded<T>
  const load = getNodeRequire()
  if (!load) {
    result = { error: new Error(`${name} cannot be loaded here (no require in this runtime)`) }
  } else {
    try {
      result = { module: load(name) as T }
    } catch (error) {
      result = { error: error as Error }
    }
  }
  loaded.set(name, result)
  return result
}

/** Load an ES module package asynchronously; returns the error when it is missing or broken. */
export async function importOptional<T>(name: string): Promise<Loaded<T>> {
  if (provided.has(name)) return { module: provided.get(name) as T }
  try {
    return { module: (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T }
  } catch (error) {
    return { error: error as Error }
  }
}

/** A Node built-in module, or undefined outside Node. Used for fs, zlib, crypto, v8: never imported at the top. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return proc?.getBuiltinModule?.(id) as T | undefined
}
