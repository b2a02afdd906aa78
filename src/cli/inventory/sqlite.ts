/**
 * The CLI's access to a folder's SQLite database (`cache.sqlite`): read-only summaries for `stats`, and deletions
 * for `clear` and `prune` in ordinary write transactions (BEGIN IMMEDIATE, with the engine's busy timeout), so they
 * are safe while caches use the database. It opens the database through the runtime's own drivers and queries the
 * runtime's tables (schema.ts), never creating or migrating them.
 */
import { betterSqlite3Driver, nodeSqliteDriver, type SqlDatabase, type SqliteDriver } from '../../runtime/engines/disk/sqlite/driver.js'
import { SCHEMA_VERSION, TABLES, prepareTagStatements, transaction } from '../../runtime/engines/disk/sqlite/schema.js'
import { summarize, type FunctionSummary, type VersionSummary } from './model.js'

const { entries: ENTRIES } = TABLES

/** The SQLite engine's access times are microseconds (an ordering tick); everything else is in milliseconds. */
const TICKS_PER_MS = 1000

/** A driver that loads here, or the reason none does (with its fix). */
export function sqliteDriver(): { driver: SqliteDriver } | { problem: string } {
  const better = betterSqlite3Driver()
  if (better.driver) return { driver: better.driver }
  const node = nodeSqliteDriver()
  if (node) return { driver: node }
  return { problem: `no SQLite driver loads here: better-sqlite3 ${better.failure.cause}. ${better.failure.fix}` }
}

export type OpenedDatabase =
  | { readonly kind: 'open'; readonly db: SqlDatabase; close(): void }
  /** A database no cache has written to yet (no tables). */
  | { readonly kind: 'empty' }
  | { readonly kind: 'problem'; readonly problem: string }

function closeQuietly(db: SqlDatabase): void {
  try {
    db.close()
  } catch {
    // already closed
  }
}

/** Open an existing database; `readOnly` sets query_only, so nothing this connection runs can change it. */
export function openDatabase(file: string, readOnly: boolean): OpenedDatabase {
  const found = sqliteDriver()
  if ('problem' in found) return { kind: 'problem', problem: found.problem }
  let db: SqlDatabase
  try {
    db = found.driver.open(file)
  } catch (error) {
    return { kind: 'problem', problem: `cannot open it: ${(error as Error).message}` }
  }
  try {
    if (readOnly) db.exec('PRAGMA query_only = 1')
    const version = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
    const hasTable = db.prepare(`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?`).get(ENTRIES) !== undefined
    if (!hasTable) {
      closeQuietly(db)
      return { kind: 'empty' }
    }
    if (version !== SCHEMA_VERSION) {
      closeQuietly(db)
      return {
        kind: 'problem',
        problem: `its schema is version ${version}, this twat-cache reads version ${SCHEMA_VERSION} (the next cache to open it rebuilds it)`,
      }
    }
  } catch (error) {
    closeQuietly(db)
    return { kind: 'problem', problem: `cannot read it: ${(error as Error).message}` }
  }
  return { kind: 'open', db, close: () => closeQuietly(db) }
}

interface VersionRow {
  fn: string
  version: string
  entries: number
  bytes: number
  expired: number
  oldest: number
  newest: number
}

/** Every function of the database, per version; with `tags`, only the entries carrying one of them. */
export function summarizeDatabase(db: SqlDatabase, now: number, tags?: readonly string[]): FunctionSummary[] {
  const where = tags?.length ? `WHERE ${carriesTag(tags)} ` : ''
  const rows = db
    .prepare(
      `SELECT fn, version, count(*) AS entries, coalesce(sum(size), 0) AS bytes,
         sum(CASE WHEN expires > 0 AND expires <= ? THEN 1 ELSE 0 END) AS expired,
         min(accessed) AS oldest, max(accessed) AS newest
       FROM ${ENTRIES} ${where}GROUP BY fn, version`,
    )
    .all(now, ...(tags ?? [])) as VersionRow[]
  const byFunction = new Map<string, VersionSummary[]>()
  for (const row of rows) {
    const versions = byFunction.get(row.fn) ?? []
    versions.push({
      version: row.version,
      entries: Number(row.entries),
      bytes: Number(row.bytes),
      expired: Number(row.expired),
      oldest: Math.floor(Number(row.oldest) / TICKS_PER_MS),
      newest: Math.floor(Number(row.newest) / TICKS_PER_MS),
    })
    byFunction.set(row.fn, versions)
  }
  return [...byFunction].map(([fn, versions]) => summarize(fn, 'sqlite', versions))
}

/** Entries and bytes removed. */
export interface Removed {
  entries: number
  bytes: number
}

function counted(db: SqlDatabase, where: string, params: unknown[]): Removed {
  const row = db
    .prepare(`SELECT count(*) AS entries, coalesce(sum(size), 0) AS bytes FROM ${ENTRIES} WHERE ${where}`)
    .get(...params) as Removed
  const removed = { entries: Number(row.entries), bytes: Number(row.bytes) }
  if (removed.entries > 0) db.prepare(`DELETE FROM ${ENTRIES} WHERE ${where}`).run(...params)
  return removed
}

/** Delete every entry of the functions `ids` (all functions when `ids` is undefined), in one write transaction. */
export function deleteFunctions(db: SqlDatabase, ids: readonly string[] | undefined): Removed {
  const total: Removed = { entries: 0, bytes: 0 }
  transaction(db, () => {
    for (const part of ids === undefined ? [counted(db, '1 = 1', [])] : ids.map((id) => counted(db, 'fn = ?', [id]))) {
      total.entries += part.entries
      total.bytes += part.bytes
    }
  })
  return total
}

/** What `prune` removed from a database. */
export interface PrunedDatabase {
  readonly expired: Removed
  readonly oldVersions: Removed
}

/**
 * Delete expired entries, and the entries of every version of a function but its newest, in one write
 * transaction. "Newest" is by last use (the latest access tick of the version's entries): versions are hashes,
 * which have no order of their own, and a process still running old code keeps writing its version.
 */
export function pruneDatabase(db: SqlDatabase, now: number, dryRun: boolean): PrunedDatabase {
  const expired: Removed = { entries: 0, bytes: 0 }
  const oldVersions: Removed = { entries: 0, bytes: 0 }
  const run = () => {
    const expiredRow = db
      .prepare(`SELECT count(*) AS entries, coalesce(sum(size), 0) AS bytes FROM ${ENTRIES} WHERE expires > 0 AND expires <= ?`)
      .get(now) as Removed
    expired.entries = Number(expiredRow.entries)
    expired.bytes = Number(expiredRow.bytes)
    if (!dryRun && expired.entries > 0) db.prepare(`DELETE FROM ${ENTRIES} WHERE expires > 0 AND expires <= ?`).run(now)
    const newest = db
      .prepare(
        `SELECT fn, version FROM (
           SELECT fn, version, max(accessed) AS last, count(*) OVER (PARTITION BY fn) AS versions
           FROM ${ENTRIES} GROUP BY fn, version
         ) WHERE versions > 1 ORDER BY fn, last DESC`,
      )
      .all() as Array<{ fn: string; version: string }>
    const keep = new Map<string, string>()
    for (const row of newest) if (!keep.has(row.fn)) keep.set(row.fn, row.version)
    for (const [fn, version] of keep) {
      const row = db
        .prepare(`SELECT count(*) AS entries, coalesce(sum(size), 0) AS bytes FROM ${ENTRIES} WHERE fn = ? AND version != ?`)
        .get(fn, version) as Removed
      oldVersions.entries += Number(row.entries)
      oldVersions.bytes += Number(row.bytes)
      if (!dryRun) db.prepare(`DELETE FROM ${ENTRIES} WHERE fn = ? AND version != ?`).run(fn, version)
    }
  }
  if (dryRun) run()
  else transaction(db, run)
  return { expired, oldVersions }
}

/** The SQL condition "the entry carries one of these tags" (the tags column holds them joined by line breaks). */
function carriesTag(tags: readonly string[]): string {
  return `(${tags.map(() => `instr(char(10) || tags || char(10), char(10) || ? || char(10)) > 0`).join(' OR ')})`
}

/**
 * Delete the entries carrying one of `tags` (of the functions `ids` only, when given) and, with `invalidatedAt`,
 * record the tags as invalidated then, as `invalidateTag` does (so processes using the database discard entries
 * they were computing meanwhile), in one write transaction.
 */
export function deleteTagged(
  db: SqlDatabase,
  tags: readonly string[],
  ids: readonly string[] | undefined,
  invalidatedAt: number | undefined,
): Removed {
  const total: Removed = { entries: 0, bytes: 0 }
  transaction(db, () => {
    const parts =
      ids === undefined
        ? [counted(db, carriesTag(tags), [...tags])]
        : ids.map((id) => counted(db, `fn = ? AND ${carriesTag(tags)}`, [id, ...tags]))
    for (const part of parts) {
      total.entries += part.entries
      total.bytes += part.bytes
    }
    if (invalidatedAt !== undefined) {
      const { invalidate } = prepareTagStatements(db)
      for (const tag of tags) invalidate.run(tag, invalidatedAt)
    }
  })
  return total
}
