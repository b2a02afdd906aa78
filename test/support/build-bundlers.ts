// Builds an app with each supported bundler through its real API, using the twat-cache plugin from the packed
// package in the app's node_modules, into one ES module for Node (twat-cache and Node built-ins left external).
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { App } from './build-package.js'
import { rollupTypeScript } from './build-typescript.js'

export const BUNDLERS = ['vite', 'webpack', 'rollup', 'esbuild', 'rspack', 'rolldown'] as const
export type Bundler = (typeof BUNDLERS)[number]

export interface BuildRequest {
  readonly app: App
  /** The entry, relative to the app folder. */
  readonly entry: string
  /** Options passed to the twat-cache plugin. */
  readonly pluginOptions?: Readonly<Record<string, unknown>>
  /** Output folder relative to the app folder; the bundle is `<outDir>/main.mjs`. */
  readonly outDir?: string
  /** Receives the text of every warning the bundler reports (otherwise they are dropped). */
  readonly onWarning?: (message: string) => void
}

type PluginFactory = (options?: Readonly<Record<string, unknown>>) => unknown

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)])
const isExternal = (id: string): boolean => /^twat-cache(?:\/|$)/.test(id) || NODE_BUILTINS.has(id)
const TS_LOADER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'build-typescript.ts')

/** Builds `request.entry` with `bundler`; returns the absolute path of the bundle. Rejects with the build errors. */
export async function buildApp(bundler: Bundler, request: BuildRequest): Promise<string> {
  const { app } = request
  const module = (await import(app.packedUrl(`dist/plugins/${bundler}.js`))) as { default: PluginFactory }
  const plugin = module.default(request.pluginOptions)
  const entry = path.join(app.dir, request.entry)
  const outDir = path.join(app.dir, request.outDir ?? 'dist')
  await BUILDERS[bundler]({ dir: app.dir, entry, outDir, plugin, onWarning: request.onWarning ?? (() => undefined) })
  return path.join(outDir, 'main.mjs')
}

interface BuildInput {
  readonly dir: string
  readonly entry: string
  readonly outDir: string
  readonly plugin: unknown
  readonly onWarning: (message: string) => void
}

/** What webpack and Rspack (the same configuration API) share: ES module output for Node, no minifying. */
function webpackLikeBase(dir: string, entry: string, outDir: string) {
  return {
    mode: 'none' as const,
    context: dir,
    entry,
    target: 'node20' as const,
    devtool: false as const,
    output: { path: outDir, filename: 'main.mjs', module: true, chunkFormat: 'module' as const, library: { type: 'module' as const } },
  }
}

/** twat-cache and Node built-ins stay imports; `.js` specifiers find the `.ts` sources. */
function webpackLikeExternals() {
  return {
    externalsType: 'module' as const,
    externals: [({ request }: { request?: string }, callback: (error?: Error, result?: string) => void) => callback(undefined, request && isExternal(request) ? request : undefined)],
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  }
}

const BUILDERS: Record<Bundler, (input: BuildInput) => Promise<void>> = {
  async vite({ dir, entry, outDir, plugin, onWarning }) {
    const { build } = await import('vite')
    const ignore = () => undefined
    await build({
      root: dir,
      configFile: false,
      customLogger: { info: ignore, warn: onWarning, warnOnce: onWarning, error: ignore, clearScreen: ignore, hasErrorLogged: () => false, hasWarned: false },
      plugins: [plugin as never],
      build: {
        ssr: entry,
        outDir,
        emptyOutDir: true,
        minify: false,
        rolldownOptions: { output: { format: 'es', entryFileNames: 'main.mjs' } },
      },
      ssr: { target: 'node', external: ['twat-cache'] },
    })
  },

  async webpack({ dir, entry, outDir, plugin, onWarning }) {
    const { default: webpack } = await import('webpack')
    const compiler = webpack({
      ...webpackLikeBase(dir, entry, outDir),
      experiments: { outputModule: true },
      ...webpackLikeExternals(),
      module: { rules: [{ test: /\.ts$/, loader: TS_LOADER }] },
      optimization: { minimize: false },
      plugins: [plugin as never],
    })
    await runCompiler(compiler, onWarning)
  },

  async rollup({ entry, outDir, plugin, onWarning }) {
    const { rollup } = await import('rollup')
    const bundle = await rollup({
      input: entry,
      external: isExternal,
      plugins: [plugin as never, rollupTypeScript()],
      onwarn: (warning) => onWarning(warning.message),
    })
    try {
      await bundle.write({ file: path.join(outDir, 'main.mjs'), format: 'es' })
    } finally {
      await bundle.close()
    }
  },

  async esbuild({ dir, entry, outDir, plugin, onWarning }) {
    const { build } = await import('esbuild')
    const result = await build({
      absWorkingDir: dir,
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: path.join(outDir, 'main.mjs'),
      external: ['twat-cache', 'twat-cache/*'],
      logLevel: 'silent',
      plugins: [plugin as never],
    })
    for (const warning of result.warnings) onWarning(warning.text)
  },

  async rspack({ dir, entry, outDir, plugin, onWarning }) {
    const { rspack } = await import('@rspack/core')
    const compiler = rspack({
      ...webpackLikeBase(dir, entry, outDir),
      // Rspack 2 writes ES modules without the experiments.outputModule flag webpack still needs.
      ...webpackLikeExternals(),
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
      plugins: [plugin as never],
    })
    await runCompiler(compiler, onWarning)
  },

  async rolldown({ dir, entry, outDir, plugin, onWarning }) {
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
      await bundle.write({ file: path.join(outDir, 'main.mjs'), format: 'es' })
    } finally {
      await bundle.close()
    }
  },
}

interface StatsLike {
  hasErrors(): boolean
  toJson(options: { all: false; errors: true; warnings: true }): { errors?: Array<{ message: string }>; warnings?: Array<{ message: string }> }
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
