/**
 * The twat-cache plugin for Vite: caches every function tagged `@cache` (or `@mcache` … `@ucache`) in the files
 * it builds. The options are described in {@link Options}.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite'
 * import twatCache from 'twat-cache/vite'
 *
 * export default defineConfig({
 *   plugins: [twatCache({ defaults: { ttl: '10m' } })],
 * })
 * ```
 */
import { unplugin } from './unplugin.js'

export type { Options, OptionsResolved } from './options.js'

/** The Vite plugin; the same function as the default export. */
export const twatCache = unplugin.vite

export default twatCache
