/**
 * `twat-cache stats`: the persistent caches on disk under the cache root (per folder and per function: entries,
 * bytes, oldest and newest entry, expired entries, versions present) and, with --url, acache's entries in Redis.
 * `--watch [seconds]` redraws the table until Ctrl-C (or --times refreshes).
 */
import { ExitCode, UsageError } from '../exit.js'
import { findCacheFolders, resolveRoot, summarizeFolders } from '../inventory/disk.js'
import type { FolderSummary, FunctionSummary } from '../inventory/model.js'
import { connectRedis, redactUrl, summarizeRedis } from '../inventory/redis.js'
import { formatBytes, formatTime, isoTime, plural, type Output } from '../output.js'

export interface StatsOptions {
  readonly dir?: string | undefined
  readonly folder?: string | undefined
  readonly url?: string | undefined
  /** Seconds between refreshes; undefined: print once. */
  readonly watch?: number | undefined
  /** Stop after this many refreshes (with --watch). */
  readonly times?: number | undefined
}

/** Bounds of --watch: faster than once a second is noise, slower than an hour is not watching. */
export const WATCH_BOUNDS = [1, 3600] as const

function functionJson(fn: FunctionSummary) {
  return {
    id: fn.id,
    store: fn.store,
    entries: fn.entries,
    bytes: fn.bytes,
    expired: fn.expired,
    oldest: isoTime(fn.oldest),
    newest: isoTime(fn.newest),
    versions: fn.versions.map((v) => ({
      version: v.version,
      entries: v.entries,
      bytes: v.bytes,
      expired: v.expired,
      oldest: isoTime(v.oldest),
      newest: isoTime(v.newest),
    })),
  }
}

interface Snapshot {
  readonly root: string
  readonly folders: FolderSummary[]
  readonly redis: { url: string; functions: FunctionSummary[] } | undefined
}

async function take(options: StatsOptions): Promise<Snapshot> {
  const root = resolveRoot(options.dir)
  const now = Date.now()
  const folders = summarizeFolders(findCacheFolders(root, options.folder), now)
  let redis: Snapshot['redis']
  if (options.url) {
    const connection = await connectRedis(options.url)
    try {
      redis = { url: redactUrl(options.url), functions: await summarizeRedis(connection) }
    } finally {
      connection.close()
    }
  }
  return { root, folders, redis }
}

function snapshotJson(s: Snapshot) {
  const all = [...s.folders.flatMap((f) => f.functions), ...(s.redis?.functions ?? [])]
  return {
    root: s.root,
    folders: s.folders.map((f) => ({
      name: f.name,
      path: f.path,
      database: f.database && { file: f.database.file, bytes: f.database.bytes, problem: f.database.problem },
      corrupt: f.corrupt,
      tempFiles: f.tempFiles,
      functions: f.functions.map(functionJson),
    })),
    redis: s.redis ? { url: s.redis.url, functions: s.redis.functions.map(functionJson) } : null,
    totals: {
      functions: all.length,
      entries: all.reduce((n, f) => n + f.entries, 0),
      bytes: all.reduce((n, f) => n + f.bytes, 0),
      expired: all.reduce((n, f) => n + f.expired, 0),
    },
  }
}

function versionsText(fn: FunctionSummary): string {
  const shown = fn.versions.slice(0, 2).map((v) => v.version.slice(0, 12))
  return `${fn.versions.length}${shown.length ? ` (${shown.join(', ')}${fn.versions.length > 2 ? ', …' : ''})` : ''}`
}

function print(s: Snapshot, out: Output): void {
  out.line(`${out.bold('cache root')} ${s.root}`)
  const rows: string[][] = []
  for (const folder of s.folders)
    for (const fn of folder.functions)
      rows.push([
        folder.name,
        fn.store,
        fn.id,
        String(fn.entries),
        formatBytes(fn.bytes),
        formatTime(fn.oldest),
        formatTime(fn.newest),
        fn.expired ? out.warn(String(fn.expired)) : '0',
        versionsText(fn),
      ])
  for (const fn of s.redis?.functions ?? [])
    rows.push(['(redis)', fn.store, fn.id, String(fn.entries), formatBytes(fn.bytes), '-', '-', '-', versionsText(fn)])
  out.line()
  if (rows.length) {
    out.table(
      [
        { title: 'folder' },
        { title: 'store' },
        { title: 'function' },
        { title: 'entries', align: 'right' },
        { title: 'size', align: 'right' },
        { title: 'oldest' },
        { title: 'newest' },
        { title: 'expired', align: 'right' },
        { title: 'versions' },
      ],
      rows,
    )
  } else {
    out.line(s.folders.length ? 'No cached entries.' : 'No persistent caches here yet.')
  }
  for (const folder of s.folders) {
    if (folder.database?.problem) out.line(`${out.warn('!')} ${folder.database.file}: ${folder.database.problem}`)
    if (folder.corrupt.length)
      out.line(
        `${out.warn('!')} ${folder.path}: ${plural(folder.corrupt.length, 'damaged database')} moved aside (${formatBytes(folder.corrupt.reduce((n, c) => n + c.bytes, 0))}): twat-cache prune removes them`,
      )
  }
  const totals = snapshotJson(s).totals
  out.line()
  out.line(
    `${plural(totals.functions, 'function')}, ${plural(totals.entries, 'entry', 'entries')}, ${formatBytes(totals.bytes)}${totals.expired ? `, ${totals.expired} expired (twat-cache prune removes them)` : ''}`,
  )
}

export async function stats(options: StatsOptions, out: Output): Promise<ExitCode> {
  if (options.watch === undefined) {
    const snapshot = await take(options)
    out.document(snapshotJson(snapshot))
    if (!out.json) print(snapshot, out)
    return ExitCode.ok
  }
  const seconds = options.watch
  if (!Number.isFinite(seconds) || seconds < WATCH_BOUNDS[0] || seconds > WATCH_BOUNDS[1]) {
    throw new UsageError(`--watch ${seconds}: expected seconds from ${WATCH_BOUNDS[0]} to ${WATCH_BOUNDS[1]} (e.g. --watch 5)`)
  }
  const times = options.times ?? Infinity
  for (let round = 1; round <= times; round++) {
    const snapshot = await take(options)
    if (out.json) {
      // One document per line, so a reader can take them as they come.
      out.stdout.write(`${JSON.stringify(snapshotJson(snapshot))}\n`)
    } else {
      if (out.stdout.isTTY) out.stdout.write('\u001b[2J\u001b[H')
      print(snapshot, out)
      out.line(out.dim(`refreshed ${formatTime(Date.now())}, every ${seconds} s; Ctrl-C to stop`))
    }
    if (round < times) await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  }
  return ExitCode.ok
}
