/**
 * `bcache`: a persistent cache in a database on disk. Engines: better-sqlite3 · node:sqlite (Node 22.5+) · the
 * file engine · memory.
 */
import { defineCacheFunction, type CacheFunction, type CacheKindDefinition } from '../api/define.js'
import { cacheOnDisk } from './on-disk.js'

const definition: CacheKindDefinition = {
  kind: 'bcache',
  wrap: (fn, config) => cacheOnDisk('bcache', fn, config),
  // One cache for all instances: entries outlive the instances, so they are keyed by the arguments only.
  perInstance: () => false,
  asyncResults: () => false,
}

/**
 * Cache `fn`'s results in a SQLite database on disk, shared by every process using the same folder.
 * @example const report = bcache(buildReport, { folderName: 'reports', ttl: '1d' })
 * @example class Reports { @bcache({ ttl: '1d' }) build(id: string) {…} }
 */
export const bcache: CacheFunction = defineCacheFunction(definition)
