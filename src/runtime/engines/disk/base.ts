/**
 * What the two disk engines (SQLite, files) share, written once: the entry and byte budgets, reading an envelope
 * on the engine's clock (a damaged entry is a miss, removed, counted and warned about; an expired one is a miss),
 * never storing an entry larger than the whole byte budget, `has` as a read that does not refresh recency, the
 * removal of other versions' entries on open, and closing (access times kept in memory are written at close and
 * at process exit). Each engine supplies the storage underneath through the abstract members.
 */
import type { Clock } from '../../platform/clock.js'
import type { CacheCounters } from '../../report/stats.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import {
  MISS,
  physicalExpiry,
  type DiskEngineOptions,
  type EngineContext,
  type Miss,
  type PersistentEngine,
  type StoredEntry,
  type TagVerdict,
} from '../contract.js'
import { CorruptEntryError, EXPIRED, OUTDATED, type Codec, type EncodedEntry } from './codec.js'
import { cancelFlushAtExit, flushAtExit } from './exit-flush.js'
import { reportTampered, TamperedEntryError } from '../seal.js'
import { audit } from '../../report/audit.js'

/**
 * The shared part of a disk engine. An engine names each entry by a string of its own (a key column value, a file
 * name), made from the key text by {@link keyOf}; the abstract members take that name.
 */
export abstract class DiskEngine implements PersistentEngine {
  abstract readonly store: unknown

  protected readonly id: string
  protected readonly version: string
  protected readonly ttlMs: number
  protected readonly codec: Codec
  protected readonly counters: CacheCounters
  protected readonly clock: Clock
  /** The entry budget of this function; Infinity when unlimited, so checks need no null test. */
  protected readonly maxsize: number
  /** The byte budget of this function; Infinity when unlimited. */
  protected readonly maxBytes: number
  private closed = false

  constructor(
    readonly name: string,
    /** Where the entries live (the database file, the version folder); also what corrupt warnings are grouped by. */
    readonly path: string,
    options: DiskEngineOptions,
    context: EngineContext,
  ) {
    this.id = options.id
    this.version = options.version
    this.ttlMs = options.ttlMs
    this.codec = options.codec
    this.maxsize = options.maxsize ?? Infinity
    this.maxBytes = options.maxBytes ?? Infinity
    this.counters = context.counters
    this.clock = context.clock
  }

  // --- what each engine provides ------------------------------------------------------------------------------

  /** How the engine names the entry of a key text. */
  protected abstract keyOf(text: string): string
  /** The stored bytes of an entry, or undefined when there is none. */
  protected abstract load(key: string): Uint8Array | undefined
  /** Store an encoded entry (within the byte budget), then bring the function back under its budgets. */
  protected abstract save(key: string, entry: EncodedEntry, now: number, unlease?: string): void
  /** Remove one entry; whether it existed. */
  protected abstract remove(key: string): boolean
  /** An entry was read and found expired. */
  protected abstract expired(key: string): void
  /** An entry was read by `get`: it is now the most recently used. */
  protected abstract touched(key: string, bytes: number, now: number): void
  /** Remove every entry of this function. */
  protected abstract removeAll(): void
  /** Entries of this version that have not expired at `now` (or an estimate where expiry is not indexed). */
  protected abstract count(now: number): number
  /** Write the access times kept in memory. May throw: {@link flushQuietly} catches. */
  protected abstract flushAccess(): void
  /** Remove the entries of other versions of this function: they can never be read again. */
  protected abstract removeOtherVersions(now: number): void
  /** Give back what the engine holds (SQLite: its use of the shared connection). */
  protected abstract release(): void
  /** The warning for a damaged entry that was removed. */
  protected abstract describeCorrupt(key: string, error: CorruptEntryError): string

  /** What this store's tag invalidations say about an entry (engines keep them per store: see tag-book.ts). */
  abstract tagVerdict(entry: StoredEntry): TagVerdict

  /** Run `body`; an engine whose whole store can be found damaged (SQLite) recovers here and returns `fallback`. */
  protected guard<T>(body: () => T, _fallback: T): T {
    return body()
  }

  /** The access times could not be written (busy, read-only): they are a hint for eviction, losing some is fine. */
  protected flushFailed(): void {}

  // --- shared behaviour -----------------------------------------------------------------------------------------

  /** Finish opening: each engine's constructor calls it last, once its storage is ready. */
  protected open(): void {
    try {
      this.removeOtherVersions(this.clock.now())
    } catch (error) {
      this.release()
      throw error
    }
    flushAtExit(this.flushQuietly)
  }

  /** Write access times, never throwing: at close, at process exit, and from engine timers. */
  protected readonly flushQuietly = (): void => {
    if (this.closed) return
    try {
      this.flushAccess()
    } catch {
      this.flushFailed()
    }
  }

  /** Count a damaged store or entry and warn, once per store. */
  protected reportCorrupt(message: string): void {
    this.counters.errors++
    audit('corrupt', this.id, message)
    warnOnce(WarningCode.corrupt, message, `corrupt:${this.path}`)
  }

  /** An entry that failed its signature or decryption was removed: count it, warn once per store, audit it. */
  private reportTampered(error: TamperedEntryError): void {
    reportTampered(this.counters, this.id, this.path, error)
  }

  private read(text: string, touch: boolean): StoredEntry | Miss {
    const key = this.keyOf(text)
    return this.guard((): StoredEntry | Miss => {
      const bytes = this.load(key)
      if (bytes === undefined) return MISS
      const now = this.clock.now()
      let entry: ReturnType<Codec['decode']>
      try {
        entry = this.codec.decode(bytes, now, text)
      } catch (error) {
        if (error instanceof TamperedEntryError) {
          this.remove(key)
          this.reportTampered(error)
          return MISS
        }
        if (!(error instanceof CorruptEntryError)) throw error
        this.remove(key)
        this.reportCorrupt(this.describeCorrupt(key, error))
        return MISS
      }
      if (entry === EXPIRED || entry === OUTDATED) {
        // An entry from before an upgrade is not damaged: it goes quietly, like an expired one.
        this.expired(key)
        return MISS
      }
      if (touch) this.touched(key, bytes.length, now)
      const { expires: _expires, ...stored } = entry
      return stored
    }, MISS)
  }

  get(text: string): StoredEntry | Miss {
    return this.read(text, true)
  }

  /** Through the read, so expiry and damage apply, but without refreshing the entry's recency. */
  has(text: string): boolean {
    return this.read(text, false) !== MISS
  }

  set(text: string, entry: StoredEntry, unlease?: string): void {
    const now = this.clock.now()
    const encoded = this.codec.encode(entry.value, entry, physicalExpiry(entry), text)
    const key = this.keyOf(text)
    this.guard(() => {
      if (encoded.size > this.maxBytes) {
        // Larger than the whole budget: storing it would evict everything else and then itself.
        this.remove(key)
        this.counters.evictions++
        if (unlease !== undefined) (this as PersistentEngine).unlease?.(text, unlease)
        return
      }
      this.save(key, encoded, now, unlease)
    }, undefined)
  }

  delete(text: string): boolean {
    const key = this.keyOf(text)
    return this.guard(() => this.remove(key), false)
  }

  clear(): void {
    this.guard(() => this.removeAll(), undefined)
  }

  size(): number {
    return this.guard(() => this.count(this.clock.now()), 0)
  }

  close(): void {
    if (this.closed) return
    this.flushQuietly()
    this.closed = true
    cancelFlushAtExit(this.flushQuietly)
    this.release()
  }
}
