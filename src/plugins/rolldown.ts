/**
 * The twat-cache plugin for Rolldown: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // rolldown.config.mjs
 * import { defineConfig } from 'rolldown'
 * import twatCache from 'twat-cache/rolldown'
 *
 * export default defineConfig({
 *   input: 'src/main.ts',
 *   plugins: [twatCache({ defaults: { ttl: '10m' } })],
 * })
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The Rolldown plugin; the same function as the default export. */
export const twatCache = unplugin.rolldown

export default twatCache
