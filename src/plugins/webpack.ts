/**
 * The twat-cache plugin for webpack: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // webpack.config.js
 * import twatCache from 'twat-cache/webpack'
 *
 * export default {
 *   entry: './src/main.ts',
 *   plugins: [twatCache({ defaults: { ttl: '10m' } })],
 * }
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The webpack plugin; the same function as the default export. */
export const twatCache = unplugin.webpack

export default twatCache
