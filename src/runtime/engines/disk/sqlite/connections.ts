/**
 * One shared connection per database file: every SQLite engine of a folder (one per cached function) uses it, and
 * the last one to close closes it. A damaged database, found when opening or while in use (a page past the first
 * one damaged only shows when a query reads it), is moved aside (`cache.sqlite.corrupt-<ms>`, the time read from
 * the clock of the engine that found it) and a fresh one started. The connection remembers the inode it opened, so
 * a process that finds its database damaged after another process replaced it reconnects to the new one (once)
 * instead of moving the new one aside too.
 */
import type { Clock } from '../../../platform/clock.js'
import { nodeFs, openOwnFile } from '../folders.js'
import { CALL_BUSY_TIMEOUT_MS, isCorruptionError, type SqlDatabase, type SqliteDriver } from './driver.js'
import { initialize } from './schema.js'
import { SqliteTagBook } from './tag-book.js'

export interface SharedDatabase {
  readonly file: string
  readonly driver: SqliteDriver
  readonly secure: boolean
  db: SqlDatabase
  /** The inode of the file `db` was opened on. */
  inode: number
  /** Until when (clock ms) writes are skipped after SQLITE_BUSY, and the pause that set it (0: not backing off). */
  busyUntil: number
  busyPause: number
  /** Bumped when the connection is replaced (a corrupt database moved aside), so engines re-prepare. */
  generation: number
  users: number
  /** ms of the last database-wide purge of expired rows, and writes since. */
  lastPurge: number
  writesSincePurge: number
  /** The database's tag invalidations (tag-book.ts), read again when another connection commits. */
  readonly tags: SqliteTagBook
}

/** Told the warning to give when a damaged database was moved aside. */
export type CorruptionReport = (message: string) => void

const databases = new Map<string, SharedDatabase>()

/** A damaged database is renamed to `<file><CORRUPT_SUFFIX><ms>`. */
export const CORRUPT_SUFFIX = '.corrupt-'

/** Create `file` if missing, 0600 when secure, never through a symbolic link. SQLite gives -wal and -shm its mode. */
function createFile(file: string, secure: boolean): void {
  openOwnFile(file, secure)
}

function openInitialized(file: string, driver: SqliteDriver): SqlDatabase {
  const db = driver.open(file)
  try {
    initialize(db)
    // Opening waits as long as the driver's timeout (the schema may need a write); calls wait less (driver.ts).
    db.exec(`PRAGMA busy_timeout = ${CALL_BUSY_TIMEOUT_MS}`)
    return db
  } catch (error) {
    closeQuietly(db)
    throw error
  }
}

/** Rename a damaged database aside (with its -wal and -shm removed: they would be replayed into the new one). */
function moveAside(file: string, clock: Clock, onCorrupt: CorruptionReport, error: unknown): void {
  const fs = nodeFs()
  const aside = `${file}${CORRUPT_SUFFIX}${clock.now()}`
  try {
    fs.renameSync(file, aside)
  } catch (renameError) {
    // Another process moved it first.
    if ((renameError as { code?: string }).code !== 'ENOENT') throw renameError
    return
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
  onCorrupt(`The cache database ${file} was damaged (${(error as Error).message}); it was moved to ${aside} and a new one started.`)
}

const inodeOf = (file: string) => nodeFs().statSync(file, { throwIfNoEntry: false })?.ino

const SQLITE_MAGIC = 'SQLite format 3\0'

/**
 * A file that does not start with SQLite's header is not a database, whatever SQLite makes of it: with a -wal file
 * left beside it (by a process that had the real database open), SQLite would read the pages in the WAL and serve
 * a mix of them and garbage. Reading 16 bytes is cheap enough for every open.
 */
function notADatabase(file: string): Error | undefined {
  const fs = nodeFs()
  const header = Buffer.alloc(16)
  const fd = fs.openSync(file, 'r')
  let read: number
  try {
    read = fs.readSync(fd, header, 0, 16, 0)
  } finally {
    fs.closeSync(fd)
  }
  if (read === 0 || header.toString('latin1', 0, read) === SQLITE_MAGIC.slice(0, read)) return undefined
  return Object.assign(new Error('file is not a database (no SQLite header)'), { code: 'SQLITE_NOTADB' })
}

/** Open `file`, moving a damaged database aside and starting a fresh one. */
function connect(
  file: string,
  driver: SqliteDriver,
  secure: boolean,
  clock: Clock,
  onCorrupt: CorruptionReport,
): { db: SqlDatabase; inode: number } {
  const fs = nodeFs()
  createFile(file, secure)
  const inode = fs.statSync(file).ino
  try {
    const wrong = notADatabase(file)
    if (wrong) throw wrong
    return { db: openInitialized(file, driver), inode }
  } catch (error) {
    if (!isCorruptionError(error)) throw error
    // Another process may have replaced it already: only move aside the file that was found damaged.
    if (inodeOf(file) === inode) moveAside(file, clock, onCorrupt, error)
    createFile(file, secure)
    return { db: openInitialized(file, driver), inode: fs.statSync(file).ino }
  }
}

export function closeQuietly(db: SqlDatabase): void {
  try {
    db.close()
  } catch {
    // closing a connection that failed to open
  }
}

/** The connection to `file`, opened on first use; release it with {@link release}. */
export function acquire(file: string, driver: SqliteDriver, secure: boolean, clock: Clock, onCorrupt: CorruptionReport): SharedDatabase {
  let shared = databases.get(file)
  if (shared && shared.driver.name === driver.name) {
    shared.users++
    return shared
  }
  const { db, inode } = connect(file, driver, secure, clock, onCorrupt)
  const opened: SharedDatabase = {
    file,
    driver,
    secure,
    db,
    inode,
    busyUntil: 0,
    busyPause: 0,
    generation: 0,
    users: 1,
    lastPurge: clock.now(),
    writesSincePurge: 0,
    tags: new SqliteTagBook(() => opened.db, clock),
  }
  shared = opened
  databases.set(file, shared)
  return shared
}

/** One user fewer; the last one closes the connection. */
export function release(shared: SharedDatabase): void {
  if (--shared.users > 0) return
  if (databases.get(shared.file) === shared) databases.delete(shared.file)
  shared.tags.close()
  closeQuietly(shared.db)
}

/**
 * Replace a connection whose database turned out damaged while in use: the file is moved aside if it is still the
 * one this connection opened (else another process already replaced it), and a fresh one opened.
 */
export function reconnect(shared: SharedDatabase, clock: Clock, onCorrupt: CorruptionReport, error: unknown): void {
  closeQuietly(shared.db)
  if (inodeOf(shared.file) === shared.inode) moveAside(shared.file, clock, onCorrupt, error)
  const { db, inode } = connect(shared.file, shared.driver, shared.secure, clock, onCorrupt)
  shared.db = db
  shared.inode = inode
  shared.generation++
}

/** Longest pause of writes after SQLITE_BUSY (the first is {@link CALL_BUSY_TIMEOUT_MS}, doubling up to this). */
export const MAX_BUSY_PAUSE_MS = 4000

/** A write found the database locked: writes are skipped for a pause that doubles while the lock stays held. */
export function busyFailed(shared: SharedDatabase, now: number): void {
  // Several engines of the process may fail in one pause: the pause grows once per pause, not per failure.
  if (now < shared.busyUntil) return
  shared.busyPause = shared.busyPause === 0 ? CALL_BUSY_TIMEOUT_MS : Math.min(shared.busyPause * 2, MAX_BUSY_PAUSE_MS)
  shared.busyUntil = now + shared.busyPause
}

/** A write went through: the database is not locked any more. */
export function busyCleared(shared: SharedDatabase): void {
  shared.busyPause = 0
  shared.busyUntil = 0
}

/** Thrown for a write skipped while backing off: a fault like SQLITE_BUSY, without the wait. */
export class DatabaseBusyError extends Error {
  readonly code = 'SQLITE_BUSY'
}
