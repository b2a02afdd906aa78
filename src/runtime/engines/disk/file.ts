/**
 * The file engine: one file per entry, `<folder>/<id>-<hash>/<version>/<key hash>.bin`, each an envelope (see
 * codec.ts). It is fcache's engine and bcache's fallback when SQLite is missing. Writes go to a 0600 temp
 * file in the same folder and are renamed into place, so a reader (in any process) sees a whole entry or none.
 *
 * Least-recently-used eviction works from an index of the entries (name → size, in access order) built on the
 * first write from readdir + stat (mtime order), kept up to date by this process, re-read every
 * {@link RESCAN_EVERY_WRITES} writes to take in other processes' entries, and whose access times are written back
 * as mtimes at close and exit. So limits are exact within a process and approximate across processes.
 */
import { entryFileName, functionFolderName, versionFolderName } from '../../keys/disk-key.js'
import { systemClock } from '../../platform/clock.js'
import type { DiskEngineOptions, EngineContext, ForeignChanges, PersistentEngine } from '../contract.js'
import { DiskEngine } from './base.js'
import { ChangeLog } from './change-log.js'
import type { CorruptEntryError, EncodedEntry } from './codec.js'
import { acquireTagBook } from './file-tag-book.js'
import { ensureFolder, fileMode, nodeFs, nodePath, SECURE_FOLDER_MODE } from './folders.js'
import type { StoredEntry, TagVerdict } from '../contract.js'
import { sleepSync } from '../../platform/sleep-sync.js'

export type FileEngineOptions = DiskEngineOptions

/** Suffix of entry files, and of the temp files a write renames into place (exported for `twat-cache`). */
export const ENTRY_SUFFIX = '.bin'
export const TEMP_SUFFIX = '.tmp'
const RESCAN_EVERY_WRITES = 1000
/** Access times written back at exit, at most (the most recent ones): bounds the work done while exiting. */
const MAX_TOUCHES_AT_EXIT = 10_000
/** Temp files older than this are leftovers of a crashed writer. */
export const STALE_TEMP_MS = 60 * 60 * 1000
/** A function folder being cleared is renamed to `<folder><CLEARING_SUFFIX><pid>-<n>` before it is removed. */
export const CLEARING_SUFFIX = '.clearing-'
/** Attempts of one write when the folder keeps vanishing under it (other processes clearing). */
const WRITE_ATTEMPTS = 20

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code
}

let tempCounter = 0

/** The writer's pid in a temp file's name: `.<entry>.<pid>.<n>.tmp`. */
const TEMP_PID = /\.(\d+)\.\d+\.tmp$/

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, someone else's.
    return errorCode(error) !== 'ESRCH'
  }
}

class FileEngine extends DiskEngine {
  readonly store: string
  private readonly fs = nodeFs()
  private readonly paths = nodePath()
  private readonly functionFolder: string
  private readonly versionFolder: string
  /** The cache folder (`<root>/<folderName>`), where retried writes keep their temp file. */
  private readonly cacheFolder: string
  private readonly secure: boolean
  private readonly mode: number
  /**
   * Whether mtimes are written explicitly. They are times on the engine's clock (write time, or the last access
   * written back), compared with the clock when scanning: the kernel stamps the wall clock, which is the system
   * clock's time, but any other clock's time has to be written.
   */
  private readonly stampTimes: boolean

  // The index: entry name → size, oldest access first. Built lazily, so a process that only reads never scans.
  private readonly index = new Map<string, number>()
  private indexed = false
  private bytes = 0
  private writesSinceScan = 0
  /** Entries read before the index exists, and entries read since the last write-back of access times. */
  private readonly touches = new Map<string, number>()
  private readonly tagBook: ReturnType<typeof acquireTagBook>
  /** Sets, deletes and clears, for memory tiers in other processes (change-log.ts). */
  private readonly changes: ChangeLog

  constructor(options: FileEngineOptions, context: EngineContext) {
    const path = nodePath()
    const functionFolder = path.join(options.folder, functionFolderName(options.id))
    const versionFolder = path.join(functionFolder, versionFolderName(options.version))
    super('file', versionFolder, options, context)
    this.store = versionFolder
    this.functionFolder = functionFolder
    this.versionFolder = versionFolder
    this.cacheFolder = options.folder
    this.secure = options.secure
    this.mode = fileMode(options.secure)
    this.stampTimes = context.clock !== systemClock
    ensureFolder(options.folder, options.secure)
    // mkdir succeeds on an existing folder of a read-only file system: ask for write access explicitly. Another
    // process clearing the folder between the two is not a fault: make it again.
    for (let attempt = 1; ; attempt++) {
      this.makeFolders()
      try {
        this.fs.accessSync(versionFolder, this.fs.constants.W_OK)
        break
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt >= WRITE_ATTEMPTS) throw error
      }
    }
    this.tagBook = acquireTagBook(options.folder, options.secure, context.clock)
    this.changes = new ChangeLog(options.folder, options.secure, `${path.basename(functionFolder)}/${path.basename(versionFolder)}`)
    this.open()
  }

  tagVerdict(entry: StoredEntry): TagVerdict {
    return this.tagBook.book.verdict(entry.tags, entry.created)
  }

  foreignChanges(): ForeignChanges {
    const changes = this.changes.read()
    if (changes === undefined || changes === 'all') return changes
    return { changed: (text) => changes.changed(this.keyOf(text)) }
  }

  private makeFolders(): void {
    this.fs.mkdirSync(this.versionFolder, this.secure ? { recursive: true, mode: SECURE_FOLDER_MODE } : { recursive: true })
  }

  private entryPath(name: string): string {
    return this.paths.join(this.versionFolder, name)
  }

  /**
   * Best effort, since another process may be removing them too. Temp files of writers that died (kill -9, a
   * crash) go with them: their name carries the writer's pid, and a pid with no process is a writer that will
   * never rename its file. (A pid on another machine sharing the folder would read as dead: its write then fails
   * the rename and is made again, see writeEntry.)
   */
  protected removeOtherVersions(): void {
    this.removeDeadTemps()
    const own = this.paths.basename(this.versionFolder)
    for (const name of this.fs.readdirSync(this.functionFolder)) {
      if (name === own) continue
      try {
        this.fs.rmSync(this.paths.join(this.functionFolder, name), { recursive: true, force: true })
      } catch {
        // still in use on Windows, or already gone
      }
    }
  }

  /** Temp files of dead writers, in the version folder and in the cache folder (retried writes). */
  private removeDeadTemps(): number {
    let removed = 0
    for (const folder of [this.versionFolder, this.cacheFolder]) {
      let names: string[]
      try {
        names = this.fs.readdirSync(folder)
      } catch {
        continue
      }
      for (const name of names) {
        const pid = TEMP_PID.exec(name)?.[1]
        if (pid === undefined || processAlive(Number(pid))) continue
        try {
          this.fs.rmSync(this.paths.join(folder, name), { force: true })
          removed++
        } catch {
          // removed meanwhile
        }
      }
    }
    return removed
  }

  protected release(): void {
    // Files are opened and closed per operation: only the folder's tag book is held.
    this.tagBook?.release()
  }

  protected keyOf(text: string): string {
    return entryFileName(text, ENTRY_SUFFIX)
  }

  protected load(name: string): Uint8Array | undefined {
    try {
      return this.fs.readFileSync(this.entryPath(name))
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      this.forget(name)
      return undefined
    }
  }

  protected expired(name: string): void {
    this.remove(name)
  }

  protected touched(name: string, bytes: number, now: number): void {
    if (this.indexed) {
      const size = this.index.get(name)
      if (size !== undefined) this.index.delete(name)
      else this.bytes += bytes // written by another process since the last scan
      this.index.set(name, bytes)
    }
    this.touches.delete(name)
    this.touches.set(name, now)
  }

  protected describeCorrupt(name: string, error: CorruptEntryError): string {
    return `A damaged cache entry of ${this.id} was removed (${this.entryPath(name)}: ${error.message}); the call was recomputed.`
  }

  protected save(name: string, encoded: EncodedEntry, now: number): void {
    if (!this.indexed || ++this.writesSinceScan >= RESCAN_EVERY_WRITES) this.scan(now)
    this.writeEntry(name, encoded, now)
    this.changes.wrote(name)
    this.forget(name)
    this.index.set(name, encoded.size)
    this.bytes += encoded.size
    if (this.index.size > this.maxsize || this.bytes > this.maxBytes) this.evict(name)
  }

  protected remove(name: string): boolean {
    this.forget(name)
    try {
      this.fs.unlinkSync(this.entryPath(name))
      this.changes.wrote(name)
      return true
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false
      throw error
    }
  }

  /**
   * Rename the function's folder aside, then remove it: removing it in place races other processes writing into it
   * (rmdir fails with ENOTEMPTY when a file lands in it meanwhile). Writers then find the folder gone and make it
   * again (writeEntry).
   */
  protected removeAll(): void {
    const aside = `${this.functionFolder}${CLEARING_SUFFIX}${process.pid}-${++tempCounter}`
    let renamed = true
    try {
      this.fs.renameSync(this.functionFolder, aside)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      renamed = false // nothing to clear, or another process is clearing it
    }
    if (renamed) this.fs.rmSync(aside, { recursive: true, force: true, maxRetries: 3 })
    this.changes.wrote('*')
    this.index.clear()
    this.touches.clear()
    this.bytes = 0
    this.indexed = true
  }

  protected count(): number {
    try {
      return this.fs.readdirSync(this.versionFolder).filter((name) => name.endsWith(ENTRY_SUFFIX)).length
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 0
      throw error
    }
  }

  /** Write access times back as mtimes, so the next process starts from this one's LRU order. */
  protected flushAccess(): void {
    let skip = this.touches.size - MAX_TOUCHES_AT_EXIT
    for (const [name, at] of this.touches) {
      if (skip-- > 0) continue
      try {
        const seconds = at / 1000
        this.fs.utimesSync(this.entryPath(name), seconds, seconds)
      } catch {
        // removed meanwhile
      }
    }
    this.touches.clear()
  }

  /** (Re)build the index from the folder, removing expired entries and temp files left by crashed writers. */
  private scan(now: number): void {
    const found: Array<{ name: string; size: number; at: number }> = []
    let names: string[]
    try {
      names = this.fs.readdirSync(this.versionFolder)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      names = []
    }
    for (const name of names) {
      const file = this.entryPath(name)
      const stat = this.fs.statSync(file, { throwIfNoEntry: false })
      if (!stat) continue
      if (name.endsWith(TEMP_SUFFIX)) {
        if (now - stat.mtimeMs > STALE_TEMP_MS) this.fs.rmSync(file, { force: true })
        continue
      }
      if (!name.endsWith(ENTRY_SUFFIX)) continue
      // mtime is the write time, or the last access written back; past the ttl either way means expired.
      if (this.ttlMs > 0 && stat.mtimeMs + this.ttlMs <= now) {
        this.fs.rmSync(file, { force: true })
        continue
      }
      found.push({ name, size: stat.size, at: this.touches.get(name) ?? stat.mtimeMs })
    }
    found.sort((a, b) => a.at - b.at)
    this.index.clear()
    this.bytes = 0
    for (const entry of found) {
      this.index.set(entry.name, entry.size)
      this.bytes += entry.size
    }
    this.indexed = true
    this.writesSinceScan = 0
  }

  private forget(name: string): void {
    const size = this.index.get(name)
    if (size !== undefined) {
      this.index.delete(name)
      this.bytes -= size
    }
    this.touches.delete(name)
  }

  private evict(keep: string): void {
    for (const name of this.index.keys()) {
      if (this.index.size <= this.maxsize && this.bytes <= this.maxBytes) return
      if (name === keep) continue
      this.remove(name)
      this.counters.evictions++
    }
  }

  private writeAll(fd: number, buffer: Uint8Array): void {
    let offset = 0
    while (offset < buffer.length) offset += this.fs.writeSync(fd, buffer, offset, buffer.length - offset)
  }

  /**
   * Write to a temp file and rename it into place: readers see the whole entry or none. The folder can vanish at any
   * step (clear() here or in another process renames it aside). Then the write is made again with its temp file in
   * the cache folder itself, which clear() never moves, so that only the rename has to be repeated (in a folder made
   * again), up to {@link WRITE_ATTEMPTS} times.
   */
  private writeEntry(name: string, encoded: EncodedEntry, now: number): void {
    try {
      this.writeOnce(this.versionFolder, name, encoded, now)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      this.makeFolders()
      this.writeOnce(this.cacheFolder, name, encoded, now)
    }
  }

  private writeOnce(tempFolder: string, name: string, encoded: EncodedEntry, now: number): void {
    const { fs } = this
    const temp = this.paths.join(tempFolder, `.${name}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`)
    const fd = fs.openSync(temp, 'wx', this.mode)
    try {
      this.writeAll(fd, encoded.header)
      this.writeAll(fd, encoded.payload)
      if (this.stampTimes) fs.futimesSync(fd, now / 1000, now / 1000)
      fs.closeSync(fd)
      for (let attempt = 1; ; attempt++) {
        try {
          fs.renameSync(temp, this.entryPath(name))
          return
        } catch (error) {
          // A temp file inside the version folder went with it: only one outside it is worth another rename.
          if (errorCode(error) !== 'ENOENT' || tempFolder === this.versionFolder || attempt >= WRITE_ATTEMPTS) throw error
          // Retried at once, every attempt can land in the same clear(); a growing pause spreads them out.
          if (attempt > 2) sleepSync(attempt - 2)
          this.makeFolders()
        }
      }
    } catch (error) {
      try {
        fs.closeSync(fd)
      } catch {
        // already closed
      }
      fs.rmSync(temp, { force: true })
      throw error
    }
  }
}

export function createFileEngine(options: FileEngineOptions, context: EngineContext): PersistentEngine {
  return new FileEngine(options, context)
}
