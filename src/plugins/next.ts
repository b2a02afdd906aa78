/**
 * twat-cache for Next.js: `withTwatCache(nextConfig, options?)` runs the twat-cache loader on the app's own modules
 * under Turbopack (`next dev`, `next build`; through `turbopack.rules`) and under webpack (`next build --webpack`),
 * and keeps the runtime and better-sqlite3 (bcache's engine) out of the server bundles. The options are the plugin
 * options ({@link Options}); under Turbopack they must be plain data (a RegExp in `include`/`exclude` is converted).
 *
 * @example
 * ```js
 * // next.config.mjs
 * import { withTwatCache } from 'twat-cache/next'
 * export default withTwatCache({ reactStrictMode: true }, { defaults: { ttl: '10m' } })
 *
 * // next.config.js (CommonJS)
 * const { withTwatCache } = require('twat-cache/next')
 * module.exports = withTwatCache({ reactStrictMode: true })
 * ```
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { TRIGGER_TEXT } from '../transform/trigger.js'
import { PluginOptionsError, resolveOptions, type Options } from './options.js'

export type { Options, OptionsResolved } from './options.js'

/** The fields of a Next.js config object that withTwatCache reads. */
interface NextConfigObject {
  turbopack?: object | undefined
  webpack?: ((config: any, context: any) => any) | null | undefined
  serverExternalPackages?: string[] | undefined
}

/** What withTwatCache sets in a config (next to everything the config had). */
export interface Wired {
  turbopack: object
  webpack: (config: any, context: any) => any
  serverExternalPackages: string[]
}

/** A Next.js config in function form, as `next.config` may export it. */
export type NextConfigFunction = (phase: string, context: { defaultConfig: object }) => object | Promise<object>

/** The loader as a file path: Next.js takes absolute loader paths, and no resolution can pick another copy. */
const LOADER = fileURLToPath(new URL('./cjs/loader.cjs', import.meta.url))

/** The files the loader may rewrite, as a Turbopack rule key (a glob on the file name). */
const TURBOPACK_RULE_GLOB = '*.{ts,tsx,js,jsx,mts,cts,mjs,cjs}'
const WEBPACK_TEST = /\.[cm]?[jt]sx?$/
/** node_modules, which includes Next.js' own modules (its entry templates are not "foreign" to Turbopack). */
const NODE_MODULES = /(^|[\\/])node_modules[\\/]/
/**
 * Loaded by Node from node_modules at run time, not bundled: the runtime (one instance for every server layer; its
 * lazy `require` of lru-cache and better-sqlite3 then resolves from where it is installed) and bcache's native engine.
 */
const SERVER_EXTERNALS = ['twat-cache', 'better-sqlite3']

/**
 * Wires twat-cache into a Next.js config (an object, or a function of the phase), keeping everything the config
 * already has: its Turbopack rules, its own `webpack` function (called first), its `serverExternalPackages`.
 *
 * @throws {PluginOptionsError} on a bad option, or (for Turbopack) an option that is not plain data.
 */
export function withTwatCache<Config extends object>(
  nextConfig: (phase: string, context: { defaultConfig: object }) => Config | Promise<Config>,
  options?: Options,
): (phase: string, context: { defaultConfig: object }) => Promise<Config & Wired>
export function withTwatCache<Config extends object = {}>(nextConfig?: Config, options?: Options): Config & Wired
export function withTwatCache(nextConfig: object = {}, options: Options = {}): object {
  resolveOptions(options) // bad options fail when the config loads, not at the first module
  const loaderOptions = toLoaderOptions(options)
  if (typeof nextConfig === 'function') {
    const configFor = nextConfig as NextConfigFunction
    return async (phase: string, context: { defaultConfig: object }) =>
      wire((await configFor(phase, context)) as NextConfigObject, options, loaderOptions)
  }
  if (nextConfig === null || typeof nextConfig !== 'object') {
    throw new PluginOptionsError(
      `withTwatCache: the Next.js config must be an object or a function (phase) => config, ` +
        `got ${nextConfig === null ? 'null' : typeof nextConfig}.`,
    )
  }
  return wire(nextConfig as NextConfigObject, options, loaderOptions)
}

export default withTwatCache

function wire(config: NextConfigObject, options: Options, loaderOptions: object): NextConfigObject & Wired {
  const turbopack = (config.turbopack ?? {}) as { rules?: Record<string, unknown> }
  const userWebpack = config.webpack
  return {
    ...config,
    turbopack: { ...turbopack, rules: addTurbopackRule(turbopack.rules ?? {}, loaderOptions) },
    webpack(webpackConfig: { module?: { rules?: unknown[] } }, context: unknown) {
      const result = (userWebpack ? userWebpack(webpackConfig, context) : webpackConfig) ?? webpackConfig
      result.module ??= {}
      result.module.rules ??= []
      result.module.rules.unshift({
        test: WEBPACK_TEST,
        exclude: NODE_MODULES,
        // Before next-swc-loader, which compiles TypeScript and drops the comments the tags live in.
        enforce: 'pre',
        use: [{ loader: LOADER, options }],
      })
      return result
    },
    serverExternalPackages: [...new Set([...(config.serverExternalPackages ?? []), ...SERVER_EXTERNALS])],
  }
}

/**
 * The Turbopack rule, added under its own glob. A user's rule under the same glob is kept; the two are listed
 * together (the user's first, as in webpack, where the last loader runs first).
 */
function addTurbopackRule(rules: Record<string, unknown>, loaderOptions: object): Record<string, unknown> {
  const rule = {
    loaders: [{ loader: LOADER, options: loaderOptions }],
    // Turbopack runs loaders in Node.js workers: only files that may hold a tag are sent there.
    condition: { all: [{ not: 'foreign' }, { not: { path: NODE_MODULES } }, { content: TRIGGER_TEXT }] },
  }
  const existing = rules[TURBOPACK_RULE_GLOB]
  const merged = existing === undefined ? rule : [...(Array.isArray(existing) ? existing : [existing]), rule]
  return { ...rules, [TURBOPACK_RULE_GLOB]: merged }
}

/**
 * The options as Turbopack must receive them, plain data: RegExps in `include`/`exclude` become `{ source, flags }`
 * (the loader turns them back); anything else that is not plain data is an error naming the option.
 */
function toLoaderOptions(options: Options): object {
  const data: Record<string, unknown> = { ...options }
  // A relative root is taken from where the config loads, not from wherever Turbopack runs its loader workers.
  if (typeof options.root === 'string' && options.root !== '') data.root = path.resolve(options.root)
  for (const name of ['include', 'exclude'] as const) {
    const value = options[name]
    if (value === undefined || value === null) continue
    const toData = (item: unknown) => (item instanceof RegExp ? { source: item.source, flags: item.flags } : item)
    data[name] = Array.isArray(value) ? value.map(toData) : toData(value)
  }
  for (const [name, value] of Object.entries(data)) {
    if (value !== undefined && !isDeepStrictEqual(value, JSON.parse(JSON.stringify(value) ?? 'null'))) {
      throw new PluginOptionsError(
        `withTwatCache: option "${name}" must be plain data (strings, numbers, booleans, arrays, objects): ` +
          `Turbopack passes loader options as JSON. Write functions and other values in the tags instead.`,
      )
    }
  }
  return data
}
