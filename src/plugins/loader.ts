/**
 * The twat-cache webpack loader, for webpack, Rspack and Turbopack (`turbopack.rules` in Next.js): the same
 * transform as the plugins, for setups that take loaders rather than plugins. Its options are the plugin options
 * ({@link Options}); where the options must be JSON (Turbopack), a RegExp in `include`/`exclude` may be written as
 * `{ source, flags }`. Put it last in a rule's `use` list (loaders run last to first), or in a rule with
 * `enforce: 'pre'`, so it sees the source before TypeScript or SWC drop the comments the tags live in.
 *
 * @example
 * ```js
 * // webpack.config.js (or rspack.config.js)
 * module.exports = {
 *   module: {
 *     rules: [{ test: /\.[cm]?[jt]sx?$/, exclude: /node_modules/, enforce: 'pre', loader: 'twat-cache/loader' }],
 *   },
 * }
 * ```
 */
import type remappingFunction from '@jridgewell/remapping'
import type { EncodedSourceMap } from '@jridgewell/remapping'
import { requireBuildPackage } from '../transform/build-packages.js'
import { ModuleGraph, TRIGGER_TEXT, TransformError, transform, type TransformWarning } from '../transform/index.js'
import { createFileFilter, type FileFilter } from './file-filter.js'
import { PluginOptionsError, resolveOptions, type Options, type OptionsResolved } from './options.js'

export type { Options, OptionsResolved } from './options.js'

/** A source map as loaders pass it on: an object, or its JSON text. */
export type LoaderSourceMap = EncodedSourceMap | string

/**
 * The part of the loader context (webpack's, Rspack's and Turbopack's alike) this loader uses. Declared here so that
 * the types do not depend on one bundler's package.
 */
export interface LoaderContext {
  /** The module's absolute path, without its query. */
  readonly resourcePath: string
  /** The project root: webpack's and Rspack's `context`, Turbopack's project folder. */
  readonly rootContext?: string | undefined
  /** Whether the build wants source maps (webpack's `devtool`); `undefined` is taken as yes. */
  readonly sourceMap?: boolean | undefined
  /** webpack 5, Rspack and Turbopack; a bare loader-runner has only `query`. */
  getOptions?(): unknown
  readonly query?: unknown
  callback(error: Error | null, code?: string, map?: EncodedSourceMap): void
  /** Reports a warning for the module (webpack, Rspack and Turbopack). */
  emitWarning?(warning: Error): void
  /** Makes the module depend on a file: it is built again when that file changes (webpack, Rspack, Turbopack). */
  addDependency?(file: string): void
  /** webpack's and Rspack's current compilation: a new one is a new build (not in Turbopack). */
  readonly _compilation?: object | undefined
}

/** The options the build step runs with for one set of loader options, and the file filter they make. */
interface Prepared {
  readonly options: OptionsResolved
  readonly root: string
  readonly accepts: FileFilter
}

// webpack and Rspack hand every module of a rule the same options object; Turbopack parses its JSON per module.
const prepared = new WeakMap<object, Map<string, Prepared>>()

// The modules versions depend on, read and hashed once per build by every loader of the process (the graph does not
// depend on the loader's options), and the compilation its current build belongs to.
const moduleGraph = new ModuleGraph()
let currentBuild: object | undefined

/**
 * Rewrites the tagged functions and marker calls of one module, passing the source map on (the transform's map,
 * combined with the map of the loaders before it). A bad tag fails the module with `file:line:col`, the message and
 * a code frame.
 */
export default function twatCacheLoader(this: LoaderContext, source: string, inputMap?: LoaderSourceMap): void {
  // Most modules have no tag: hand them on before anything is parsed or resolved.
  if (!TRIGGER_TEXT.test(source)) return this.callback(null, source, parseMap(inputMap))
  let run: Prepared
  try {
    run = prepare(this.getOptions ? this.getOptions() : this.query, this.rootContext)
  } catch (error) {
    return this.callback(error as Error)
  }
  if (!run.accepts(this.resourcePath)) return this.callback(null, source, parseMap(inputMap))

  // A new compilation is a new build: files are checked again. Without one (Turbopack), every module is.
  const compilation = this._compilation
  if (!compilation || compilation !== currentBuild) {
    moduleGraph.startBuild()
    currentBuild = compilation
  }
  let result: ReturnType<typeof transformModule>
  try {
    result = transformModule(source, this.resourcePath, run, (warning) => this.emitWarning?.(toLoaderError(warning)))
  } catch (error) {
    return this.callback(error instanceof TransformError ? toLoaderError(error) : (error as Error))
  }
  if (!result) return this.callback(null, source, parseMap(inputMap))
  // The versions depend on these files: the module is built again when one of them changes.
  for (const file of result.dependencies) this.addDependency?.(file)
  const wantsMap = this.sourceMap !== false
  this.callback(null, result.code, wantsMap ? combineMaps(result.map, parseMap(inputMap)) : undefined)
}

/**
 * The one call into the transform, kept apart so that a change of the transform's result (more errors, warnings)
 * is adapted here only.
 */
function transformModule(
  code: string,
  file: string,
  run: Prepared,
  onWarning: (warning: TransformWarning) => void,
): { code: string; map: EncodedSourceMap; dependencies: readonly string[] } | null {
  const result = transform(code, file, {
    root: run.root,
    runtime: run.options.runtime,
    enabled: run.options.enabled,
    defaults: { ...run.options.defaults },
    strict: run.options.strict,
    moduleGraph,
    onWarning,
  })
  return result && { code: result.code, map: JSON.parse(result.map.toString()) as EncodedSourceMap, dependencies: result.dependencies }
}

/** The resolved options for one loader options value (validated once per options object and root). */
function prepare(rawOptions: unknown, rootContext: string | undefined): Prepared {
  const raw = rawOptions ?? {}
  const byRoot = typeof raw === 'object' ? prepared.get(raw) : undefined
  const key = rootContext ?? ''
  const known = byRoot?.get(key)
  if (known) return known
  const options = resolveOptions(reviveRegExps(raw) as Options)
  const root = options.root ?? rootContext ?? process.cwd()
  const run: Prepared = { options, root, accepts: createFileFilter(options.include, options.exclude, root) }
  if (typeof raw === 'object' && raw !== null) {
    if (!byRoot) prepared.set(raw, new Map([[key, run]]))
    else byRoot.set(key, run)
  }
  return run
}

/** `include`/`exclude` items written as `{ source, flags }` (options that must be JSON) turned back into RegExps. */
function reviveRegExps(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw
  const options = { ...(raw as Record<string, unknown>) }
  for (const name of ['include', 'exclude'] as const) {
    const value = options[name]
    if (value === undefined) continue
    options[name] = Array.isArray(value) ? value.map((item) => reviveRegExp(name, item)) : reviveRegExp(name, value)
  }
  return options
}

function reviveRegExp(name: string, item: unknown): unknown {
  if (item === null || typeof item !== 'object' || item instanceof RegExp) return item
  const { source, flags = '' } = item as { source?: unknown; flags?: unknown }
  if (typeof source !== 'string' || typeof flags !== 'string') return item
  try {
    return new RegExp(source, flags)
  } catch (error) {
    throw new PluginOptionsError(
      `twat-cache loader: "${name}" has an invalid RegExp { source: ${JSON.stringify(source)}, flags: ` +
        `${JSON.stringify(flags)} }: ${(error as Error).message}.`,
    )
  }
}

function parseMap(map: LoaderSourceMap | undefined): EncodedSourceMap | undefined {
  if (!map) return undefined
  return typeof map === 'string' ? (JSON.parse(map) as EncodedSourceMap) : map
}

/**
 * The map from the original source to the rewritten code. The first loader of a chain gets no map; a later one gets
 * the map of the loaders before it, which is traced through so that positions still point at the original file.
 */
function combineMaps(map: EncodedSourceMap, inputMap: EncodedSourceMap | undefined): EncodedSourceMap {
  if (!inputMap?.mappings) return map
  const loaded = requireBuildPackage<typeof remappingFunction | { default: typeof remappingFunction }>('@jridgewell/remapping')
  const remapping = 'default' in loaded ? loaded.default : loaded
  const combined = remapping([map, inputMap], () => null)
  return JSON.parse(combined.toString()) as EncodedSourceMap
}

/**
 * The module's build error: the transform's message (`file:line:col: reason`, then the line and a caret), without
 * the transform's stack, which would bury the frame: webpack and Rspack leave the stack out when `hideStack` is set,
 * Turbopack prints `stack`, so that is the message alone. A plain Error, which webpack's persistent cache can store.
 */
function toLoaderError(error: TransformError | TransformWarning): Error & { hideStack: true } {
  const loaderError = Object.assign(new Error(error.message), { hideStack: true as const })
  loaderError.name = error.name
  loaderError.stack = `${error.name}: ${error.message}`
  return loaderError
}
