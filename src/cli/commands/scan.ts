/**
 * `twat-cache scan [dirs…]`: every cache site of a project as the build sees it (the transform's own view, through
 * its `onSite` hook), with the errors the build would stop on and its warnings, plus warnings of its own: a sync
 * function given a store that only answers asynchronously, and, with a tsconfig.json, parameter and result types a
 * persistent cache cannot keep. TypeScript and magic-string (optional peers) are loaded here only.
 */
import fs from 'node:fs'
import path from 'node:path'
import type TS from 'typescript'
import { BuildPackageError, TransformError, TransformWarning, transform } from '../../transform/index.js'
import { relativeLabel } from '../../transform/ids.js'
import { resolveDefaults } from '../../transform/options.js'
import type { SiteInfo } from '../../transform/site-report.js'
import { loadTypeScript } from '../../transform/typescript.js'
import { CommandFailure, ExitCode, UsageError } from '../exit.js'
import { plural, type Output } from '../output.js'
import { createProgress } from '../progress.js'
import { findCachedFunction, type CachedFunction } from '../scan/cached-function.js'
import { listSourceFiles } from '../scan/files.js'
import { loadProject, type Project } from '../scan/project.js'
import { asyncStoreWarning, siteStore, type SiteStore } from '../scan/site-store.js'
import { TypeChecks } from '../scan/type-checks.js'

export interface ScanOptions {
  readonly dirs: readonly string[]
  readonly root?: string | undefined
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly project?: string | undefined
  /** The plugin's `defaults`, as JSON. */
  readonly defaults?: string | undefined
  /** Exit 1 on warnings too. */
  readonly strict: boolean
  /** Run the type checks (on by default; --no-types skips them). */
  readonly types: boolean
}

export type WarningCode = 'misspelt-tag' | 'transform' | 'async-store' | 'unstorable-result' | 'unkeyable-parameter'

interface Problem {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly message: string
  readonly frame: string
}
interface ScanWarning extends Problem {
  readonly code: WarningCode
}
interface ScanSite {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly trigger: SiteInfo['trigger']
  readonly kind: SiteInfo['kind']
  readonly store: SiteStore
  readonly id: string | null
  readonly version: string | null
  readonly options: Record<string, unknown>
  readonly code: Record<string, string>
}

/** A site as read, kept with what the checks need. */
interface Found {
  readonly info: SiteInfo
  readonly source: string
  readonly fn: CachedFunction | undefined
}

function problemOf(p: TransformError | TransformWarning, root: string): Problem {
  return { file: relativeLabel(p.file, root), line: p.line, column: p.column, message: p.text, frame: p.frame }
}

function parseDefaults(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`--defaults ${text}: not JSON (${(error as Error).message}); write e.g. --defaults '{"ttl":"1h"}'`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`--defaults ${text}: expected a JSON object of options, e.g. '{"ttl":"1h"}'`)
  try {
    resolveDefaults(value as Record<string, unknown>)
  } catch (error) {
    throw new UsageError(`--defaults: ${(error as Error).message.replace(/^twat-cache transform: /, '')}`)
  }
  return value as Record<string, unknown>
}

/** How an option is shown: `ttl=10m`, `folderName=reports`, `key=<keyOf>` for code. */
function formatOption(name: string, site: ScanSite): string {
  if (name in site.options) {
    const value = site.options[name]
    return `${name}=${typeof value === 'string' && /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value)}`
  }
  return `${name}=<${site.code[name]}>`
}

export async function scan(options: ScanOptions, out: Output): Promise<ExitCode> {
  const root = path.resolve(options.root ?? process.cwd())
  const defaults = parseDefaults(options.defaults)
  const files = listSourceFiles(options.dirs.length ? options.dirs : ['.'], { root, include: options.include, exclude: options.exclude })
  let ts: typeof TS
  try {
    ts = loadTypeScript(root)
  } catch (error) {
    if (error instanceof BuildPackageError) throw new CommandFailure(`scan: ${error.message}`, error.code)
    throw error
  }

  const errors: Problem[] = []
  const warnings: ScanWarning[] = []
  const notes: string[] = []
  const found: Found[] = []
  const progress = createProgress(out.stderr, files.length, 'files', !out.json)
  files.forEach((file, index) => {
    progress.tick(index)
    const source = fs.readFileSync(file, 'utf8')
    const sites: SiteInfo[] = []
    try {
      transform(source, file, {
        root,
        ...(defaults ? { defaults } : {}),
        typescript: ts,
        onWarning: (w) => warnings.push({ ...problemOf(w, root), code: /^unknown tag @/.test(w.text) ? 'misspelt-tag' : 'transform' }),
        onSite: (site) => sites.push(site),
      })
    } catch (error) {
      if (error instanceof TransformError) errors.push(...error.errors.map((e) => problemOf(e, root)))
      else if (error instanceof BuildPackageError) throw new CommandFailure(`scan: ${error.message}`, error.code)
      else errors.push({ file: relativeLabel(file, root), line: 1, column: 1, message: (error as Error).message, frame: '' })
    }
    if (!sites.length) return
    const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
    for (const info of sites) found.push({ info, source, fn: findCachedFunction(ts, sourceFile, info) })
  })
  progress.done()

  // The type checker answers what the syntax cannot (a function returning a promise without saying so, a function
  // bound elsewhere) and checks the types of persistent sites; its program is built only when some site needs it.
  const needsTypes = found.some((f) => siteStore(f.info, f.fn?.async) !== 'memory' || f.fn?.async !== true)
  let project: Project | undefined
  if (options.types && needsTypes) {
    project = loadProject(ts, root, options.project)
    if (project.kind === 'none') notes.push(project.note)
  } else if (!options.types) {
    notes.push('--no-types: the parameter and result types of persistent caches were not checked')
  }
  const checked = project?.kind === 'program' ? new TypeChecks(ts, project) : undefined

  const sites: ScanSite[] = []
  let outsideProgram = 0
  for (const { info, source, fn } of found) {
    const program = checked?.locate(info)
    const isAsync = fn?.async === true ? true : program ? program.returnsPromise : fn?.async
    const store = siteStore(info, isAsync)
    const warn = (code: WarningCode, text: string, offset = info.offset, length = 1) => {
      const w = new TransformWarning({ file: info.file, label: relativeLabel(info.file, root), source, offset, length, text })
      warnings.push({ ...problemOf(w, root), code })
    }
    const asyncWarning = asyncStoreWarning(info, isAsync)
    const named = fn?.declaration?.name
    if (asyncWarning) warn('async-store', asyncWarning, named ? named.getStart() : info.offset, named ? named.getWidth() : 1)
    if (checked && (store === 'disk' || store === 'shared')) {
      if (!program) outsideProgram++
      else
        for (const problem of program.typeProblems(store === 'disk' ? 'disk' : 'json', info))
          warn(problem.code, problem.text, problem.offset, problem.length)
    }
    sites.push({
      file: relativeLabel(info.file, root),
      line: info.line,
      column: info.column,
      trigger: info.trigger,
      kind: info.kind,
      store,
      id: info.name ?? null,
      version: info.version ?? null,
      options: info.options,
      code: info.code,
    })
  }
  if (outsideProgram) {
    const config = relativeLabel((project as { config: string }).config, root)
    notes.push(
      `${plural(outsideProgram, 'persistent site')} in files that ${config} does not include ${outsideProgram === 1 ? 'was' : 'were'} not type-checked (pass --project <tsconfig>)`,
    )
  }
  warnings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)

  const byKind: Record<string, number> = {}
  for (const site of sites) byKind[site.kind] = (byKind[site.kind] ?? 0) + 1
  const exit = errors.length || (options.strict && warnings.length) ? ExitCode.problems : ExitCode.ok
  out.document({
    root,
    files: files.length,
    sites,
    errors,
    warnings,
    notes,
    summary: { sites: sites.length, byKind, errors: errors.length, warnings: warnings.length },
  })
  if (out.json) return exit

  if (sites.length) {
    out.table(
      [{ title: 'site' }, { title: 'kind' }, { title: 'store' }, { title: 'id' }, { title: 'version' }, { title: 'options' }],
      sites.map((s) => [
        `${s.file}:${s.line}`,
        s.kind,
        s.store,
        s.id ?? '(run time)',
        s.version ?? '(run time)',
        Object.keys(s.code)
          .map((name) => formatOption(name, s))
          .join(' '),
      ]),
    )
  } else {
    out.line(`No cache sites in ${plural(files.length, 'file')} under ${root}.`)
  }
  for (const e of errors) {
    out.line()
    out.line(`${out.bad('error')} ${e.file}:${e.line}:${e.column}: ${e.message}`)
    if (e.frame) out.line(out.dim(e.frame))
  }
  for (const w of warnings) {
    out.line()
    out.line(`${out.warn('warning')} ${w.file}:${w.line}:${w.column}: ${w.message} [${w.code}]`)
    out.line(out.dim(w.frame))
  }
  for (const note of notes) {
    out.line()
    out.line(`${out.dim('note')} ${note}`)
  }
  out.line()
  out.table(
    [{ title: 'kind' }, { title: 'sites', align: 'right' }],
    [...Object.entries(byKind).sort(), ['total', String(sites.length)]].map(([k, n]) => [k!, String(n)]),
  )
  out.line()
  const counts = `${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')} in ${plural(files.length, 'file')}`
  out.line(errors.length ? out.bad(counts) : warnings.length ? out.warn(counts) : out.ok(counts))
  return exit
}
