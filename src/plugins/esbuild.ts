/**
 * The twat-cache plugin for esbuild: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // build.mjs
 * import { build } from 'esbuild'
 * import twatCache from 'twat-cache/esbuild'
 *
 * await build({
 *   entryPoints: ['src/main.ts'],
 *   bundle: true,
 *   outdir: 'dist',
 *   plugins: [twatCache({ defaults: { ttl: '10m' } })],
 * })
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The esbuild plugin; the same function as the default export. */
export const twatCache = unplugin.esbuild

export default twatCache
