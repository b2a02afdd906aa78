/**
 * `fcache`: a persistent cache with one file per entry, for large values (typed arrays are stored whole, with
 * optional gzip or brotli compression). Engines: the file engine · memory (when the folder cannot be written).
 */
import { defineCacheFunction, type CacheFunction, type CacheKindDefinition } from '../api/define.js'
import { cacheOnDisk } from './on-disk.js'

const definition: CacheKindDefinition = {
  kind: 'fcache',
  wrap: (fn, config) => cacheOnDisk('fcache', fn, config),
  // One cache for all instances: entries outlive the instances, so they are keyed by the arguments only.
  perInstance: () => false,
  asyncResults: () => false,
}

/**
 * Cache `fn`'s results as files on disk, one per entry.
 * @example const spectrum = fcache(computeSpectrum, { folderName: 'spectra', compress: true })
 */
export const fcache: CacheFunction = defineCacheFunction(definition)
