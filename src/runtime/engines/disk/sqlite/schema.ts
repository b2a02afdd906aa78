/**
 * The SQLite engine's tables and the statements it runs on them. One `entries` table for every function cached in
 * the folder, a `totals` table (function → entry count, bytes) kept exact by triggers, so a write checks
 * `maxsize` / `maxBytes` with one indexed lookup whichever process wrote the rows, and `tag_invalidations` (tag →
 * when it was last invalidated or revalidated, by any process), and `leases` (function, key → the token of the
 * process computing that missing key, and when its lease runs out: call/leases.ts).
 *
 * `leases` was added without a schema version bump: `CREATE TABLE IF NOT EXISTS` adds it to a database of version
 * 2, whose entries stay readable, and an older twat-cache opening a database that has it ignores it.
 */
import type { SqlDatabase, SqlStatement } from './driver.js'

/** Bumped when the schema changes; a database of another schema version is dropped and rebuilt (it is a cache). */
export const SCHEMA_VERSION = 2
/** The tables, by role (`twat-cache stats`, `clear` and `prune` query them too). */
export const TABLES = { entries: 'entries', totals: 'totals', tags: 'tag_invalidations', leases: 'leases' } as const
const { entries: ENTRIES, totals: TOTALS, tags: TAGS, leases: LEASES } = TABLES
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ${ENTRIES} (
    fn TEXT NOT NULL,
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    value BLOB NOT NULL,
    expires INTEGER NOT NULL,
    size INTEGER NOT NULL,
    accessed INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (fn, key)
  );
  CREATE INDEX IF NOT EXISTS entries_by_access ON ${ENTRIES} (fn, accessed);
  CREATE INDEX IF NOT EXISTS entries_by_expiry ON ${ENTRIES} (expires) WHERE expires > 0;
  CREATE TABLE IF NOT EXISTS ${TOTALS} (
    fn TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ${TAGS} (
    tag TEXT PRIMARY KEY,
    invalidated REAL NOT NULL DEFAULT 0,
    revalidated REAL NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ${LEASES} (
    fn TEXT NOT NULL,
    key TEXT NOT NULL,
    token TEXT NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (fn, key)
  ) WITHOUT ROWID;
  CREATE TRIGGER IF NOT EXISTS entries_insert AFTER INSERT ON ${ENTRIES} BEGIN
    INSERT INTO ${TOTALS} (fn, count, bytes) VALUES (new.fn, 1, new.size)
      ON CONFLICT (fn) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
  END;
  CREATE TRIGGER IF NOT EXISTS entries_delete AFTER DELETE ON ${ENTRIES} BEGIN
    UPDATE ${TOTALS} SET count = count - 1, bytes = bytes - old.size WHERE fn = old.fn;
  END;
  CREATE TRIGGER IF NOT EXISTS entries_update AFTER UPDATE OF size ON ${ENTRIES} BEGIN
    UPDATE ${TOTALS} SET bytes = bytes - old.size + new.size WHERE fn = old.fn;
  END;
`

export function initialize(db: SqlDatabase): void {
  // A database already in WAL mode at this schema needs no write: opening takes no lock another process could hold
  // (a process starting while another writes opens at once), and the first call does not wait for a transaction.
  const ready =
    Number(db.prepareColumn('PRAGMA user_version').get()) === SCHEMA_VERSION && db.prepareColumn('PRAGMA journal_mode').get() === 'wal'
  // NORMAL is durable across application crashes in WAL mode and skips an fsync per commit; a power loss can
  // lose the last few entries, which for a cache is a miss.
  if (ready) {
    db.exec('PRAGMA synchronous = NORMAL')
    return
  }
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  transaction(db, () => {
    const current = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version)
    if (current !== SCHEMA_VERSION && current !== 0) {
      // Entries of another format read as misses by being gone: the tables are made again.
      db.exec(
        `DROP TABLE IF EXISTS ${ENTRIES}; DROP TABLE IF EXISTS ${TOTALS}; DROP TABLE IF EXISTS ${TAGS}; DROP TABLE IF EXISTS ${LEASES};`,
      )
    }
    db.exec(SCHEMA)
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
  })
}

/** BEGIN/COMMIT/ROLLBACK prepared once per connection: `exec` would parse them on every write. */
const transactionStatements = new WeakMap<SqlDatabase, { begin: SqlStatement; commit: SqlStatement; rollback: SqlStatement }>()

export function transaction(db: SqlDatabase, body: () => void): void {
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

/** The statements of one engine, prepared on one connection (again after a reconnect). */
export function prepareStatements(db: SqlDatabase) {
  return {
    get: db.prepareColumn(`SELECT value FROM ${ENTRIES} WHERE fn = ? AND key = ? AND version = ?`),
    upsert: db.prepare(
      `INSERT INTO ${ENTRIES} (fn, key, version, value, expires, size, accessed, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fn, key) DO UPDATE SET version = excluded.version, value = excluded.value,
         expires = excluded.expires, size = excluded.size, accessed = excluded.accessed, tags = excluded.tags`,
    ),
    totals: db.prepare(`SELECT count, bytes FROM ${TOTALS} WHERE fn = ?`),
    delete: db.prepare(`DELETE FROM ${ENTRIES} WHERE fn = ? AND key = ?`),
    touch: db.prepare(`UPDATE ${ENTRIES} SET accessed = ? WHERE fn = ? AND key = ? AND accessed < ?`),
    victims: db.prepare(`SELECT key, size FROM ${ENTRIES} WHERE fn = ? AND key != ? ORDER BY accessed LIMIT ?`),
    purgeAll: db.prepare(`DELETE FROM ${ENTRIES} WHERE expires > 0 AND expires <= ?`),
    purgeOwn: db.prepare(`DELETE FROM ${ENTRIES} WHERE fn = ? AND expires > 0 AND expires <= ?`),
    otherVersions: db.prepare(`DELETE FROM ${ENTRIES} WHERE fn = ? AND version != ?`),
    clear: db.prepare(`DELETE FROM ${ENTRIES} WHERE fn = ?`),
    count: db.prepare(`SELECT count(*) AS n FROM ${ENTRIES} WHERE fn = ? AND version = ? AND (expires = 0 OR expires > ?)`),
    /** A lease on a free key: one autocommitted statement, i.e. one write transaction. */
    leaseFree: db.prepare(`INSERT INTO ${LEASES} (fn, key, token, expires) VALUES (?, ?, ?, ?) ON CONFLICT (fn, key) DO NOTHING`),
    /** A lease whose holder let it run out (died, or is slower than lockTimeout). */
    leaseExpired: db.prepare(`UPDATE ${LEASES} SET token = ?, expires = ? WHERE fn = ? AND key = ? AND expires <= ?`),
    unlease: db.prepare(`DELETE FROM ${LEASES} WHERE fn = ? AND key = ? AND token = ?`),
  }
}

export type Statements = ReturnType<typeof prepareStatements>

/** The tag statements of one connection. */
export function prepareTagStatements(db: SqlDatabase) {
  return {
    /** Changes whenever another connection (any process) commits. */
    dataVersion: db.prepareColumn('PRAGMA data_version'),
    all: db.prepare(`SELECT tag, invalidated, revalidated FROM ${TAGS}`),
    invalidate: db.prepare(
      `INSERT INTO ${TAGS} (tag, invalidated) VALUES (?, ?)
       ON CONFLICT (tag) DO UPDATE SET invalidated = max(invalidated, excluded.invalidated)`,
    ),
    revalidate: db.prepare(
      `INSERT INTO ${TAGS} (tag, revalidated) VALUES (?, ?)
       ON CONFLICT (tag) DO UPDATE SET revalidated = max(revalidated, excluded.revalidated)`,
    ),
  }
}
