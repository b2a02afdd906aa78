/**
 * The two SQLite bindings the SQLite engine runs on, behind one small interface: better-sqlite3 (an optional
 * dependency, loaded lazily) and node:sqlite (Node 22.5+; not available on the Node this was developed on, so that
 * driver is untested here).
 */
import { describeLoadFailure, type LoadFailure } from '../../../platform/load-failure.js'
import { loadEnvironment, nodeBuiltin, requireOptional } from '../../../platform/optional.js'

export interface SqlStatement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): { changes: number | bigint }
}

export interface SqlDatabase {
  exec(sql: string): void
  prepare(sql: string): SqlStatement
  /** A statement whose `get` returns the first column of the row (better-sqlite3's pluck: ~2 µs less per hit). */
  prepareColumn(sql: string): SqlStatement
  close(): void
  /** The driver's own Database object, exposed as `.cache.store`. */
  readonly handle: unknown
}

/** How to open a database with one SQLite binding. */
export interface SqliteDriver {
  readonly name: 'better-sqlite3' | 'node:sqlite'
  open(file: string): SqlDatabase
}

/**
 * Milliseconds a statement waits for another process's lock before failing with SQLITE_BUSY: while opening (the
 * schema), in tag invalidations, and in the CLI's maintenance transactions.
 */
export const BUSY_TIMEOUT_MS = 5000
/**
 * The wait on a call's own path (the read of a hit, the write of a miss): a write lock held longer than this by
 * another process makes the call a fault (a miss, its store skipped) and the engine backs off, instead of every
 * call waiting {@link BUSY_TIMEOUT_MS}.
 */
export const CALL_BUSY_TIMEOUT_MS = 250

type BetterSqlite3 = typeof import('better-sqlite3')

type BetterSqlite3Loaded = { driver: SqliteDriver; failure?: undefined } | { driver?: undefined; failure: LoadFailure }
let betterSqlite3: BetterSqlite3Loaded | undefined

/**
 * The better-sqlite3 driver, or the failure that says why it cannot load (and what to do). better-sqlite3 loads its
 * native addon only when a first database opens, so an in-memory one is opened here: an addon that was never built
 * (install scripts skipped) is then a missing engine with that reason, not a fault blamed on the cache folder.
 */
export function betterSqlite3Driver(): BetterSqlite3Loaded {
  if (betterSqlite3) return betterSqlite3
  const loaded = requireOptional<BetterSqlite3>('better-sqlite3')
  if (loaded.failure) return (betterSqlite3 = { failure: loaded.failure })
  const Database = loaded.module
  try {
    new Database(':memory:').close()
  } catch (error) {
    return (betterSqlite3 = { failure: describeLoadFailure('better-sqlite3', error, loadEnvironment()) })
  }
  return (betterSqlite3 = {
    driver: {
      name: 'better-sqlite3',
      open(file) {
        const db = new Database(file, { timeout: BUSY_TIMEOUT_MS })
        return {
          exec: (sql) => void db.exec(sql),
          prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
          prepareColumn: (sql) => db.prepare(sql).pluck() as unknown as SqlStatement,
          close: () => db.close(),
          handle: db,
        }
      },
    },
  })
}

/** The node:sqlite driver (Node 22.5+), or undefined where Node has none. Untested on Node 20. */
export function nodeSqliteDriver(): SqliteDriver | undefined {
  type DatabaseSyncClass = new (file: string) => { exec(sql: string): void; prepare(sql: string): SqlStatement; close(): void }
  let sqlite: { DatabaseSync: DatabaseSyncClass } | undefined
  try {
    sqlite = nodeBuiltin<{ DatabaseSync: DatabaseSyncClass }>('node:sqlite')
  } catch {
    sqlite = undefined
  }
  if (!sqlite?.DatabaseSync) return undefined
  const { DatabaseSync } = sqlite
  return {
    name: 'node:sqlite',
    open(file) {
      const db = new DatabaseSync(file)
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
      return {
        exec: (sql) => db.exec(sql),
        prepare: (sql) => db.prepare(sql),
        prepareColumn(sql) {
          const statement = db.prepare(sql)
          return {
            get: (...params) => Object.values((statement.get(...params) as object | undefined) ?? { none: undefined })[0],
            all: (...params) => statement.all(...params),
            run: (...params) => statement.run(...params),
          }
        },
        close: () => db.close(),
        handle: db,
      }
    },
  }
}

/** SQLITE_BUSY and SQLITE_LOCKED (another connection holds the lock), as either driver reports them. */
export function isBusyError(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null
  if (typeof e?.code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(e.code)) return true
  return typeof e?.errcode === 'number' && ((e.errcode & 0xff) === 5 || (e.errcode & 0xff) === 6)
}

/** Run `body` with a longer busy timeout than the call path's (a write that must not be skipped lightly). */
export function withBusyTimeout<T>(db: SqlDatabase, ms: number, body: () => T): T {
  db.exec(`PRAGMA busy_timeout = ${ms}`)
  try {
    return body()
  } finally {
    db.exec(`PRAGMA busy_timeout = ${CALL_BUSY_TIMEOUT_MS}`)
  }
}

/** SQLITE_CORRUPT and SQLITE_NOTADB, as better-sqlite3 (code) and node:sqlite (errcode) report them. */
export function isCorruptionError(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null
  if (typeof e?.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) return true
  return typeof e?.errcode === 'number' && ((e.errcode & 0xff) === 11 || (e.errcode & 0xff) === 26)
}
