// The options of the twat-cache bundler plugins (the same for every bundler), their defaults, and the check that
// turns a user's object into the resolved form the plugin runs with.
import path from 'node:path'
import type { FilterPattern } from 'unplugin'
import { didYouMean } from '../runtime/options/config.js'
import { describeValue as describe } from '../runtime/report/errors.js'

/** Options of `twat-cache/vite`, `twat-cache/webpack`, `twat-cache/rollup`, `twat-cache/esbuild`, … */
export interface Options {
  /**
   * Files the plugin looks at (a path, a glob, a RegExp, or a list of them). Only files that also contain a
   * trigger (a `@cache` tag, a shorthand tag, or a cache imported from the runtime) are parsed.
   * @default [/\.[cm]?[jt]sx?$/]
   */
  readonly include?: FilterPattern | undefined
  /**
   * Files the plugin never touches, even when {@link Options.include} matches them.
   * @default [/[\\/]node_modules[\\/]/, /\.d\.[cm]?ts$/]
   */
  readonly exclude?: FilterPattern | undefined
  /**
   * `false` strips the tags and caches nothing: every tagged function runs as written. Useful for a debug build.
   * Files with tags are still parsed, to register each tagged function as disabled, so that `cacheOf(fn)` warns
   * once and returns a handle that does nothing instead of throwing.
   * @default true
   */
  readonly enabled?: boolean | undefined
  /**
   * Cache options merged under the options of every tag (a tag's own options win), e.g. `{ ttl: '10m' }`.
   * @default {}
   * @example { maxsize: 1000, ttl: '10m' }
   */
  readonly defaults?: Readonly<Record<string, unknown>> | undefined
  /**
   * The project root: each cached function's stable id is its file's path relative to this folder plus its
   * qualified name, so persistent entries survive moving the checkout. A relative path is taken from the
   * current working directory.
   * @default the bundler's root (Vite's `root`, webpack's and Rspack's `context`, esbuild's `absWorkingDir`,
   * Rolldown's `cwd`), else `process.cwd()`
   */
  readonly root?: string | undefined
  /**
   * The module the rewritten code imports the caches from.
   * @default 'twat-cache'
   */
  readonly runtime?: string | undefined
  /**
   * Closure problems are build errors instead of warnings: a persistent cache whose function reads a module
   * variable that is reassigned, a parameter or local of an enclosing function, or `this` without a `key` option
   * (and a memory cache reading an enclosing local that is reassigned). A tag's own `strict=true` does the same for
   * that function.
   * @default false
   */
  readonly strict?: boolean | undefined
}

/** {@link Options} with every default filled in. */
export interface OptionsResolved {
  readonly include: FilterPattern
  readonly exclude: FilterPattern
  readonly enabled: boolean
  readonly defaults: Readonly<Record<string, unknown>>
  /** The root the user gave (absolute), or `undefined` to take the bundler's root when the build starts. */
  readonly root: string | undefined
  readonly runtime: string
  readonly strict: boolean
}

export const DEFAULT_INCLUDE: readonly RegExp[] = [/\.[cm]?[jt]sx?$/]
export const DEFAULT_EXCLUDE: readonly RegExp[] = [/[\\/]node_modules[\\/]/, /\.d\.[cm]?ts$/]
export const DEFAULT_RUNTIME = 'twat-cache'

const OPTION_NAMES = ['include', 'exclude', 'enabled', 'defaults', 'root', 'runtime', 'strict'] as const

/** A plugin option the user got wrong; the message names the option, the value and what is allowed. */
export class PluginOptionsError extends TypeError {
  override name = 'PluginOptionsError'
}

/**
 * Checks the user's options and fills in the defaults.
 *
 * Written by hand rather than with a schema library: there are seven options, and each error has to say which
 * option is wrong and what to write instead, which reads better spelled out than mapped from schema issues.
 *
 * @throws {PluginOptionsError} on an unknown option or a value of the wrong kind.
 */
export function resolveOptions(options: Options | undefined = {}): OptionsResolved {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PluginOptionsError(
      `twat-cache plugin: options must be an object such as { defaults: { ttl: '10m' } }, got ${describe(options)}.`,
    )
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      const hint = didYouMean(key, OPTION_NAMES)
      throw new PluginOptionsError(
        `twat-cache plugin: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}. ` +
          `Known options: ${OPTION_NAMES.join(', ')}. Cache options such as maxsize or ttl go under "defaults".`,
      )
    }
  }
  const { include, exclude, enabled, defaults, root, runtime, strict } = options
  checkPattern('include', include)
  checkPattern('exclude', exclude)
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    throw new PluginOptionsError(`twat-cache plugin: "enabled" must be true or false, got ${describe(enabled)}.`)
  }
  if (strict !== undefined && typeof strict !== 'boolean') {
    throw new PluginOptionsError(`twat-cache plugin: "strict" must be true or false, got ${describe(strict)}.`)
  }
  if (defaults !== undefined && (defaults === null || typeof defaults !== 'object' || Array.isArray(defaults))) {
    throw new PluginOptionsError(
      `twat-cache plugin: "defaults" must be an object of cache options such as { ttl: '10m' }, ` + `got ${describe(defaults)}.`,
    )
  }
  if (root !== undefined && (typeof root !== 'string' || root === '')) {
    throw new PluginOptionsError(`twat-cache plugin: "root" must be a folder path (the project root), got ${describe(root)}.`)
  }
  if (runtime !== undefined && (typeof runtime !== 'string' || runtime.trim() === '')) {
    throw new PluginOptionsError(
      `twat-cache plugin: "runtime" must be the import path of the runtime such as 'twat-cache', ` + `got ${describe(runtime)}.`,
    )
  }
  return {
    include: include ?? [...DEFAULT_INCLUDE],
    exclude: exclude ?? [...DEFAULT_EXCLUDE],
    enabled: enabled ?? true,
    defaults: { ...defaults },
    root: root === undefined ? undefined : path.resolve(root),
    runtime: runtime ?? DEFAULT_RUNTIME,
    strict: strict ?? false,
  }
}

function checkPattern(name: 'include' | 'exclude', value: unknown): void {
  if (value === undefined) return
  const items = Array.isArray(value) ? value : [value]
  for (const item of items) {
    if (typeof item !== 'string' && !(item instanceof RegExp)) {
      throw new PluginOptionsError(`twat-cache plugin: "${name}" takes paths, globs or RegExps (or a list of them), got ${describe(item)}.`)
    }
  }
}
