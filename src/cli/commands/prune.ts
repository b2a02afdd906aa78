/**
 * `twat-cache prune`: remove what no cache will read again: expired entries, the entries of old versions of a
 * function (every version but the one used last), temp files left by crashed writers (older than the file engine's
 * limit), and damaged databases the SQLite engine moved aside; and say how many bytes that freed. Safe while caches
 * run: SQLite rows go in one write transaction (with the busy timeout), files one by one.
 */
import fs from 'node:fs'
import { ExitCode } from '../exit.js'
import { DATABASE_COMPANIONS, databaseBytes, findCacheFolders, resolveRoot } from '../inventory/disk.js'
import { pruneFunctionFolders } from '../inventory/files.js'
import { openDatabase, pruneDatabase, type Removed } from '../inventory/sqlite.js'
import { formatBytes, plural, type Output } from '../output.js'

export interface PruneOptions {
  readonly dir?: string | undefined
  readonly folder?: string | undefined
  /** Report what would go, delete nothing. */
  readonly dryRun: boolean
}

const CATEGORIES = ['expired', 'oldVersions', 'tempFiles', 'corruptDatabases'] as const
type Category = (typeof CATEGORIES)[number]
const LABELS: Record<Category, [string, string]> = {
  expired: ['expired entry', 'expired entries'],
  oldVersions: ['entry of an old version', 'entries of old versions'],
  tempFiles: ['stale temp file', 'stale temp files'],
  corruptDatabases: ['damaged database', 'damaged databases'],
}

export async function prune(options: PruneOptions, out: Output): Promise<ExitCode> {
  const root = resolveRoot(options.dir)
  const now = Date.now()
  const totals: Record<Category, Removed> = {
    expired: { entries: 0, bytes: 0 },
    oldVersions: { entries: 0, bytes: 0 },
    tempFiles: { entries: 0, bytes: 0 },
    corruptDatabases: { entries: 0, bytes: 0 },
  }
  const add = (category: Category, removed: Removed) => {
    totals[category].entries += removed.entries
    totals[category].bytes += removed.bytes
  }
  const problems: string[] = []
  for (const folder of findCacheFolders(root, options.folder)) {
    if (folder.database) {
      const opened = openDatabase(folder.database, options.dryRun)
      if (opened.kind === 'problem') problems.push(`${folder.database}: ${opened.problem}`)
      if (opened.kind === 'open') {
        try {
          const pruned = pruneDatabase(opened.db, now, options.dryRun)
          add('expired', pruned.expired)
          add('oldVersions', pruned.oldVersions)
        } catch (error) {
          problems.push(`${folder.database}: ${(error as Error).message}`)
        } finally {
          opened.close()
        }
      }
    }
    const files = pruneFunctionFolders(folder.functions, now, options.dryRun)
    add('expired', files.expired)
    add('oldVersions', files.oldVersions)
    add('tempFiles', files.tempFiles)
    for (const file of folder.corrupt) {
      add('corruptDatabases', { entries: 1, bytes: databaseBytes(file) })
      if (!options.dryRun) for (const suffix of ['', ...DATABASE_COMPANIONS]) fs.rmSync(file + suffix, { force: true })
    }
  }
  const freed = CATEGORIES.reduce((n, c) => n + totals[c].bytes, 0)
  out.document({
    root,
    dryRun: options.dryRun,
    removed: Object.fromEntries(CATEGORIES.map((c) => [c, { count: totals[c].entries, bytes: totals[c].bytes }])),
    bytesFreed: freed,
    problems,
  })
  if (!out.json) {
    const verb = options.dryRun ? 'Would remove' : 'Removed'
    const lines = CATEGORIES.filter((c) => totals[c].entries > 0).map(
      (c) => `  ${plural(totals[c].entries, ...LABELS[c])}  ${formatBytes(totals[c].bytes)}`,
    )
    if (lines.length) {
      out.line(`${verb} under ${root}:`)
      for (const line of lines) out.line(line)
      out.line(
        `${options.dryRun ? 'Would free' : 'Freed'} ${formatBytes(freed)}${totals.expired.entries + totals.oldVersions.entries && !options.dryRun ? ' (SQLite reuses the freed pages; the database file keeps its size)' : ''}.`,
      )
    } else {
      out.line(`Nothing to prune under ${root}.`)
    }
    for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
  }
  return problems.length ? ExitCode.problems : ExitCode.ok
}
