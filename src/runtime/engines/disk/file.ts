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
import { CorruptEntryError, EXPIRED, diskKeyText, type Codec } from './codec.js'
import { digest } from '../../keys/function-identity.js'
import { ensureFolder, fileMode, nodeFs, nodePath, SECURE_FOLDER_MODE } from './folders.js'
import { WarningCode, warnOnce } from '../../report/warnings.js'
import { MISS, type DiskEngineOptions, type EngineContext, type PersistentEngine, type StoredEntry } from '../contract.js'
import { cancelFlushAtExit, flushAtExit } from './exit-flush.js'

export type FileEngineOptions = DiskEngineOptions

const ENTRY_SUFFIX = '.bin'
const TEMP_SUFFIX = '.tmp'
const RESCAN_EVERY_WRITES = 1000
/** Access times written back at exit, at most (the most recent ones): bounds the work done while exiting. */
const MAX_TOUCHES_AT_EXIT = 10_000
/** Temp files older than this are leftovers of a crashed writer. */
const STALE_TEMP_MS = 60 * 60 * 1000

/** A folder name from any text: unsafe characters replaced, shortened, made unique by a hash of the original. */
function folderName(text: string, max: number): string {
  return `${text.replace(/[^0-9A-Za-z._-]+/g, '_').slice(0, max)}-${digest(text, 8)}`
}

/** The folder of one function id: readable, and distinct for distinct ids. */
export function functionFolderName(id: string): string {
  return folderName(id, 48)
}

/** The folder of one version: the version itself when it is a plain short name (the default hash is), else escaped. */
export function versionFolderName(version: string): string {
  // '~' is outside the plain pattern, so an escaped name never equals a plain one.
  return /^[0-9A-Za-z_-]{1,64}$/.test(version) ? version : `${folderName(version, 32)}~`
}

/** The file name of an entry: a SHA-256 of the key text, in lowercase hex (case-insensitive file systems). */
export function entryFileName(keyText: string): string {
  return digest(diskKeyText(keyText), 40) + ENTRY_SUFFIX
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code
}

let tempCounter = 0

export function createFileEngine(options: FileEngineOptions, context: EngineContext): PersistentEngine {
  const fs = nodeFs()
  const path = nodePath()
  const { id, version, ttlMs, secure, codec } = options
  const maxsize = options.maxsize ?? Infinity
  const maxBytes = options.maxBytes ?? Infinity
  const { counters } = context
  const functionFolder = path.join(options.folder, functionFolderName(id))
  const versionFolder = path.join(functionFolder, versionFolderName(version))
  const mode = fileMode(secure)

  function makeFolders(): void {
    fs.mkdirSync(versionFolder, secure ? { recursive: true, mode: SECURE_FOLDER_MODE } : { recursive: true })
  }

  ensureFolder(options.folder, secure)
  makeFolders()
  // mkdir succeeds on an existing folder of a read-only file system: ask for write access explicitly.
  fs.accessSync(versionFolder, fs.constants.W_OK)
  // Entries of other versions of this function can never be returned again: remove them (best effort, since
  // another process may be removing them too).
  for (const name of fs.readdirSync(functionFolder)) {
    if (name === path.basename(versionFolder)) continue
    try {
      fs.rmSync(path.join(functionFolder, name), { recursive: true, force: true })
    } catch {
      // still in use on Windows, or already gone
    }
  }

  // The index: entry name → size, oldest access first. Built lazily, so a process that only reads never scans.
  const index = new Map<string, number>()
  let indexed = false
  let bytes = 0
  let writesSinceScan = 0
  // Entries read before the index exists, and entries read since the last write-back of access times.
  const touched = new Map<string, number>()

  function scan(): void {
    const now = Date.now()
    const found: Array<{ name: string; size: number; at: number }> = []
    let names: string[]
    try {
      names = fs.readdirSync(versionFolder)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      names = []
    }
    for (const name of names) {
      const file = path.join(versionFolder, name)
      const stat = fs.statSync(file, { throwIfNoEntry: false })
      if (!stat) continue
      if (name.endsWith(TEMP_SUFFIX)) {
        if (now - stat.mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true })
        continue
      }
      if (!name.endsWith(ENTRY_SUFFIX)) continue
      // mtime is the write time, or the last access written back; past the ttl either way means expired.
      if (ttlMs > 0 && stat.mtimeMs + ttlMs <= now) {
        fs.rmSync(file, { force: true })
        continue
      }
      found.push({ name, size: stat.size, at: touched.get(name) ?? stat.mtimeMs })
    }
    found.sort((a, b) => a.at - b.at)
    index.clear()
    bytes = 0
    for (const entry of found) {
      index.set(entry.name, entry.size)
      bytes += entry.size
    }
    indexed = true
    writesSinceScan = 0
  }

  function forget(name: string): void {
    const size = index.get(name)
    if (size !== undefined) {
      index.delete(name)
      bytes -= size
    }
    touched.delete(name)
  }

  function remove(name: string): boolean {
    forget(name)
    try {
      fs.unlinkSync(path.join(versionFolder, name))
      return true
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false
      throw error
    }
  }

  function read(keyText: string, touch: boolean): StoredEntry | typeof MISS {
    const name = entryFileName(keyText)
    let data: Buffer
    try {
      data = fs.readFileSync(path.join(versionFolder, name))
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error
      forget(name)
      return MISS
    }
    let entry
    try {
      entry = codec.decode(data, Date.now())
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error
      remove(name)
      counters.errors++
      warnOnce(
        WarningCode.corrupt,
        `A damaged cache entry of ${id} was removed (${path.join(versionFolder, name)}: ${error.message}); the call was recomputed.`,
        `corrupt:${versionFolder}`,
      )
      return MISS
    }
    if (entry === EXPIRED) {
      remove(name)
      return MISS
    }
    if (touch) {
      const now = Date.now()
      if (indexed) {
        const size = index.get(name)
        if (size !== undefined) index.delete(name)
        else bytes += data.length // written by another process since the last scan
        index.set(name, data.length)
      }
      touched.delete(name)
      touched.set(name, now)
    }
    return { value: entry.value, promise: entry.promise }
  }

  function writeAll(fd: number, buffer: Uint8Array): void {
    let offset = 0
    while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset)
  }

  function writeEntry(name: string, header: Uint8Array, payload: Uint8Array): void {
    const temp = path.join(versionFolder, `.${name}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`)
    let fd: number
    try {
      fd = fs.openSync(temp, 'wx', mode)
    } catch (error) {
      // The folder went away (clear() here or in another process): make it again, once.
      if (errorCode(error) !== 'ENOENT') throw error
      makeFolders()
      fd = fs.openSync(temp, 'wx', mode)
    }
    try {
      writeAll(fd, header)
      writeAll(fd, payload)
      fs.closeSync(fd)
      fs.renameSync(temp, path.join(versionFolder, name))
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

  function evict(keep: string): void {
    for (const name of index.keys()) {
      if (index.size <= maxsize && bytes <= maxBytes) return
      if (name === keep) continue
      remove(name)
      counters.evictions++
    }
  }

  /** Write access times back as mtimes, so the next process starts from this one's LRU order. */
  function writeBackAccess(): void {
    let skip = touched.size - MAX_TOUCHES_AT_EXIT
    for (const [name, at] of touched) {
      if (skip-- > 0) continue
      try {
        const seconds = at / 1000
        fs.utimesSync(path.join(versionFolder, name), seconds, seconds)
      } catch {
        // removed meanwhile
      }
    }
    touched.clear()
  }
  let closed = false
  const flushQuietly = () => {
    if (closed) return
    try {
      writeBackAccess()
    } catch {
      // exiting: nothing to report to
    }
  }
  flushAtExit(flushQuietly)

  return {
    name: 'file',
    path: versionFolder,
    store: versionFolder,
    get: (key) => read(key, true),
    has: (key) => read(key, false) !== MISS,
    set(keyText, value, promise) {
      const encoded = codec.encode(value, promise, ttlMs > 0 ? Date.now() + ttlMs : 0)
      const name = entryFileName(keyText)
      if (!indexed || ++writesSinceScan >= RESCAN_EVERY_WRITES) scan()
      if (encoded.size > maxBytes) {
        // Larger than the whole budget: storing it would evict everything else and then itself.
        remove(name)
        counters.evictions++
        return
      }
      writeEntry(name, encoded.header, encoded.payload)
      forget(name)
      index.set(name, encoded.size)
      bytes += encoded.size
      if (index.size > maxsize || bytes > maxBytes) evict(name)
    },
    delete: (key) => remove(entryFileName(key)),
    clear() {
      fs.rmSync(functionFolder, { recursive: true, force: true })
      index.clear()
      touched.clear()
      bytes = 0
      indexed = true
    },
    size() {
      try {
        return fs.readdirSync(versionFolder).filter((name) => name.endsWith(ENTRY_SUFFIX)).length
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return 0
        throw error
      }
    },
    close() {
      flushQuietly()
      closed = true
      cancelFlushAtExit(flushQuietly)
    },
  }
}
