/**
 * `twat-cache clear [name…] [--all]`: delete the stored entries of the named functions (ids as `stats` shows them,
 * or globs), or of every function, on disk under the cache root and, with --url, in Redis. It says what it will
 * delete and asks first; without a terminal to ask on it needs --yes. SQLite rows go in one write transaction,
 * so caches using the database meanwhile are safe.
 *
 * Selection is by name today; `--tag` is accepted and refused until entries carry tags (a later version stores
 * them): {@link selectByTags} is where a tag index plugs in.
 */
import { ExitCode, UsageError } from '../exit.js'
import { findCacheFolders, resolveRoot } from '../inventory/disk.js'
import { removeFunctionFolder, summarizeFunctionFolder } from '../inventory/files.js'
import type { FunctionSummary } from '../inventory/model.js'
import { connectRedis, deleteRedisFunctions, redactUrl, summarizeRedis, type RedisConnection } from '../inventory/redis.js'
import { deleteFunctions, openDatabase, summarizeDatabase, type Removed } from '../inventory/sqlite.js'
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

/** Functions chosen by tag. No version stores tags yet, so asking for them is an error with the way forward. */
export function selectByTags(tags: readonly string[]): never {
  throw new UsageError(
    `--tag ${tags.join(', ')}: tags are not stored by this version of twat-cache, so entries cannot be chosen by tag. ` +
      'Clear by function id or glob (twat-cache stats lists them), or --all',
    'TWAT_CACHE_CLI_NO_TAGS',
  )
}

/** One store's share of what will be cleared. */
interface Target {
  readonly where: string
  readonly functions: FunctionSummary[]
  clear(): Promise<Removed>
}

function matching(functions: readonly FunctionSummary[], matcher: NameMatcher | undefined): FunctionSummary[] {
  return matcher ? functions.filter((fn) => matcher.matches(fn.store, fn.id)) : [...functions]
}

export async function clear(options: ClearOptions, out: Output): Promise<ExitCode> {
  if (options.tags.length) selectByTags(options.tags)
  if (options.all && options.names.length) throw new UsageError('clear: give function names or --all, not both')
  if (!options.all && !options.names.length) throw new UsageError('clear: name the functions to clear (ids or globs, as twat-cache stats shows them), or pass --all')
  const root = resolveRoot(options.dir)
  const matcher = options.all ? undefined : createNameMatcher(options.names, process.cwd())
  const now = Date.now()
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
          const chosen = matching(summarizeDatabase(opened.db, now), matcher)
          if (chosen.length) {
            targets.push({
              where: database,
              functions: chosen,
              clear: async () => deleteFunctions(opened.db, matcher ? chosen.map((fn) => fn.id) : undefined),
            })
          }
          closers.push(opened.close)
        }
      }
      const fileFunctions = folder.functions.filter((fn) => !matcher || matcher.matches('file', fn.name))
      if (fileFunctions.length) {
        targets.push({
          where: folder.path,
          functions: fileFunctions.map((fn) => summarizeFunctionFolder(fn, now)),
          clear: async () => fileFunctions.map(removeFunctionFolder).reduce((a, b) => ({ entries: a.entries + b.entries, bytes: a.bytes + b.bytes }), { entries: 0, bytes: 0 }),
        })
      }
    }
    if (options.url) {
      redis = await connectRedis(options.url)
      const connection = redis
      const chosen = matching(await summarizeRedis(connection), matcher)
      if (chosen.length) {
        targets.push({ where: `Redis at ${redactUrl(options.url)}`, functions: chosen, clear: () => deleteRedisFunctions(connection, matcher ? chosen.map((fn) => fn.id) : undefined) })
      }
    }

    const chosen = targets.flatMap((t) => t.functions)
    const entries = chosen.reduce((n, fn) => n + fn.entries, 0)
    const bytes = chosen.reduce((n, fn) => n + fn.bytes, 0)
    if (!chosen.length) {
      const message = options.all ? `Nothing to clear under ${root}${options.url ? ' or in Redis' : ''}.` : `No stored function matches ${options.names.join(', ')} under ${root}${options.url ? ' or in Redis' : ''} (twat-cache stats lists them).`
      out.document({ root, removed: { functions: 0, entries: 0, bytes: 0 }, functions: [], problems, message })
      out.line(message)
      for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
      return options.all ? ExitCode.ok : ExitCode.problems
    }

    if (!options.yes) {
      if (!options.interactive) {
        throw new UsageError(`clear: would delete ${plural(entries, 'entry', 'entries')} (${formatBytes(bytes)}) of ${plural(chosen.length, 'function')}; not a terminal, so nothing was deleted: pass --yes to delete without asking`, 'TWAT_CACHE_CLI_CONFIRM')
      }
      for (const target of targets) for (const fn of target.functions) out.note(`  ${fn.id}  ${plural(fn.entries, 'entry', 'entries')}, ${formatBytes(fn.bytes)}  ${out.dim(target.where)}`)
      if (!(await confirm(`Delete ${plural(entries, 'entry', 'entries')} (${formatBytes(bytes)}) of ${plural(chosen.length, 'function')}?`))) {
        out.line('Nothing was deleted.')
        out.document({ root, removed: { functions: 0, entries: 0, bytes: 0 }, functions: [], problems, message: 'cancelled' })
        return ExitCode.problems
      }
    }

    const removed: Removed = { entries: 0, bytes: 0 }
    const report: Array<{ id: string; store: string; where: string; entries: number; bytes: number }> = []
    for (const target of targets) {
      const done = await target.clear()
      removed.entries += done.entries
      removed.bytes += done.bytes
      for (const fn of target.functions) report.push({ id: fn.id, store: fn.store, where: target.where, entries: fn.entries, bytes: fn.bytes })
    }
    out.document({ root, removed: { functions: chosen.length, ...removed }, functions: report, problems, message: null })
    out.line(`Removed ${plural(removed.entries, 'entry', 'entries')} (${formatBytes(removed.bytes)}) of ${plural(chosen.length, 'function')}.`)
    for (const problem of problems) out.line(`${out.warn('!')} ${problem}`)
    return ExitCode.ok
  } finally {
    for (const close of closers.splice(0)) close()
    redis?.close()
  }
}
