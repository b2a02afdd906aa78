/**
 * `getAvailableBackends()`: which engines can run in this process right now, so a program (or `twat-cache` on the
 * command line) can tell what its caches will fall back to. Packages are checked by loading them synchronously
 * (better-sqlite3 also opens an in-memory database, which loads its native addon); no file or connection is opened.
 */
import { betterSqlite3Driver, nodeSqliteDriver } from '../engines/disk/sqlite/driver.js'
import { nodeBuiltin, requireOptional } from '../platform/optional.js'

/**
 * The engine names loadable right now, best first within each family: memory ('lru-cache', 'lfu', 'rr', 'mru',
 * 'map'), disk ('better-sqlite3', 'node:sqlite', 'file'), async ('keyv', 'keyv:redis', 'keyv:memcache',
 * 'memory-async'). The memory engines and 'memory-async' are always listed.
 * @example if (!getAvailableBackends().includes('keyv:redis')) console.warn('npm install keyv @keyv/redis')
 */
export function getAvailableBackends(): string[] {
  const names: string[] = []
  // lru-cache is a dependency, imported statically: always there.
  names.push('lru-cache', 'lfu', 'rr', 'mru', 'map')
  if (betterSqlite3Driver().driver) names.push('better-sqlite3')
  if (nodeSqliteDriver()) names.push('node:sqlite')
  if (nodeBuiltin('node:fs')) names.push('file')
  if (requireOptional('keyv').module) {
    names.push('keyv')
    if (requireOptional('@keyv/redis').module) names.push('keyv:redis')
    if (requireOptional('@keyv/memcache').module) names.push('keyv:memcache')
  }
  names.push('memory-async')
  return names
}
