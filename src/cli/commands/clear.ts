/**
 * `twat-cache clear [name…] [--all] [--tag T…]`: delete the stored entries of the named functions (ids as `stats`
 * shows them, or globs), or of every function, on disk under the cache root and, with --url, in Redis. With
 * `--tag`, only the entries carrying one of the tags (of the named functions, when names are given); without names
 * the tags are also recorded as invalidated in every store, as `invalidateTag` does, so that running processes
 * discard the entries they were computing meanwhile. It says what it will delete and asks first; without a terminal
 * to ask on it needs --yes. SQLite rows go in one write transaction, so caches using the database meanwhile are safe.
 */
import { ExitCode, UsageError } from '../exit.js'
import { findCacheFolders, resolveRoot, type CacheFolder } from '../inventory/disk.js'
import { recordInvalidation, removeEntries, removeFunctionFolder, summarizeFunctionFolder, taggedEntries } from '../inventory/files.js'
import type { FunctionSummary } from '../inventory/model.js'
import {
  connectRedis,
  deleteRedisFunctions,
  deleteRedisTagged,
  redactUrl,
  summarizeRedis,
  summarizeRedisTagged,
  type RedisConnection,
} from '../inventory/redis.js'
import { deleteFunctions, deleteTagged, openDatabase, summarizeDatabase, type Removed } from '../inventory/sqlite.js'
import { createNameMatcher, type NameMatcher } from '../names.js'
import { formatBytes, plural, type Output } from '../output.js'
import { confirm } from '../prompt.js'

export interface ClearOptions {
  readonly names: readonly string[]
  readonly all: boolean
  readonly dir?: string | undefined
  readonly folder?: string | undefined
  readonly url?: string | undefined
  readonly yes: boolean
  readonly tags: readonly string[]
  /** Whether a person can answer a question (stdin and stderr are terminals). */
  readonly interactive: boolean
}

/** One store's share of what will be cleared. */
interface Target {
  readonly where: string
  readonly functions: FunctionSummary[]
  clear(): Promise<Removed>
}

/** How a store is cleared: by function, or by tag (with the invalidation recorded at `invalidatedAt`, when given). */
interface Selection {
  readonly matcher: NameMatcher | undefined
  readonly tags: readonly string[]
  readonly invalidatedAt: number | undefined
}

function matching(functions: readonly FunctionSummary[], matcher: NameMatcher | undefined): FunctionSummary[] {
  return matcher ? functions.filter((fn) => matcher.matches(fn.store, fn.id)) : [...functions]
}

const sum = (parts: Removed[]): Removed =>
  parts.reduce((a, b) => ({ entries: a.entries + b.entries, bytes: a.bytes + b.bytes }), { entries: 0, bytes: 0 })

/** What a cache folder's file engine holds that the selection chooses. */
function fileTarget(folder: CacheFolder, selection: Selection, now: number): Target | undefined {
  const named = folder.functions.filter((fn) => !selection.matcher || selection.matcher.matches('file', fn.name))
  if (!selection.tags.length) {
    if (!named.length) return undefined
    return {
      where: folder.path,
      functions: named.map((fn) => summarizeFunctionFolder(fn, now)),
      clear: async () => sum(named.map(removeFunctionFolder)),
    }
  }
  const tagged = named.map((fn) => taggedEntries(fn, selection.tags)).filter((fn) => fn !== undefined)
  // Recorded in every cache folder (a file engine may use it later, or bcache on its file fallback), so that
  // entries being computed meanwhile are discarded too.
  const record = selection.invalidatedAt !== undefined && (folder.database !== undefined || folder.functions.length > 0)
  if (!tagged.length && !record) return undefined
  return {
    where: folder.path,
    functions: tagged.map((fn) => summarizeFunctionFolder(fn, now)),
    async clear() {
      if (record) recordInvalidation(folder.path, selection.tags, selection.invalidatedAt!)
      return sum(tagged.map(removeEntries))
    },
  }
}

export async function clear(options: ClearOptions, out: Output): Promise<ExitCode> {
  const byTag = options.tags.length > 0
  if (byTag && options.all)
    throw new UsageError(
      'clear: --tag chooses the entries carrying the tag in every function; leave out --all (or name functions to clear only theirs)',
    )
  if (options.all && options.names.length) throw new UsageError('clear: give function names or --all, not both')
  if (!byTag && !options.all && !options.names.length)
    throw new UsageError('clear: name the functions to clear (ids or globs, as twat-cache stats shows them), pass --all, or --tag <tag>')
  const root = resolveRoot(options.dir)
  const matcher = options.names.length ? createNameMatcher(options.names, process.cwd()) : undefined
  const now = Date.now()
  // Without names, a tag is invalidated everywhere, as invalidateTag does; with names, only their entries go.
  const selection: Selection = { matcher, tags: options.tags, invalidatedAt: byTag && !matcher ? now : undefined }
  const targets: Target[] = []
  const problems: string[] = []
  let redis: RedisConnection | undefined
  const closers: Array<() => void> = []

  try {
    for (const folder of findCacheFolders(root, options.folder)) {
      const database = folder.database
      if (database) {
        const opened = openDatabase(database, false)
        if (opened.kind === 'problem') problems.push(`${database}: ${opened.problem}`)
        if (opened.kind === 'open') {
          const db = opened.db
          const chosen = matching(summarizeDatabase(db, now, byTag ? options.tags : undefined), matcher)
          const ids = matcher ? chosen.map((fn) => fn.id) : undefined
          if (chosen.length || selection.invalidatedAt !== undefined) {
            targets.push({
              where: database,
              functions: chosen,
              clear: async () => (byTag ? deleteTagged(db, options.tags, ids, selection.invalidatedAt) : deleteFunctions(db, ids)),
            })
          }
          closers.push(opened.close)
        }
      }
      const files = fileTarget(folder, selection, now)
      if (files) targets.push(files)
    }
    if (options.url) {
      redis = await connectRedis(options.url)
      const connection = redis
      const chosen = matching(byTag ? await summarizeRedisTagged(connection, options.tags) : await summarizeRedis(connection), matcher)
      const fns = matcher ? chosen.map((fn) => fn.id) : undefined
      if (chosen.length || selection.invalidatedAt !== undefined) {
        targets.push({
          where: `Redis at ${redactUrl(options.url)}`,
          functions: chosen,
          clear: () =>
            byTag ? deleteRedisTagged(connection, options.tags, fns, selection.invalidatedAt) : deleteRedisFunctions(connection, fns),
        })
      }
    }

    const chosen = targets.flatMap((t) => t.functions)
    const entries = chosen.reduce((n, fn) => n + fn.entries, 0)
    const bytes = chosen.reduce((n, fn) => n + fn.bytes, 0)
    const tagText = options.tags.join(', ')
    const tagWords = `${options.tags.length === 1 ? 'tag' : 'tags'} ${tagText}`
    if (!chosen.length && byTag && selection.invalidatedAt !== undefined) {
      // Nothing stored carries the tag: the invalidation is still recorded, for entries being computed right now.
      for (const target of targets) await target.clear()
      const stores = targets.map((t) => t.where)
      const message = `No stored entry carries ${tagWords} under ${root}${options.url ? ' or in Redis' : ''}; its invalidation was recorded in ${plural(stores.length, 'store')}.`
      out.document({
        root,
        tags: options.tags,
        removed: { functions: 0, entries: 0, bytes: 0 },
        functions: [],
        invalidated: stores,
        problems,
        message,
      })
      out.line(message)
      for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
      return ExitCode.ok
    }
    if (!chosen.length) {
      const where = `under ${root}${options.url ? ' or in Redis' : ''}`
      const message = byTag
        ? `No stored entry of ${options.names.join(', ')} carries ${tagWords} ${where}.`
        : options.all
          ? `Nothing to clear ${where}.`
          : `No stored function matches ${options.names.join(', ')} ${where} (twat-cache stats lists them).`
      out.document({
        root,
        ...(byTag ? { tags: options.tags } : {}),
        removed: { functions: 0, entries: 0, bytes: 0 },
        functions: [],
        ...(byTag ? { invalidated: [] } : {}),
        problems,
        message,
      })
      out.line(message)
      for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
      return options.all ? ExitCode.ok : ExitCode.problems
    }

    if (!options.yes) {
      if (!options.interactive) {
        const carrying = byTag ? ` carrying ${tagText}` : ''
        throw new UsageError(
          `clear: would delete ${plural(entries, 'entry', 'entries')}${carrying} (${formatBytes(bytes)}) of ${plural(chosen.length, 'function')}; not a terminal, so nothing was deleted: pass --yes to delete without asking`,
          'TWAT_CACHE_CLI_CONFIRM',
        )
      }
      for (const target of targets)
        for (const fn of target.functions)
          out.note(`  ${fn.id}  ${plural(fn.entries, 'entry', 'entries')}, ${formatBytes(fn.bytes)}  ${out.dim(target.where)}`)
      if (
        !(await confirm(`Delete ${plural(entries, 'entry', 'entries')} (${formatBytes(bytes)}) of ${plural(chosen.length, 'function')}?`))
      ) {
        out.line('Nothing was deleted.')
        out.document({
          root,
          ...(byTag ? { tags: options.tags } : {}),
          removed: { functions: 0, entries: 0, bytes: 0 },
          functions: [],
          ...(byTag ? { invalidated: [] } : {}),
          problems,
          message: 'cancelled',
        })
        return ExitCode.problems
      }
    }

    const removed: Removed = { entries: 0, bytes: 0 }
    const report: Array<{ id: string; store: string; where: string; entries: number; bytes: number }> = []
    for (const target of targets) {
      const done = await target.clear()
      removed.entries += done.entries
      removed.bytes += done.bytes
      for (const fn of target.functions)
        report.push({ id: fn.id, store: fn.store, where: target.where, entries: fn.entries, bytes: fn.bytes })
    }
    const invalidated = selection.invalidatedAt !== undefined ? targets.map((t) => t.where) : []
    out.document({
      root,
      ...(byTag ? { tags: options.tags } : {}),
      removed: { functions: chosen.length, ...removed },
      functions: report,
      ...(byTag ? { invalidated } : {}),
      problems,
      message: null,
    })
    const carrying = byTag ? ` carrying ${tagText}` : ''
    const recorded = invalidated.length ? ` Recorded the invalidation of ${tagText} in ${plural(invalidated.length, 'store')}.` : ''
    out.line(
      `Removed ${plural(removed.entries, 'entry', 'entries')}${carrying} (${formatBytes(removed.bytes)}) of ${plural(chosen.length, 'function')}.${recorded}`,
    )
    for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
    return ExitCode.ok
  } finally {
    for (const close of closers.splice(0)) close()
    redis?.close()
  }
}
