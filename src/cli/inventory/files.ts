/**
 * The CLI's view of the file engine's folders: `<cache folder>/<function folder>/<version>/<key hash>.bin`, each
 * file an envelope whose header holds its expiry (read with the engine's codec, without the payload), plus the
 * temp files a write renames into place. Deletions are file by file, as the engine does: a process reading an
 * entry that is removed meanwhile sees a miss.
 */
import fs from 'node:fs'
import path from 'node:path'
import { HEADER_BYTES, entryTagBytes, readEntryHeader, readEntryTags } from '../../runtime/engines/disk/codec.js'
import { TAG_LOG_FILE, appendTagTimes } from '../../runtime/engines/disk/file-tag-book.js'
import { ENTRY_SUFFIX, STALE_TEMP_MS, TEMP_SUFFIX } from '../../runtime/engines/disk/file.js'
import { ChangeLog } from '../../runtime/engines/disk/change-log.js'
import { summarize, type FunctionSummary, type VersionSummary } from './model.js'
import type { Removed } from './sqlite.js'

/** A function folder's name ends in `-` and 8 hex digits (keys/disk-key.ts, functionFolderName). */
const FUNCTION_FOLDER = /-[0-9a-f]{8}$/

export interface EntryFile {
  readonly path: string
  readonly bytes: number
  /** Last write, or the last access the engine wrote back. */
  readonly mtime: number
  /** From the header; 0 = never, NaN = unreadable header. */
  readonly expires: number
}

export interface VersionFolder {
  readonly version: string
  readonly path: string
  readonly entries: readonly EntryFile[]
  readonly temps: ReadonlyArray<{ readonly path: string; readonly bytes: number; readonly mtime: number }>
  /** The latest write or use in the folder: its own mtime (entries renamed in) or an entry's. */
  readonly lastUse: number
}

export interface FunctionFolder {
  readonly name: string
  readonly path: string
  readonly versions: readonly VersionFolder[]
}

function readDirectory(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return []
    throw error
  }
}

function expiryOf(file: string): number {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    const header = Buffer.alloc(HEADER_BYTES)
    const read = fs.readSync(fd, header, 0, HEADER_BYTES, 0)
    return readEntryHeader(header.subarray(0, read))?.expires ?? Number.NaN
  } catch {
    return Number.NaN
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function readVersion(version: string, dir: string): VersionFolder | undefined {
  const stat = fs.statSync(dir, { throwIfNoEntry: false })
  if (!stat?.isDirectory()) return undefined
  const entries: EntryFile[] = []
  const temps: Array<{ path: string; bytes: number; mtime: number }> = []
  let lastUse = stat.mtimeMs
  for (const dirent of readDirectory(dir)) {
    if (!dirent.isFile()) continue
    const file = path.join(dir, dirent.name)
    const fileStat = fs.statSync(file, { throwIfNoEntry: false })
    if (!fileStat) continue // removed meanwhile
    if (dirent.name.endsWith(TEMP_SUFFIX)) {
      temps.push({ path: file, bytes: fileStat.size, mtime: fileStat.mtimeMs })
    } else if (dirent.name.endsWith(ENTRY_SUFFIX)) {
      entries.push({ path: file, bytes: fileStat.size, mtime: fileStat.mtimeMs, expires: expiryOf(file) })
      lastUse = Math.max(lastUse, fileStat.mtimeMs)
    }
  }
  return { version, path: dir, entries, temps, lastUse }
}

/** The function folders of a cache folder (folders of other tools are not touched). */
export function readFunctionFolders(folder: string): FunctionFolder[] {
  const found: FunctionFolder[] = []
  for (const dirent of readDirectory(folder)) {
    if (!dirent.isDirectory() || !FUNCTION_FOLDER.test(dirent.name)) continue
    const dir = path.join(folder, dirent.name)
    const versions = readDirectory(dir)
      .filter((d) => d.isDirectory())
      .map((d) => readVersion(d.name, path.join(dir, d.name)))
      .filter((v): v is VersionFolder => v !== undefined)
    found.push({ name: dirent.name, path: dir, versions })
  }
  return found
}

const isExpired = (entry: EntryFile, now: number) => entry.expires > 0 && entry.expires <= now

export function summarizeFunctionFolder(fn: FunctionFolder, now: number): FunctionSummary {
  const versions: VersionSummary[] = fn.versions.map((v) => {
    const times = v.entries.map((e) => e.mtime)
    return {
      version: v.version,
      entries: v.entries.length,
      bytes: v.entries.reduce((sum, e) => sum + e.bytes, 0),
      expired: v.entries.filter((e) => isExpired(e, now)).length,
      oldest: times.length ? Math.min(...times) : null,
      newest: times.length ? Math.max(...times) : null,
    }
  })
  return summarize(fn.name, 'file', versions)
}

function removeFile(file: string): boolean {
  try {
    fs.unlinkSync(file)
    return true
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false
    throw error
  }
}

/** Remove a function folder with all its versions. */
export function removeFunctionFolder(fn: FunctionFolder): Removed {
  const removed: Removed = { entries: 0, bytes: 0 }
  for (const version of fn.versions) {
    removed.entries += version.entries.length
    removed.bytes += version.entries.reduce((sum, e) => sum + e.bytes, 0)
  }
  fs.rmSync(fn.path, { recursive: true, force: true })
  // Memory tiers of running processes learn of the clear from the folder's change log (engines/disk/change-log.ts).
  const folder = path.dirname(fn.path)
  for (const version of fn.versions) new ChangeLog(folder, true, `${path.basename(fn.path)}/${path.basename(version.path)}`).wrote('*')
  return removed
}

/** What `prune` removed from the file engine's folders. */
export interface PrunedFiles {
  readonly expired: Removed
  readonly oldVersions: Removed
  readonly tempFiles: Removed
}

/**
 * Remove expired entries, every version folder of a function but the one used last (see pruneDatabase), and
 * temp files older than the file engine's own limit (younger ones may be writes in progress).
 */
export function pruneFunctionFolders(functions: readonly FunctionFolder[], now: number, dryRun: boolean): PrunedFiles {
  const expired: Removed = { entries: 0, bytes: 0 }
  const oldVersions: Removed = { entries: 0, bytes: 0 }
  const tempFiles: Removed = { entries: 0, bytes: 0 }
  for (const fn of functions) {
    const newest = [...fn.versions].sort((a, b) => b.lastUse - a.lastUse)[0]
    for (const version of fn.versions) {
      if (version !== newest) {
        oldVersions.entries += version.entries.length
        oldVersions.bytes += version.entries.reduce((sum, e) => sum + e.bytes, 0)
        if (!dryRun) fs.rmSync(version.path, { recursive: true, force: true })
        continue
      }
      for (const entry of version.entries) {
        if (!isExpired(entry, now)) continue
        if (dryRun || removeFile(entry.path)) {
          expired.entries++
          expired.bytes += entry.bytes
        }
      }
      for (const temp of version.temps) {
        if (now - temp.mtime <= STALE_TEMP_MS) continue
        if (dryRun || removeFile(temp.path)) {
          tempFiles.entries++
          tempFiles.bytes += temp.bytes
        }
      }
    }
  }
  return { expired, oldVersions, tempFiles }
}

/** The tags of an entry file, read from its header (undefined when the header is not an intact one of this format). */
export function entryTags(file: string): readonly string[] | undefined {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    const header = Buffer.alloc(HEADER_BYTES)
    if (fs.readSync(fd, header, 0, HEADER_BYTES, 0) < HEADER_BYTES) return undefined
    const tagBytes = entryTagBytes(header)
    if (tagBytes === undefined) return undefined
    const whole = Buffer.alloc(HEADER_BYTES + tagBytes)
    const read = fs.readSync(fd, whole, 0, whole.length, 0)
    return readEntryTags(whole.subarray(0, read))
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** The function folder with only its entries that carry one of `tags` (none: undefined). */
export function taggedEntries(fn: FunctionFolder, tags: readonly string[]): FunctionFolder | undefined {
  const wanted = new Set(tags)
  const versions = fn.versions
    .map((v) => ({ ...v, entries: v.entries.filter((e) => entryTags(e.path)?.some((tag) => wanted.has(tag))), temps: [] }))
    .filter((v) => v.entries.length > 0)
  return versions.length ? { ...fn, versions } : undefined
}

/** Remove the entry files of a (tag-filtered) function folder, one by one as the engine does. */
export function removeEntries(fn: FunctionFolder): Removed {
  const removed: Removed = { entries: 0, bytes: 0 }
  for (const version of fn.versions) {
    for (const entry of version.entries) {
      if (!removeFile(entry.path)) continue
      removed.entries++
      removed.bytes += entry.bytes
    }
  }
  return removed
}

/** Record `tags` as invalidated at `at` in a cache folder's tag log, as `invalidateTag` does (tags.log, 0600). */
export function recordInvalidation(folder: string, tags: readonly string[], at: number): void {
  appendTagTimes(path.join(folder, TAG_LOG_FILE), tags, 'invalidate', at, true)
}
