/**
 * The persistent caches under a cache root: one folder per `folderName`, each holding the SQLite database
 * (`cache.sqlite` with its -wal and -shm files), databases moved aside as damaged, and the file engine's function
 * folders. Read by `stats`, and the starting point of `clear` and `prune`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { cacheRoot } from '../../runtime/engines/disk/folders.js'
import { CORRUPT_SUFFIX } from '../../runtime/engines/disk/sqlite/connections.js'
import { DATABASE_FILE } from '../../runtime/engines/disk/sqlite/engine.js'
import { readFunctionFolders, summarizeFunctionFolder, type FunctionFolder } from './files.js'
import type { DatabaseSummary, FolderSummary, FunctionSummary } from './model.js'
import { openDatabase, summarizeDatabase } from './sqlite.js'

/** The SQLite files that go with a database file. */
export const DATABASE_COMPANIONS = ['-wal', '-shm'] as const

/** The cache root: `--dir`, else `$TWAT_CACHE_DIR`, else the platform's cache folder (as the runtime decides). */
export function resolveRoot(dir: string | undefined): string {
  return cacheRoot(dir)
}

function sizeOf(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0
}

/** One cache folder, as found on disk. */
export interface CacheFolder {
  readonly name: string
  readonly path: string
  /** The database file, when it exists. */
  readonly database: string | undefined
  readonly corrupt: readonly string[]
  readonly functions: readonly FunctionFolder[]
}

/** The cache folders under `root` (only `folder` when given), sorted by name; none when the root does not exist. */
export function findCacheFolders(root: string, folder?: string): CacheFolder[] {
  let names: string[]
  try {
    names = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return []
    throw error
  }
  if (folder !== undefined) names = names.filter((name) => name === folder)
  return names.sort().map((name) => {
    const dir = path.join(root, name)
    const files = fs.readdirSync(dir)
    const database = files.includes(DATABASE_FILE) ? path.join(dir, DATABASE_FILE) : undefined
    const corrupt = files
      .filter((f) => f.startsWith(DATABASE_FILE + CORRUPT_SUFFIX) && !DATABASE_COMPANIONS.some((s) => f.endsWith(s)))
      .map((f) => path.join(dir, f))
    return { name, path: dir, database, corrupt, functions: readFunctionFolders(dir) }
  })
}

/** Bytes of a database and its companions. */
export function databaseBytes(file: string): number {
  return sizeOf(file) + DATABASE_COMPANIONS.reduce((sum, suffix) => sum + sizeOf(file + suffix), 0)
}

/** Summaries of every function in every folder; a database that cannot be read says why. */
export function summarizeFolders(folders: readonly CacheFolder[], now: number): FolderSummary[] {
  return folders.map((folder) => {
    let database: DatabaseSummary | null = null
    const functions: FunctionSummary[] = []
    if (folder.database) {
      const opened = openDatabase(folder.database, true)
      let problem: string | null = null
      if (opened.kind === 'open') {
        try {
          functions.push(...summarizeDatabase(opened.db, now))
        } catch (error) {
          problem = `cannot read it: ${(error as Error).message}`
        } finally {
          opened.close()
        }
      } else if (opened.kind === 'problem') {
        problem = opened.problem
      }
      database = { file: folder.database, bytes: databaseBytes(folder.database), problem }
    }
    for (const fn of folder.functions) functions.push(summarizeFunctionFolder(fn, now))
    functions.sort((a, b) => a.id.localeCompare(b.id) || a.store.localeCompare(b.store))
    return {
      name: folder.name,
      path: folder.path,
      database,
      corrupt: folder.corrupt.map((file) => ({ file, bytes: databaseBytes(file) })),
      tempFiles: folder.functions.reduce((sum, fn) => sum + fn.versions.reduce((s, v) => s + v.temps.length, 0), 0),
      functions,
    }
  })
}
