/**
 * What `stats`, `clear` and `prune` know about stored entries: per cache folder, per function and per version,
 * whichever store holds them (the SQLite database, the file engine's folders, Redis). Times are ms since the epoch.
 */

export type StoreKind = 'sqlite' | 'file' | 'redis'

export interface VersionSummary {
  readonly version: string
  readonly entries: number
  readonly bytes: number
  readonly expired: number
  /** Oldest and newest entry by last write or read (both engines record the last use, not the first write). */
  readonly oldest: number | null
  readonly newest: number | null
}

export interface FunctionSummary {
  /**
   * The function as the store names it: the function id in SQLite, the key part (the id, or a shortened id and a
   * hash) in Redis, the function folder (`<id with unsafe characters replaced>-<hash>`) in the file engine.
   */
  readonly id: string
  readonly store: StoreKind
  readonly entries: number
  readonly bytes: number
  readonly expired: number
  readonly oldest: number | null
  readonly newest: number | null
  readonly versions: readonly VersionSummary[]
}

/** A version list summed up into one function row. */
export function summarize(id: string, store: StoreKind, versions: VersionSummary[]): FunctionSummary {
  const sum = (pick: (v: VersionSummary) => number) => versions.reduce((total, v) => total + pick(v), 0)
  const times = (pick: (v: VersionSummary) => number | null) => versions.map(pick).filter((t): t is number => t !== null)
  const oldest = times((v) => v.oldest)
  const newest = times((v) => v.newest)
  return {
    id,
    store,
    entries: sum((v) => v.entries),
    bytes: sum((v) => v.bytes),
    expired: sum((v) => v.expired),
    oldest: oldest.length ? Math.min(...oldest) : null,
    newest: newest.length ? Math.max(...newest) : null,
    versions: [...versions].sort((a, b) => (b.newest ?? 0) - (a.newest ?? 0)),
  }
}

/** The database of a cache folder, when there is one. */
export interface DatabaseSummary {
  readonly file: string
  /** Bytes on disk: the database and its -wal and -shm files. */
  readonly bytes: number
  /** Why its entries could not be read (no SQLite driver here, another schema version); null when they were. */
  readonly problem: string | null
}

export interface FolderSummary {
  /** The folder name (`folderName`), relative to the cache root. */
  readonly name: string
  readonly path: string
  readonly database: DatabaseSummary | null
  /** Damaged databases moved aside by the SQLite engine (`cache.sqlite.corrupt-<ms>`). */
  readonly corrupt: ReadonlyArray<{ readonly file: string; readonly bytes: number }>
  /** Temp files of the file engine (a write in progress, or left by a crashed writer). */
  readonly tempFiles: number
  readonly functions: readonly FunctionSummary[]
}
