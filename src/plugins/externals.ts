// Keeps the optional packages the runtime loads (src/runtime/platform/optional-modules.cts) out of the bundle where
// they cannot go, in every bundler, so a user gets a working bundle without configuring externals:
// - better-sqlite3 always stays external: it is a native addon, found at run time beside its package in
//   node_modules (ship node_modules/better-sqlite3 with the bundle, or let a tracer such as @vercel/nft copy it);
// - keyv, @keyv/redis and @keyv/memcache are bundled when the bundler can resolve them, and stay external (a
//   run-time require that fails into acache's local store) when they are not installed, instead of a build error.
// In ES module output, where the external `require('better-sqlite3')` would find no `require` (esbuild: "Dynamic
// require … is not supported"; Rollup: "require is not defined"), the bundle gets a `require` of its own, made by
// createRequire from the bundle's own URL (webpack, Rspack, Rolldown and Vite do this themselves); and where the
// bundler's require shim would hide better-sqlite3 from file tracers, its require goes through a binding they follow.
import { readFile } from 'node:fs/promises'
import type MagicStringClass from 'magic-string'
import { requireBuildPackage } from '../transform/build-packages.js'

/** magic-string, loaded when a chunk first needs a banner (an optional peer, like every build-time package). */
function newMagicString(code: string): MagicStringClass {
  const loaded = requireBuildPackage<typeof MagicStringClass | { default: typeof MagicStringClass }>('magic-string')
  const MagicString = 'default' in loaded ? loaded.default : loaded
  return new MagicString(code)
}

/** Always external: native addons. */
const NATIVE = new Set(['better-sqlite3'])
/** External only when they cannot be resolved (optional peers that may not be installed). */
const OPTIONAL = new Set(['keyv', '@keyv/redis', '@keyv/memcache'])
const CANDIDATE = /^(?:better-sqlite3|keyv|@keyv\/(?:redis|memcache))$/

/** createRequire under a name no user code has; the banners below use it. */
const CREATE_REQUIRE = "import { createRequire as __twatCacheCreateRequire } from 'node:module';"

/**
 * The line that defines `require` in an ES module bundle: the createRequire recipe, in the form file tracers
 * (@vercel/nft) recognise, so that they also find and copy what the bundle requires.
 */
export const ESM_REQUIRE_BANNER = `${CREATE_REQUIRE} const require = __twatCacheCreateRequire(import.meta.url);`

/**
 * esbuild (and Rolldown) turn every `require('x')` of an external into a call of a shim, `__require('x')`, which
 * tracers cannot follow; so in ES module output better-sqlite3 is required through this name instead, bound by a
 * banner with createRequire (which tracers do follow).
 */
const TRACEABLE_REQUIRE = '__twatCacheRequire'
const TRACEABLE_REQUIRE_BANNER = `${CREATE_REQUIRE} const ${TRACEABLE_REQUIRE} = __twatCacheCreateRequire(import.meta.url);`
/** The runtime's loader of optional packages (src/runtime/platform/optional-modules.cts), as built into dist/. */
const LOADER_FILE = /[\\/]runtime[\\/]platform[\\/]optional-modules\.cjs$/

/**
 * A `require` the bundle already declares (the usual createRequire recipe, in a user's banner or code): a second
 * declaration would be a SyntaxError. Matched at the start of a line, so text in strings does not count.
 */
const DEFINES_REQUIRE = /^\s*(?:(?:const|let|var)\s+require\s*=|function\s+require\s*\()/m
/** A bare `require('better-sqlite3')` (or keyv…) left in an ES module chunk (not `__require(` or `x.require(`). */
const BARE_REQUIRE = /(?<![\w$.])require\(\s*["'](?:better-sqlite3|keyv|@keyv\/(?:redis|memcache))["']\s*\)/

// Structural types of the bundler objects used here: the plugin's .d.ts files must not need every bundler installed.
interface EsbuildOptions {
  bundle?: boolean
  platform?: string
  format?: string
  banner?: Record<string, string>
}
type EsbuildImportKind =
  | 'entry-point'
  | 'import-statement'
  | 'require-call'
  | 'dynamic-import'
  | 'require-resolve'
  | 'import-rule'
  | 'composes-from'
  | 'url-token'
interface EsbuildResolveArgs {
  path: string
  importer: string
  resolveDir: string
  kind: EsbuildImportKind
  pluginData?: unknown
}
interface EsbuildBuild {
  initialOptions: EsbuildOptions
  onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js' } | undefined>): void
  onResolve(
    options: { filter: RegExp },
    callback: (args: EsbuildResolveArgs) => Promise<{ path: string; external: true } | undefined>,
  ): void
  resolve(
    path: string,
    options: { importer: string; resolveDir: string; kind: EsbuildImportKind; pluginData: unknown },
  ): Promise<{ errors: unknown[] }>
}
/** webpack's and Rspack's getResolve: called without a callback, the resolver returns a promise. */
type PromiseResolve = (context: string, request: string) => Promise<unknown>
interface WebpackExternalData {
  request?: string
  context?: string
  getResolve?: (options?: never) => unknown
}
type WebpackExternalFunction = (data: WebpackExternalData) => Promise<string | undefined>
interface WebpackLikeCompiler {
  options: { output: { module?: boolean } }
  webpack: { ExternalsPlugin: new (type: 'commonjs', externals: WebpackExternalFunction) => { apply(compiler: never): void } }
}
interface RollupLikeContext {
  resolve(source: string, importer: string | undefined, options: { skipSelf: boolean }): Promise<unknown>
}

function esbuildEsmForNode(options: EsbuildOptions): boolean {
  return options.bundle === true && options.platform === 'node' && options.format === 'esm'
}

/**
 * esbuild's ES module output for Node: a banner, merged into the user's own, that binds the traceable require and,
 * unless the user's banner already declares one, `require` (for esbuild's shim of the other external requires).
 */
export function esbuildConfig(options: EsbuildOptions): void {
  if (!esbuildEsmForNode(options)) return
  const banner = options.banner?.js ?? ''
  const ours = DEFINES_REQUIRE.test(banner) ? TRACEABLE_REQUIRE_BANNER : `${TRACEABLE_REQUIRE_BANNER} const require = ${TRACEABLE_REQUIRE};`
  options.banner = { ...options.banner, js: banner ? `${ours}\n${banner}` : ours }
}

const PROBE = Symbol('twat-cache externals probe')

export function esbuildSetup(build: EsbuildBuild): void {
  build.onResolve({ filter: CANDIDATE }, async (args) => {
    if (NATIVE.has(args.path)) return { path: args.path, external: true }
    if (args.pluginData === PROBE) return undefined // our own probe below: let esbuild resolve it
    const probe = await build.resolve(args.path, {
      importer: args.importer,
      resolveDir: args.resolveDir,
      kind: args.kind,
      pluginData: PROBE,
    })
    return probe.errors.length > 0 ? { path: args.path, external: true } : undefined
  })
  build.onLoad({ filter: LOADER_FILE }, async (args) => {
    if (!esbuildEsmForNode(build.initialOptions)) return undefined
    const source = await readFile(args.path, 'utf8')
    return { contents: source.replace(/\brequire\((["'])better-sqlite3\1\)/g, `${TRACEABLE_REQUIRE}('better-sqlite3')`), loader: 'js' }
  })
}

/** webpack and Rspack: `require('x')` stays a Node require (through createRequire in ES module output). */
export function webpackExternals(compiler: WebpackLikeCompiler): void {
  const externals: WebpackExternalFunction = async ({ request, context, getResolve }) => {
    if (!request || !CANDIDATE.test(request)) return undefined
    const external = `${compiler.options.output.module ? 'node-commonjs' : 'commonjs'} ${request}`
    if (NATIVE.has(request) || !getResolve || context === undefined) return external
    try {
      await (getResolve() as PromiseResolve)(context, request)
      return undefined
    } catch {
      return external
    }
  }
  new compiler.webpack.ExternalsPlugin('commonjs', externals).apply(compiler as never)
}

/** Rollup, Rolldown and Vite: a resolveId hook that marks the package external. */
export async function rollupResolveId(
  this: RollupLikeContext,
  source: string,
  importer: string | undefined,
): Promise<{ id: string; external: true } | null> {
  if (!CANDIDATE.test(source)) return null
  if (NATIVE.has(source)) return { id: source, external: true }
  if (!OPTIONAL.has(source)) return null
  const resolved = await this.resolve(source, importer, { skipSelf: true })
  return resolved ? null : { id: source, external: true }
}

/**
 * Rollup: its commonjs plugin leaves an external require inside `try` as a bare `require(…)`, which an ES module
 * chunk does not have; give the chunk one. Rollup has no notion of a target platform, hence the test on the code:
 * such a require is only there when the runtime's Node loader was bundled (a browser build gets its stand-in).
 */
export function rollupRenderChunk(code: string, _chunk: unknown, options: { format: string; sourcemap?: unknown }) {
  if (options.format !== 'es' || !BARE_REQUIRE.test(code) || DEFINES_REQUIRE.test(code)) return null
  const output = newMagicString(code).prepend(`${ESM_REQUIRE_BANNER}\n`)
  return { code: output.toString(), map: options.sourcemap ? output.generateMap({ hires: true }) : null }
}

/** Rolldown's (and so Vite's) createRequire shim called with better-sqlite3, in ES module output. */
const SHIM_REQUIRE = /(?<![\w$.])__require(?:\$\d+)?\((["'])better-sqlite3\1\)/g

/**
 * Rolldown and Vite: their ES module output requires externals through `__require`, a shim they bind with
 * createRequire inside a function, which tracers do not follow; the better-sqlite3 call goes through the traceable
 * require instead (the same createRequire of the bundle's URL), so that @vercel/nft copies better-sqlite3 too.
 */
export function rolldownRenderChunk(code: string, _chunk: unknown, options: { format: string; sourcemap?: unknown }) {
  if (options.format !== 'es' || !code.match(SHIM_REQUIRE) || code.includes(TRACEABLE_REQUIRE)) return null
  const output = newMagicString(code)
  output.replace(SHIM_REQUIRE, `${TRACEABLE_REQUIRE}('better-sqlite3')`)
  output.prepend(`${TRACEABLE_REQUIRE_BANNER}\n`)
  return { code: output.toString(), map: options.sourcemap ? output.generateMap({ hires: true }) : null }
}
