/**
 * The SQLite engine of bcache: one database per cache folder (`<folder>/cache.sqlite`), shared by every function
 * cached there, in WAL mode so that several processes read and write it at once. Drivers: better-sqlite3 (loaded
 * lazily), or node:sqlite where Node has it (Node 22.5+; not available on the Node this was developed on, so that
 * driver is untested here).
 *
 * A hit is one prepared SELECT and a decode: nothing is written. Access times for LRU eviction are kept in
 * memory and written in one transaction when eviction needs them, every few seconds (an unref'd timer), on close,
 * and at process exit. Entry counts and byte totals per function are kept exact by triggers, so checking
 * `maxsize` / `maxBytes` on a write costs one indexed lookup, whichever process wrote the rows.
 */
import type { Codec } from '../codec.js'
import { CorruptEntryError, EXPIRED, diskKeyText, joinEntry } from '../codec.js'
import { fileMode, nodeFs, nodePath } from '../folders.js'
import { loadEnvironment, nodeBuiltin, requireOptional, type LoadFailure } from '../../../platform/optional.js'
import { describeLoadFailure } from '../../../platform/load-failure.js'
import { WarningCode, warnOnce } from '../../../report/warnings.js'
import { MISS, type DiskEngineOptions, type EngineContext, type PersistentEngine, type StoredEntry } from '../../contract.js'
import { cancelFlushAtExit, flushAtExit } from '../exit-flush.js'
import { digest } from '../../../keys/function-identity.js'

// --- drivers --------------------------------------------------------------------------------------------------

interface SqlStatement {
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  run(...params: unknown[]): { changes: number | bigint }
}

interface SqlDatabase {
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

/** Milliseconds a statement waits for another process's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000

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

// --- schema ---------------------------------------------------------------------------------------------------

/** Bumped when the schema changes; a database of another schema version is dropped and rebuilt (it is a cache). */
const SCHEMA_VERSION = 1
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    fn TEXT NOT NULL,
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    value BLOB NOT NULL,
    expires INTEGER NOT NULL,
    size INTEGER NOT NULL,
    accessed INTEGER NOT NULL,
    PRIMARY KEY (fn, key)
  );
  CREATE INDEX IF NOT EXISTS entries_by_access ON entries (fn, accessed);
  CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires) WHERE expires > 0;
  CREATE TABLE IF NOT EXISTS totals (
    fn TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TRIGGER IF NOT EXISTS entries_insert AFTER INSERT ON entries BEGIN
    INSERT INTO totals (fn, count, bytes) VALUES (new.fn, 1, new.size)
      ON CONFLICT (fn) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
  END;
  CREATE TRIGGER IF NOT EXISTS entries_delete AFTER DELETE ON entries BEGIN
    UPDATE totals SET count = count - 1, bytes = bytes - old.size WHERE fn = old.fn;
  END;
  CREATE TRIGGER IF NOT EXISTS entries_update AFTER UPDATE OF size ON entries BEGIN
    UPDATE totals SET bytes = bytes - old.size + new.size WHERE fn = old.fn;
  END;
`

function initialize(db: SqlDatabase): void {
  db.exec('PRAGMA journal_mode = WAL')
  // NORMAL is durable across application crashes in WAL mode and skips an fsync per commit; a power loss can
  // lose the last few entries, which for a cache is a miss.
  db.exec('PRAGMA synchronous = NORMAL')
  transaction(db, () => {
    const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
    if (current !== SCHEMA_VERSION && current !== 0) {
      db.exec('DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS totals;')
    }
    db.exec(SCHEMA)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
  })
}

/** BEGIN/COMMIT/ROLLBACK prepared once per connection: `exec` would parse them on every write. */
const transactionStatements = new WeakMap<SqlDatabase, { begin: SqlStatement; commit: SqlStatement; rollback: SqlStatement }>()

function transaction(db: SqlDatabase, body: () => void): void {
  let statements = transactionStatements.get(db)
  if (!statements) {
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read to a write.
    statements = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') }
    transactionStatements.set(db, statements)
  }
  statements.begin.run()
  try {
    body()
    statements.commit.run()
  } catch (error) {
    try {
      statements.rollback.run()
    } catch {
      // the transaction is already gone (SQLite rolls back on some errors by itself)
    }
    throw error
  }
}

/** SQLITE_CORRUPT and SQLITE_NOTADB, as better-sqlite3 (code) and node:sqlite (errcode) report them. */
export function isCorruptionError(error: unknown): boolean {
  const e = error as { code?: unknown; errcode?: unknown } | null
  if (typeof e?.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) return true
  return typeof e?.errcode === 'number' && ((e.errcode & 0xff) === 11 || (e.errcode & 0xff) === 26)
}

// --- one shared connection per database file ------------------------------------------------------------------

interface SharedDatabase {
  readonly file: string
  readonly driver: SqliteDriver
  readonly secure: boolean
  db: SqlDatabase
  /** Bumped when the connection is replaced (a corrupt database moved aside), so engines re-prepare. */
  generation: number
  users: number
  /** ms of the last database-wide purge of expired rows, and writes since. */
  lastPurge: number
  writesSincePurge: number
}

const databases = new Map<string, SharedDatabase>()

/** Open `file`, moving a damaged database aside (cache.sqlite.corrupt-<time>) and starting a fresh one. */
function connect(file: string, driver: SqliteDriver, secure: boolean, onCorrupt: (message: string) => void): SqlDatabase {
  const fs = nodeFs()
  // SQLite gives the -wal and -shm files the mode of the database file, so creating it 0600 covers all three.
  fs.closeSync(fs.openSync(file, 'a', fileMode(secure)))
  if (secure && process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600)
  const inode = fs.statSync(file).ino
  let db = driver.open(file)
  try {
    initialize(db)
    return db
  } catch (error) {
    closeQuietly(db)
    if (!isCorruptionError(error)) throw error
    // Another process may have replaced it already: only move aside the file that was found damaged.
    if (fs.statSync(file, { throwIfNoEntry: false })?.ino === inode) {
      const aside = `${file}.corrupt-${Date.now()}`
      fs.renameSync(file, aside)
      // A stale -wal or -shm would be replayed into the new database.
      for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
      onCorrupt(`The cache database ${file} was damaged (${(error as Error).message}); it was moved to ${aside} and a new one started.`)
    }
    fs.closeSync(fs.openSync(file, 'a', fileMode(secure)))
    db = driver.open(file)
    try {
      initialize(db)
    } catch (second) {
      closeQuietly(db)
      throw second
    }
    return db
  }
}

function closeQuietly(db: SqlDatabase): void {
  try {
    db.close()
  } catch {
    // closing a connection that failed to open
  }
}

function acquire(file: string, driver: SqliteDriver, secure: boolean, onCorrupt: (message: string) => void): SharedDatabase {
  let shared = databases.get(file)
  if (shared && shared.driver.name === driver.name) {
    shared.users++
    return shared
  }
  shared = { file, driver, secure, db: connect(file, driver, secure, onCorrupt), generation: 0, users: 1, lastPurge: Date.now(), writesSincePurge: 0 }
  databases.set(file, shared)
  return shared
}

function release(shared: SharedDatabase): void {
  if (--shared.users > 0) return
  if (databases.get(shared.file) === shared) databases.delete(shared.file)
  closeQuietly(shared.db)
}

/** Replace a connection whose database turned out damaged while in use. */
function reconnect(shared: SharedDatabase, onCorrupt: (message: string) => void): void {
  closeQuietly(shared.db)
  shared.db = connect(shared.file, shared.driver, shared.secure, onCorrupt)
  shared.generation++
}

/** A microsecond clock that never repeats within the process, so LRU order holds for writes in the same ms. */
let lastTick = 0
function tick(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000)
  lastTick = now > lastTick ? now : lastTick + 1
  return lastTick
}

// --- the engine -----------------------------------------------------------------------------------------------

export type SqliteEngineOptions = DiskEngineOptions

/** File name of the database inside a cache folder. */
export const DATABASE_FILE = 'cache.sqlite'
/** Keys up to this many characters are stored as they are (readable, no hashing on a hit); longer ones as a hash. */
const INLINE_KEY_LIMIT = 128
const FLUSH_DELAY_MS = 2000
const PURGE_EVERY_MS = 60_000
const PURGE_EVERY_WRITES = 1000

/**
 * The key column: the type-tagged text itself when short, else '#' + its SHA-256 (no tagged text starts with '#').
 * Text with a lone surrogate would be mangled by UTF-8 encoding, so it is escaped (and hashed) instead.
 */
export function sqliteKey(text: string): string {
  const safe = diskKeyText(text)
  return safe === text && text.length <= INLINE_KEY_LIMIT ? text : '#' + digest(safe, 64)
}

export function createSqliteEngine(driver: SqliteDriver, options: SqliteEngineOptions, context: EngineContext): PersistentEngine {
  const { id, version, ttlMs, codec } = options
  const maxsize = options.maxsize ?? Infinity
  const maxBytes = options.maxBytes ?? Infinity
  const { counters } = context
  const file = nodePath().join(options.folder, DATABASE_FILE)

  const reportCorrupt = (message: string) => {
    counters.errors++
    warnOnce(WarningCode.corrupt, message, `corrupt:${file}`)
  }
  const shared = acquire(file, driver, options.secure, reportCorrupt)
  let closed = false

  type Statements = ReturnType<typeof prepare>
  let statements: Statements
  let preparedFor = -1
  function prepare(db: SqlDatabase) {
    return {
      get: db.prepareColumn('SELECT value FROM entries WHERE fn = ? AND key = ? AND version = ?'),
      upsert: db.prepare(
        `INSERT INTO entries (fn, key, version, value, expires, size, accessed) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (fn, key) DO UPDATE SET version = excluded.version, value = excluded.value,
           expires = excluded.expires, size = excluded.size, accessed = excluded.accessed`,
      ),
      totals: db.prepare('SELECT count, bytes FROM totals WHERE fn = ?'),
      delete: db.prepare('DELETE FROM entries WHERE fn = ? AND key = ?'),
      touch: db.prepare('UPDATE entries SET accessed = ? WHERE fn = ? AND key = ? AND accessed < ?'),
      victims: db.prepare('SELECT key, size FROM entries WHERE fn = ? AND key != ? ORDER BY accessed LIMIT ?'),
      purgeAll: db.prepare('DELETE FROM entries WHERE expires > 0 AND expires <= ?'),
      purgeOwn: db.prepare('DELETE FROM entries WHERE fn = ? AND expires > 0 AND expires <= ?'),
      otherVersions: db.prepare('DELETE FROM entries WHERE fn = ? AND version != ?'),
      clear: db.prepare('DELETE FROM entries WHERE fn = ?'),
      count: db.prepare('SELECT count(*) AS n FROM entries WHERE fn = ? AND version = ? AND (expires = 0 OR expires > ?)'),
    }
  }
  function sql(): Statements {
    if (preparedFor !== shared.generation) {
      statements = prepare(shared.db)
      preparedFor = shared.generation
    }
    return statements
  }

  /** Run `body`; a database found damaged on the way is moved aside and replaced, and `fallback` returned. */
  function guarded<T>(body: () => T, fallback: T): T {
    try {
      return body()
    } catch (error) {
      if (!isCorruptionError(error)) throw error
      reportCorrupt(`The cache database ${file} was damaged (${(error as Error).message}); starting a new one.`)
      reconnect(shared, reportCorrupt)
      pending.clear()
      return fallback
    }
  }

  // Access times not yet written, by key column value.
  const pending = new Map<string, number>()
  let flushTimer: ReturnType<typeof setTimeout> | undefined

  function flushAccess(): void {
    if (flushTimer) {
      clearTimeout(flushTimer)
      flushTimer = undefined
    }
    if (pending.size === 0) return
    const { touch } = sql()
    transaction(shared.db, () => {
      for (const [key, at] of pending) touch.run(at, id, key, at)
    })
    pending.clear()
  }
  function flushQuietly(): void {
    if (closed) return
    try {
      flushAccess()
    } catch {
      // Busy or read-only: the access times are a hint for eviction; losing some only makes it less exact.
      pending.clear()
    }
  }
  flushAtExit(flushQuietly)

  function purgeExpired(now: number): void {
    shared.lastPurge = now
    shared.writesSincePurge = 0
    sql().purgeAll.run(now)
  }

  /** Bring this function's entries back under maxsize / maxBytes, least recently used first. */
  function evict(keep: string): void {
    const s = sql()
    const totals = s.totals.get(id) as { count: number; bytes: number } | undefined
    if (!totals || (totals.count <= maxsize && totals.bytes <= maxBytes)) return
    for (const [key, at] of pending) s.touch.run(at, id, key, at)
    pending.clear()
    if (ttlMs > 0) s.purgeOwn.run(id, Date.now())
    let { count, bytes } = s.totals.get(id) as { count: number; bytes: number }
    while (count > maxsize || bytes > maxBytes) {
      const over = count > maxsize ? count - maxsize : 0
      const batch = s.victims.all(id, keep, Math.max(16, over)) as Array<{ key: string; size: number }>
      if (batch.length === 0) break
      for (const victim of batch) {
        if (count <= maxsize && bytes <= maxBytes) break
        s.delete.run(id, victim.key)
        count--
        bytes -= victim.size
        counters.evictions++
      }
    }
  }

  // Opening: entries of other versions of this function, and expired entries, go now.
  transaction(shared.db, () => {
    sql().otherVersions.run(id, version)
    purgeExpired(Date.now())
  })

  function read(text: string, touch: boolean): StoredEntry | typeof MISS {
    const key = sqliteKey(text)
    return guarded(() => {
      const value = sql().get.get(id, key, version) as Uint8Array | undefined
      if (value === undefined) return MISS
      let entry
      try {
        entry = codec.decode(value, Date.now())
      } catch (error) {
        if (!(error instanceof CorruptEntryError)) throw error
        sql().delete.run(id, key)
        reportCorrupt(`A damaged entry of ${id} in ${file} was removed (${error.message}); the call was recomputed.`)
        return MISS
      }
      // Expired rows are left for the purge (a hit path never writes); the next set overwrites this one.
      if (entry === EXPIRED) return MISS
      if (touch) {
        pending.set(key, tick())
        if (flushTimer === undefined) {
          flushTimer = setTimeout(flushQuietly, FLUSH_DELAY_MS)
          flushTimer.unref?.()
        }
      }
      return { value: entry.value, promise: entry.promise }
    }, MISS)
  }

  return {
    name: driver.name,
    path: file,
    get store() {
      return shared.db.handle
    },
    get: (key) => read(key, true),
    has: (key) => read(key, false) !== MISS,
    set(text, value, promise) {
      const now = Date.now()
      const encoded = codec.encode(value, promise, ttlMs > 0 ? now + ttlMs : 0)
      const key = sqliteKey(text)
      guarded(() => {
        const s = sql()
        if (encoded.size > maxBytes) {
          // Larger than the whole budget: storing it would evict everything else and then itself.
          s.delete.run(id, key)
          counters.evictions++
          return
        }
        transaction(shared.db, () => {
          s.upsert.run(id, key, version, joinEntry(encoded), encoded.expires, encoded.size, tick())
          pending.delete(key)
          if (maxsize !== Infinity || maxBytes !== Infinity) evict(key)
          if (++shared.writesSincePurge >= PURGE_EVERY_WRITES || now - shared.lastPurge >= PURGE_EVERY_MS) purgeExpired(now)
        })
      }, undefined)
    },
    delete(text) {
      const key = sqliteKey(text)
      pending.delete(key)
      return guarded(() => Number(sql().delete.run(id, key).changes) > 0, false)
    },
    clear() {
      pending.clear()
      guarded(() => void sql().clear.run(id), undefined)
    },
    size() {
      return guarded(() => Number((sql().count.get(id, version, Date.now()) as { n: number }).n), 0)
    },
    close() {
      if (closed) return
      flushQuietly()
      closed = true
      cancelFlushAtExit(flushQuietly)
      release(shared)
    },
  }
}
