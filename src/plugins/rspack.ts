/**
 * The twat-cache plugin for Rspack: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // rspack.config.mjs
 * import { defineConfig } from '@rspack/cli'
 * import twatCache from 'twat-cache/rspack'
 *
 * export default defineConfig({
 *   entry: './src/main.ts',
 *   plugins: [twatCache({ defaults: { ttl: '10m' } })],
 * })
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The Rspack plugin; the same function as the default export. */
export const twatCache = unplugin.rspack

export default twatCache
