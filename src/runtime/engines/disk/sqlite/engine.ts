/**
 * The SQLite engine of bcache: one database per cache folder (`<folder>/cache.sqlite`), shared by every function
 * cached there, in WAL mode so that several processes read and write it at once. The drivers are in driver.ts, the
 * tables and statements in schema.ts, the shared connection in connections.ts.
 *
 * A hit is one prepared SELECT and a decode: nothing is written. Access times for LRU eviction are kept in
 * memory and written in one transaction when eviction needs them, every few seconds (an unref'd timer), on close,
 * and at process exit. Entry counts and byte totals per function are kept exact by triggers, so checking
 * `maxsize` / `maxBytes` on a write costs one indexed lookup, whichever process wrote the rows.
 *
 * Opening writes nothing (the removal of other versions' entries waits for the first write, a timer or close), so
 * a process's first call does not wait for a write transaction, nor for a lock another process holds. A call waits
 * at most CALL_BUSY_TIMEOUT_MS for another process's write lock; then it is a fault and writes are skipped for a
 * growing pause (connections.ts), instead of every miss waiting the full busy timeout.
 */
import type { CorruptEntryError, EncodedEntry } from '../codec.js'
import { joinEntry } from '../codec.js'
import { DiskEngine } from '../base.js'
import { nodePath } from '../folders.js'
import { sqliteKey } from '../../../keys/disk-key.js'
import type {
  DiskEngineOptions,
  EngineContext,
  ForeignChanges,
  LeaseTake,
  PersistentEngine,
  StoredEntry,
  TagVerdict,
} from '../../contract.js'
import { acquire, busyCleared, busyFailed, DatabaseBusyError, reconnect, release, type SharedDatabase } from './connections.js'
import { isBusyError, isCorruptionError, type SqlStatement, type SqliteDriver } from './driver.js'
import { prepareStatements, transaction, type Statements } from './schema.js'

export type SqliteEngineOptions = DiskEngineOptions

/** File name of the database inside a cache folder. */
export const DATABASE_FILE = 'cache.sqlite'
/** Keys up to this many characters are stored as they are (readable, no hashing on a hit); longer ones as a hash. */
const INLINE_KEY_LIMIT = 128
const FLUSH_DELAY_MS = 2000
const PURGE_EVERY_MS = 60_000
const PURGE_EVERY_WRITES = 1000
/** The removal of other versions' entries runs this long after opening (or at the first write, or at close). */
const CLEANUP_DELAY_MS = 1000

/**
 * A microsecond counter that never repeats within the process, so LRU order holds for writes in the same ms. It
 * stays on `performance` rather than the engine's clock: it only orders accesses, it never decides expiry.
 */
let lastTick = 0
function tick(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000)
  lastTick = now > lastTick ? now : lastTick + 1
  return lastTick
}

class SqliteEngine extends DiskEngine {
  private readonly shared: SharedDatabase
  private statements: Statements | undefined
  private preparedFor = -1
  /** Access times not yet written, by key column value. */
  private readonly pending = new Map<string, number>()
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private readonly onCorrupt = (message: string) => {
    this.reported = true
    this.reportCorrupt(message)
  }
  private reported = false
  /** Whether the entries of other versions are still to be removed. */
  private cleanupDue = false
  private cleanupTimer: ReturnType<typeof setTimeout> | undefined
  /** `PRAGMA data_version` on the current connection, and what it said last (for memory tiers: foreignChanges). */
  private dataVersion: { statement: SqlStatement; generation: number; seen: unknown } | undefined

  constructor(driver: SqliteDriver, options: SqliteEngineOptions, context: EngineContext) {
    super(driver.name, nodePath().join(options.folder, DATABASE_FILE), options, context)
    this.shared = acquire(this.path, driver, options.secure, this.clock, this.onCorrupt)
    this.open()
  }

  get store(): unknown {
    return this.shared.db.handle
  }

  /** The statements on the current connection (prepared again after a reconnect). */
  private sql(): Statements {
    if (this.statements === undefined || this.preparedFor !== this.shared.generation) {
      this.statements = prepareStatements(this.shared.db)
      this.preparedFor = this.shared.generation
    }
    return this.statements
  }

  /**
   * A database found damaged on the way is moved aside and replaced, and `fallback` returned. A write that found
   * the database locked starts (or lengthens) the pause of writes.
   */
  protected override guard<T>(body: () => T, fallback: T): T {
    try {
      return body()
    } catch (error) {
      if (isBusyError(error)) {
        if (!(error instanceof DatabaseBusyError)) busyFailed(this.shared, this.clock.now())
        throw error
      }
      if (!isCorruptionError(error)) throw error
      this.reported = false
      reconnect(this.shared, this.clock, this.onCorrupt, error)
      // Another process had moved it aside already: still a damaged read here, counted.
      if (!this.reported) this.counters.errors++
      this.pending.clear()
      return fallback
    }
  }

  /** Skip a write while another process's lock made the last one fail (the pause set by busyFailed). */
  private writable(): void {
    const wait = this.shared.busyUntil - this.clock.now()
    if (wait > 0) {
      throw new DatabaseBusyError(`the database ${this.path} is locked by another process (SQLITE_BUSY); writes are skipped for ${wait} ms`)
    }
  }

  private wrote(): void {
    if (this.shared.busyPause !== 0) busyCleared(this.shared)
  }

  tagVerdict(entry: StoredEntry): TagVerdict {
    return this.guard(() => this.shared.tags.verdict(entry.tags, entry.created), 'valid')
  }

  /**
   * Any commit by another connection (another process, or `twat-cache clear`) changes `PRAGMA data_version` for
   * this one, while our own commits do not: which keys changed is not known, so it is 'all' (see README, "A memory
   * tier in front"). Access-time flushes of other processes count as commits too.
   */
  foreignChanges(): ForeignChanges {
    return this.guard((): ForeignChanges => {
      const generation = this.shared.generation
      if (this.dataVersion === undefined || this.dataVersion.generation !== generation) {
        this.dataVersion = { statement: this.shared.db.prepareColumn('PRAGMA data_version'), generation, seen: undefined }
      }
      const version = this.dataVersion.statement.get()
      const changed = this.dataVersion.seen !== undefined && version !== this.dataVersion.seen
      const reconnected = this.dataVersion.seen === undefined
      this.dataVersion.seen = version
      return changed || reconnected ? 'all' : undefined
    }, 'all')
  }

  protected keyOf(text: string): string {
    return sqliteKey(text, INLINE_KEY_LIMIT)
  }

  protected load(key: string): Uint8Array | undefined {
    return this.sql().get.get(this.id, key, this.version) as Uint8Array | undefined
  }

  protected expired(): void {
    // Left for the purge (a hit path never writes); the next set overwrites the row.
  }

  protected touched(key: string): void {
    this.pending.set(key, tick())
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(this.flushQuietly, FLUSH_DELAY_MS)
      this.flushTimer.unref?.()
    }
  }

  protected save(key: string, encoded: EncodedEntry, now: number, unlease?: string): void {
    this.writable()
    const { shared } = this
    const s = this.sql()
    transaction(shared.db, () => {
      s.upsert.run(this.id, key, this.version, joinEntry(encoded), encoded.expires, encoded.size, tick(), encoded.tags.join('\n'))
      // The lease goes in the write that stores the entry: a leased miss costs one write transaction more, not two.
      if (unlease !== undefined) s.unlease.run(this.id, key, unlease)
      this.pending.delete(key)
      if (this.cleanupDue) this.cleanup(now)
      if (this.maxsize !== Infinity || this.maxBytes !== Infinity) this.evict(key, now)
      if (++shared.writesSincePurge >= PURGE_EVERY_WRITES || now - shared.lastPurge >= PURGE_EVERY_MS) this.purgeExpired(now)
    })
    this.wrote()
  }

  lease(text: string, token: string, ms: number): LeaseTake {
    const key = this.keyOf(text)
    return this.guard((): LeaseTake => {
      // A lease is a write: within the pause another process's lock started, it is skipped too, not waited for.
      this.writable()
      const s = this.sql()
      const now = this.clock.now()
      if (Number(s.leaseFree.run(this.id, key, token, now + ms).changes) > 0) return 'taken'
      return Number(s.leaseExpired.run(token, now + ms, this.id, key, now).changes) > 0 ? 'expired' : 'held'
    }, 'taken')
  }

  unlease(text: string, token: string): void {
    const key = this.keyOf(text)
    this.guard(() => {
      this.writable()
      this.sql().unlease.run(this.id, key, token)
    }, undefined)
  }

  protected remove(key: string): boolean {
    this.writable()
    this.pending.delete(key)
    const removed = Number(this.sql().delete.run(this.id, key).changes) > 0
    this.wrote()
    return removed
  }

  protected removeAll(): void {
    this.writable()
    this.pending.clear()
    this.sql().clear.run(this.id)
    this.wrote()
  }

  protected count(now: number): number {
    return Number((this.sql().count.get(this.id, this.version, now) as { n: number }).n)
  }

  protected flushAccess(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    if (this.pending.size === 0) return
    const { touch } = this.sql()
    transaction(this.shared.db, () => {
      for (const [key, at] of this.pending) touch.run(at, this.id, key, at)
    })
    this.pending.clear()
  }

  protected override flushFailed(): void {
    this.pending.clear()
  }

  /**
   * Entries of other versions of this function go, and expired entries of every function with them: not while
   * opening (a write transaction there would delay the first call), but at the first write, after
   * {@link CLEANUP_DELAY_MS} (an unref'd timer), or at close, whichever comes first.
   */
  protected removeOtherVersions(): void {
    this.cleanupDue = true
    this.cleanupTimer = setTimeout(this.cleanupQuietly, CLEANUP_DELAY_MS)
    this.cleanupTimer.unref?.()
  }

  private cleanup(now: number): void {
    this.cleanupDue = false
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer)
    this.cleanupTimer = undefined
    this.sql().otherVersions.run(this.id, this.version)
    this.purgeExpired(now)
  }

  private readonly cleanupQuietly = (): void => {
    if (!this.cleanupDue) return
    try {
      this.guard(() => {
        this.writable()
        transaction(this.shared.db, () => this.cleanup(this.clock.now()))
      }, undefined)
    } catch {
      // Locked or read-only: left for the next write or the next process (stale versions only take space).
      this.cleanupDue = false
    }
  }

  protected release(): void {
    this.cleanupQuietly()
    release(this.shared)
  }

  protected describeCorrupt(_key: string, error: CorruptEntryError): string {
    return `A damaged entry of ${this.id} in ${this.path} was removed (${error.message}); the call was recomputed.`
  }

  private purgeExpired(now: number): void {
    this.shared.lastPurge = now
    this.shared.writesSincePurge = 0
    this.sql().purgeAll.run(now)
  }

  /** Bring this function's entries back under maxsize / maxBytes, least recently used first. */
  private evict(keep: string, now: number): void {
    const { id, maxsize, maxBytes } = this
    const s = this.sql()
    const totals = s.totals.get(id) as { count: number; bytes: number } | undefined
    if (!totals || (totals.count <= maxsize && totals.bytes <= maxBytes)) return
    for (const [key, at] of this.pending) s.touch.run(at, id, key, at)
    this.pending.clear()
    if (this.ttlMs > 0) s.purgeOwn.run(id, now)
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
        this.counters.evictions++
      }
    }
  }
}

export function createSqliteEngine(driver: SqliteDriver, options: SqliteEngineOptions, context: EngineContext): PersistentEngine {
  return new SqliteEngine(driver, options, context)
}
