// The one plugin behind every bundler entry (vite.ts, webpack.ts, …): it hands each JS/TS file that may hold a
// cache trigger to the bundler-free transform, and turns a TransformError into the bundler's own build error.
import { createUnplugin, type UnpluginMessage } from 'unplugin'
import { TRIGGER_TEXT, TransformError, transform } from '../transform/index.js'
import { esbuildConfig, esbuildSetup, rolldownRenderChunk, rollupRenderChunk, rollupResolveId, webpackExternals } from './externals.js'
import { resolveOptions, type Options } from './options.js'

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
  const rollupLike = ROLLUP_LIKE.has(meta.framework)

  return {
    name: PLUGIN_NAME,
    // Run before the bundler strips types and comments: the tags live in JSDoc comments.
    enforce: 'pre',
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
          })
          return result && { code: result.code, map: result.map }
        } catch (error) {
          if (!(error instanceof TransformError)) throw error
          this.error(toBuildError(error, id, rollupLike))
          // Rollup, Vite and Rolldown throw from `this.error`. webpack and Rspack record the error and go on, and
          // esbuild only reports errors returned with code, so hand back the source unchanged.
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
 * The build error for a bad tag, with `file:line:col: reason` as its first line in every bundler. Rollup-like
 * bundlers print `loc` and `frame` themselves (Vite shows them in its overlay); webpack, Rspack and esbuild print
 * little more than the message, so the code frame goes into it.
 */
function toBuildError(error: TransformError, id: string, rollupLike: boolean): UnpluginMessage & { frame?: string } {
  const where = `:${error.line}:${error.column}`
  const [firstLine = ''] = error.message.split('\n')
  const reason = firstLine.includes(where) ? firstLine : `${error.file}${where}: ${firstLine}`
  return {
    message: rollupLike || !error.frame ? reason : `${reason}\n${error.frame}`,
    id,
    plugin: PLUGIN_NAME,
    // The transform counts columns from 1, as editors and tsc do; Rollup, Vite and esbuild count them from 0.
    loc: { file: id, line: error.line, column: Math.max(0, error.column - 1) },
    ...(rollupLike && error.frame ? { frame: error.frame } : {}),
  }
}
