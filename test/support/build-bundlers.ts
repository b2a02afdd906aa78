// Builds an app with each supported bundler through its real API, using the twat-cache plugin from the packed
// package in the app's node_modules, into one file for Node: an ES module (`main.mjs`) or CommonJS (`main.cjs`).
// By default twat-cache and Node built-ins stay external; with `bundleRuntime`, twat-cache is bundled too and only
// Node built-ins and what the plugin itself marks external (better-sqlite3, keyv packages not installed) stay out,
// as in a deployed server bundle.
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { App } from './build-package.js'
import { rollupTypeScript } from './build-typescript.js'

export const BUNDLERS = ['vite', 'webpack', 'rollup', 'esbuild', 'rspack', 'rolldown'] as const
export type Bundler = (typeof BUNDLERS)[number]
export type BundleFormat = 'esm' | 'cjs'

export interface BuildRequest {
  readonly app: App
  /** The entry, relative to the app folder. */
  readonly entry: string
  /** Options passed to the twat-cache plugin. */
  readonly pluginOptions?: Readonly<Record<string, unknown>>
  /** Output folder relative to the app folder; the bundle is `<outDir>/main.mjs` (esm) or `<outDir>/main.cjs`. */
  readonly outDir?: string
  /** Receives the text of every warning the bundler reports (otherwise they are dropped). */
  readonly onWarning?: (message: string) => void
  /** @default 'esm' */
  readonly format?: BundleFormat
  /**
   * esbuild only: leave `format` unset, to test esbuild's own default for `platform: 'node'` (CommonJS).
   * @default false
   */
  readonly bundlerDefaultFormat?: boolean
  /** Bundle twat-cache itself instead of keeping it an import. @default false */
  readonly bundleRuntime?: boolean
}

type PluginFactory = (options?: Readonly<Record<string, unknown>>) => unknown

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])
const isTwatCache = (id: string): boolean => /^twat-cache(?:\/|$)/.test(id)
const TS_LOADER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build-typescript.ts')

/** Builds `request.entry` with `bundler`; returns the absolute path of the bundle. Rejects with the build errors. */
export async function buildApp(bundler: Bundler, request: BuildRequest): Promise<string> {
  const { app } = request
  const module = (await import(app.packedUrl(`dist/plugins/${bundler}.js`))) as { default: PluginFactory }
  const plugin = module.default(request.pluginOptions)
  const entry = path.join(app.dir, request.entry)
  const outDir = path.join(app.dir, request.outDir ?? 'dist')
  const format = request.format ?? 'esm'
  const file = `main.${format === 'esm' ? 'mjs' : 'cjs'}`
  const bundleRuntime = request.bundleRuntime ?? false
  const isExternal = (id: string): boolean => NODE_BUILTINS.has(id) || (!bundleRuntime && isTwatCache(id))
  await BUILDERS[bundler]({
    dir: app.dir,
    entry,
    outDir,
    file,
    format,
    bundlerDefaultFormat: request.bundlerDefaultFormat ?? false,
    bundleRuntime,
    isExternal,
    plugin,
    onWarning: request.onWarning ?? (() => undefined),
  })
  return path.join(outDir, file)
}

interface BuildInput {
  readonly dir: string
  readonly entry: string
  readonly outDir: string
  /** The bundle's file name inside outDir. */
  readonly file: string
  readonly format: BundleFormat
  readonly bundlerDefaultFormat: boolean
  readonly bundleRuntime: boolean
  readonly isExternal: (id: string) => boolean
  readonly plugin: unknown
  readonly onWarning: (message: string) => void
}

/** What webpack and Rspack (the same configuration API) share: output for Node in the asked format, no minifying. */
function webpackLikeBase({ dir, entry, outDir, file, format }: BuildInput) {
  return {
    mode: 'none' as const,
    context: dir,
    entry,
    target: 'node20' as const,
    devtool: false as const,
    output:
      format === 'esm'
        ? { path: outDir, filename: file, module: true, chunkFormat: 'module' as const, library: { type: 'module' as const } }
        : { path: outDir, filename: file, chunkFormat: 'commonjs' as const, library: { type: 'commonjs2' as const } },
  }
}

/**
 * twat-cache stays an import unless bundled (Node built-ins are external for target node anyway); `.js` specifiers
 * find the `.ts` sources.
 */
function webpackLikeExternals({ format, isExternal }: BuildInput) {
  return {
    externalsType: format === 'esm' ? ('module' as const) : ('commonjs' as const),
    externals: [
      ({ request }: { request?: string }, callback: (error?: Error, result?: string) => void) =>
        callback(undefined, request && isExternal(request) ? request : undefined),
    ],
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  }
}

/** Rollup needs plugins to read node_modules, CommonJS and JSON when it bundles twat-cache, as a user's setup would. */
async function rollupPackagePlugins(bundleRuntime: boolean): Promise<unknown[]> {
  if (!bundleRuntime) return []
  const { nodeResolve } = await import('@rollup/plugin-node-resolve')
  // The package's types describe its ES build while NodeNext reads them as CommonJS: take the function either way.
  const commonjsModule = (await import('@rollup/plugin-commonjs')) as unknown as { default: () => unknown }
  const jsonModule = (await import('@rollup/plugin-json')) as unknown as { default: () => unknown }
  return [nodeResolve({ exportConditions: ['node'], preferBuiltins: true }), commonjsModule.default(), jsonModule.default()]
}

const BUILDERS: Record<Bundler, (input: BuildInput) => Promise<void>> = {
  async vite(input) {
    const { dir, entry, outDir, file, format, bundleRuntime, plugin } = input
    const { build } = await import('vite')
    const ignore = () => undefined
    const { onWarning } = input
    await build({
      root: dir,
      configFile: false,
      customLogger: {
        info: ignore,
        warn: onWarning,
        warnOnce: onWarning,
        error: ignore,
        clearScreen: ignore,
        hasErrorLogged: () => false,
        hasWarned: false,
      },
      plugins: [plugin as never],
      build: {
        ssr: entry,
        outDir,
        emptyOutDir: true,
        minify: false,
        rolldownOptions: { output: { format: format === 'esm' ? 'es' : 'cjs', entryFileNames: file } },
      },
      // Vite leaves every dependency external in SSR builds unless told otherwise.
      ssr: { target: 'node', ...(bundleRuntime ? { noExternal: true } : { external: ['twat-cache'] }) },
    })
  },

  async webpack(input) {
    const { default: webpack } = await import('webpack')
    const compiler = webpack({
      ...webpackLikeBase(input),
      ...(input.format === 'esm' ? { experiments: { outputModule: true } } : {}),
      ...webpackLikeExternals(input),
      module: { rules: [{ test: /\.ts$/, loader: TS_LOADER }] },
      optimization: { minimize: false },
      plugins: [input.plugin as never],
    })
    await runCompiler(compiler, input.onWarning)
  },

  async rollup({ entry, outDir, file, format, bundleRuntime, isExternal, plugin, onWarning }) {
    const { rollup } = await import('rollup')
    const bundle = await rollup({
      input: entry,
      external: isExternal,
      plugins: [plugin as never, rollupTypeScript(), ...((await rollupPackagePlugins(bundleRuntime)) as never[])],
      onwarn: (warning) => onWarning(warning.message),
    })
    try {
      await bundle.write({ file: path.join(outDir, file), format: format === 'esm' ? 'es' : 'cjs' })
    } finally {
      await bundle.close()
    }
  },

  async esbuild({ dir, entry, outDir, file, format, bundlerDefaultFormat, bundleRuntime, plugin, onWarning }) {
    const { build } = await import('esbuild')
    const result = await build({
      absWorkingDir: dir,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      ...(bundlerDefaultFormat ? {} : { format }),
      target: 'node20',
      outfile: path.join(outDir, file),
      external: bundleRuntime ? [] : ['twat-cache', 'twat-cache/*'],
      logLevel: 'silent',
      plugins: [plugin as never],
    })
    for (const warning of result.warnings) onWarning(warning.text)
  },

  async rspack(input) {
    const { rspack } = await import('@rspack/core')
    const compiler = rspack({
      ...webpackLikeBase(input),
      // Rspack 2 writes ES modules without the experiments.outputModule flag webpack still needs.
      ...webpackLikeExternals(input),
      module: {
        rules: [
          {
            test: /\.ts$/,
            loader: 'builtin:swc-loader',
            options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } },
          },
        ],
      },
      optimization: { minimize: false },
      plugins: [input.plugin as never],
    })
    await runCompiler(compiler, input.onWarning)
  },

  async rolldown({ dir, entry, outDir, file, format, isExternal, plugin, onWarning }) {
    const { rolldown } = await import('rolldown')
    const bundle = await rolldown({
      cwd: dir,
      input: entry,
      platform: 'node',
      external: isExternal,
      plugins: [plugin as never],
      onwarn: (warning) => onWarning(warning.message),
    })
    try {
      await bundle.write({ file: path.join(outDir, file), format: format === 'esm' ? 'es' : 'cjs' })
    } finally {
      await bundle.close()
    }
  },
}

interface StatsLike {
  hasErrors(): boolean
  toJson(options: { all: false; errors: true; warnings: true }): {
    errors?: Array<{ message: string }>
    warnings?: Array<{ message: string }>
  }
}

interface CompilerLike {
  run(callback: (error: Error | null, stats?: StatsLike) => void): void
  close(callback: (error?: Error | null) => void): void
}

/**
 * Runs a webpack or Rspack compiler; rejects with every build error's message when the build has errors. Warnings
 * go to `onWarning`.
 */
function runCompiler(compiler: CompilerLike, onWarning: (message: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {
        if (error) return reject(error)
        const report = stats?.toJson({ all: false, errors: true, warnings: true })
        for (const warning of report?.warnings ?? []) onWarning(warning.message)
        if (stats?.hasErrors()) {
          const messages = (report?.errors ?? []).map((e) => e.message)
          return reject(new Error(messages.join('\n\n')))
        }
        resolve()
      })
    })
  })
}
