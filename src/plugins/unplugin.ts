// The one plugin behind every bundler entry (vite.ts, webpack.ts, …): it hands each JS/TS file that may hold a
// cache trigger to the bundler-free transform, and turns its errors and warnings into the bundler's own. It also
// keeps native and missing optional engines external (externals.ts), so bundles find their engines when deployed.
import type { UnpluginMessage, createUnplugin as CreateUnplugin } from 'unplugin'
import { requireBuildPackage } from '../transform/build-packages.js'
import { ModuleGraph, TRIGGER_TEXT, TransformError, transform, type TransformWarning } from '../transform/index.js'
import { esbuildConfig, esbuildSetup, rolldownRenderChunk, rollupRenderChunk, rollupResolveId, webpackExternals } from './externals.js'
import { resolveOptions, type Options } from './options.js'

// unplugin is an optional peer dependency (runtime-only installs do not need it): loaded here, when a bundler
// entry is imported, with the install command in the error when it is missing.
const { createUnplugin } = requireBuildPackage<{ createUnplugin: typeof CreateUnplugin }>('unplugin')

export type { Options, OptionsResolved } from './options.js'

const PLUGIN_NAME = 'twat-cache'

/** The bundlers whose errors keep `loc` and `frame` apart from the message and print them (Rollup's error shape). */
const ROLLUP_LIKE = new Set(['rollup', 'vite', 'rolldown', 'unloader'])

// Hook filters may run `code.test()` once per file; a global or sticky RegExp would carry `lastIndex` from one
// file to the next and skip files at random, so the filter gets a copy without those flags.
const CODE_FILTER = new RegExp(TRIGGER_TEXT.source, TRIGGER_TEXT.flags.replace(/[gy]/g, ''))

export const unplugin = createUnplugin<Options | undefined, false>((rawOptions, meta) => {
  const options = resolveOptions(rawOptions)
  // The user's root wins; otherwise the bundler's root, learnt when the build is configured (below).
  let root = options.root ?? process.cwd()
  const learnRoot = (bundlerRoot: string | undefined): void => {
    if (options.root === undefined && bundlerRoot) root = bundlerRoot
  }
  const framework = meta.framework
  // One graph per plugin instance: the modules versions depend on are read and hashed once per build.
  const moduleGraph = new ModuleGraph()

  return {
    name: PLUGIN_NAME,
    // Run before the bundler strips types and comments: the tags live in JSDoc comments.
    enforce: 'pre',
    buildStart() {
      moduleGraph.startBuild()
    },
    // A file changed in watch or dev mode: stat every file again before the next transform.
    watchChange() {
      moduleGraph.startBuild()
    },
    transform: {
      filter: {
        id: { include: options.include, exclude: options.exclude },
        code: CODE_FILTER,
      },
      handler(code, id) {
        try {
          const result = transform(code, id, {
            root,
            runtime: options.runtime,
            enabled: options.enabled,
            defaults: { ...options.defaults },
            strict: options.strict,
            moduleGraph,
            onWarning: (warning) => this.warn(toBuildMessage(warning, id, framework)),
          })
          if (!result) return null
          // The versions depend on these files: a bundler that caches transforms (webpack, Rspack) or watches
          // (Rollup, Vite) transforms this file again when one changes. esbuild never caches a plugin's output and
          // watches the modules it bundles itself, so only the files it does not load (package manifests) are added:
          // a path list per module is a large message to its Go process.
          for (const file of result.dependencies) if (framework !== 'esbuild' || file.endsWith('package.json')) this.addWatchFile(file)
          return { code: result.code, map: result.map }
        } catch (error) {
          if (!(error instanceof TransformError)) throw error
          // Rollup, Vite and Rolldown throw from `this.error` and stop at the first failing file: one error lists
          // every problem of the file. webpack, Rspack and esbuild record each error and go on with the other
          // files (esbuild only reports errors returned with code), so hand back the source unchanged.
          if (ROLLUP_LIKE.has(framework)) this.error(toBuildMessage(error, id, framework))
          else for (const problem of error.errors) this.error(toBuildMessage(problem, id, framework))
          return { code }
        }
      },
    },
    // Each bundler also keeps better-sqlite3 (and keyv packages that are not installed) external: see externals.ts.
    vite: {
      configResolved(config) {
        learnRoot(config.root)
      },
      resolveId: rollupResolveId,
      renderChunk: rolldownRenderChunk,
    },
    rollup: { resolveId: rollupResolveId, renderChunk: rollupRenderChunk },
    rolldown: {
      options(inputOptions) {
        learnRoot(inputOptions.cwd)
      },
      resolveId: rollupResolveId,
      renderChunk: rolldownRenderChunk,
    },
    webpack(compiler) {
      learnRoot(compiler.context)
      webpackExternals(compiler)
    },
    rspack(compiler) {
      learnRoot(compiler.context)
      webpackExternals(compiler)
    },
    esbuild: {
      config(buildOptions) {
        learnRoot(buildOptions.absWorkingDir)
        esbuildConfig(buildOptions)
      },
      setup: esbuildSetup,
    },
  }
})

/**
 * The bundler's message for a transform error or warning, with `file:line:col: reason` as its first line in every
 * bundler. Rollup-like bundlers print `loc` and `frame` themselves (Vite shows them in its overlay); webpack, Rspack
 * and esbuild print little more than the message, so the code frame goes into it. An error listing several
 * problems carries all their frames in its message.
 */
function toBuildMessage(problem: TransformError | TransformWarning, id: string, framework: string): UnpluginMessage & { frame?: string } {
  const several = problem instanceof TransformError && problem.errors.length > 1
  const [reason = ''] = problem.message.split('\n')
  const frameApart = ROLLUP_LIKE.has(framework) && !several
  return {
    message: frameApart ? reason : problem.message,
    id,
    plugin: PLUGIN_NAME,
    loc: { file: id, line: problem.line, column: locColumn(problem.column, framework) },
    ...(frameApart ? { frame: problem.frame } : {}),
  }
}

/**
 * The transform counts columns from 1, as editors and tsc do. Vite and Rolldown print `loc` unchanged as the
 * clickable `file:line:col` of the error (Vite's overlay also opens the editor there), so they get the column as
 * the message has it. Rollup prints its `(line:col)` counting columns from 0, as in all its own errors, and so
 * does esbuild; they get the 0-based column their other errors have.
 */
function locColumn(column: number, framework: string): number {
  return framework === 'vite' || framework === 'rolldown' ? column : Math.max(0, column - 1)
}
