/**
 * One shared connection per database file: every SQLite engine of a folder (one per cached function) uses it, and
 * the last one to close closes it. A damaged database, found when opening or while in use, is moved aside
 * (`cache.sqlite.corrupt-<ms>`, the time read from the clock of the engine that found it) and a fresh one started.
 */
import type { Clock } from '../../../platform/clock.js'
import { nodeFs, openOwnFile } from '../folders.js'
import { isCorruptionError, type SqlDatabase, type SqliteDriver } from './driver.js'
import { initialize } from './schema.js'
import { SqliteTagBook } from './tag-book.js'

export interface SharedDatabase {
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
    return db
  } catch (error) {
    closeQuietly(db)
    throw error
  }
}

/** Open `file`, moving a damaged database aside and starting a fresh one. */
function connect(file: string, driver: SqliteDriver, secure: boolean, clock: Clock, onCorrupt: CorruptionReport): SqlDatabase {
  const fs = nodeFs()
  createFile(file, secure)
  const inode = fs.statSync(file).ino
  try {
    return openInitialized(file, driver)
  } catch (error) {
    if (!isCorruptionError(error)) throw error
    // Another process may have replaced it already: only move aside the file that was found damaged.
    if (fs.statSync(file, { throwIfNoEntry: false })?.ino === inode) {
      const aside = `${file}${CORRUPT_SUFFIX}${clock.now()}`
      fs.renameSync(file, aside)
      // A stale -wal or -shm would be replayed into the new database.
      for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
      onCorrupt(`The cache database ${file} was damaged (${(error as Error).message}); it was moved to ${aside} and a new one started.`)
    }
    createFile(file, secure)
    return openInitialized(file, driver)
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
  const db = connect(file, driver, secure, clock, onCorrupt)
  const opened: SharedDatabase = {
    file,
    driver,
    secure,
    db,
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

/** Replace a connection whose database turned out damaged while in use. */
export function reconnect(shared: SharedDatabase, clock: Clock, onCorrupt: CorruptionReport): void {
  closeQuietly(shared.db)
  shared.db = connect(shared.file, shared.driver, shared.secure, clock, onCorrupt)
  shared.generation++
}
