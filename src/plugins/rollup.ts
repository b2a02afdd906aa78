/**
 * The twat-cache plugin for Rollup: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // rollup.config.js: put it before the plugin that compiles TypeScript, which drops comments
 * import twatCache from 'twat-cache/rollup'
 * import typescript from '@rollup/plugin-typescript'
 *
 * export default {
 *   input: 'src/main.ts',
 *   output: { dir: 'dist', format: 'es' },
 *   plugins: [twatCache({ defaults: { ttl: '10m' } }), typescript()],
 * }
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The Rollup plugin; the same function as the default export. */
export const twatCache = unplugin.rollup

export default twatCache
