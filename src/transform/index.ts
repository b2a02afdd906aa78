/**
 * The build-time transform, free of any bundler: `transform(code, id, options)` finds functions tagged
 * `@cache`/`@mcache`…`@ucache` and marker calls of the runtime, and rewrites them to call the runtime, with a source
 * map. The bundler plugins and the tsc plugin are thin layers over this function.
 *
 * @example
 * const result = transform(code, '/project/src/prices.ts', { root: '/project' })
 * if (result) return { code: result.code, map: result.map }
 */
import path from 'node:path'
import type MagicStringClass from 'magic-string'
import type { SourceMap } from 'magic-string'
import type TS from 'typescript'
import { BuildPackageError, requireBuildPackage } from './build-packages.js'
import { checkClosures, needsClosureCheck } from './closures.js'
import { ErrorReporter, TransformError, TransformWarning } from './errors.js'
import { IdAllocator, fileOfId, relativeLabel } from './ids.js'
import { findMarkerCalls } from './markers.js'
import { ModuleGraph, type ModuleGraphOptions } from './module-graph.js'
import { resolveDefaults } from './options.js'
import { Rewriter, type ResolvedDefaults } from './rewrite.js'
import { findTagSites } from './sites.js'
import type { SiteInfo, SiteListener } from './site-report.js'
import { MISSPELT_TAG_TEXT } from './tag-spelling.js'
import { CACHE_TAG_TEXT, TRIGGER_TEXT } from './trigger.js'
import { ReferenceIndex } from './references.js'
import { FileScopes } from './scopes.js'
import { loadTypeScript, ts, useTypeScript } from './typescript.js'
import { SiteVersions } from './versions.js'

export { BuildPackageError, ModuleGraph, TransformError, TransformWarning, TRIGGER_TEXT }
export type { ModuleGraphOptions, SiteInfo }
export type { VersionScope } from './site-facts.js'

export interface TransformOptions {
  /** Project root: site ids are file paths relative to it. @default process.cwd() */
  root?: string
  /** Import path of the runtime in the emitted code. @default 'twat-cache' */
  runtime?: string
  /**
   * `false` turns the transform off: tagged functions stay as written and run uncached, marker calls stay as written
   * (they still cache: they are ordinary runtime calls). Nothing is checked or reported. A file with a cache tag is
   * still parsed, and each tagged function registered as a disabled site (`registerDisabledSite`), so that
   * `cacheOf(fn)` warns once and returns a handle that does nothing instead of throwing; other files come back as
   * `null` unparsed. @default true
   */
  enabled?: boolean
  /** Options merged under every site's options; the site's own options win. e.g. `{ ttl: '1h' }` */
  defaults?: Record<string, unknown>
  /**
   * Receives each warning (such as a misspelt tag, which is then ignored), in source order, before the result is
   * returned or the error thrown. Without it warnings are dropped.
   */
  onWarning?: (warning: TransformWarning) => void
  /**
   * Told each cache site the build rewrites (tagged functions and marker calls, in source order), with the options
   * the emitted code passes: how `twat-cache scan` lists what the build injects. A tagged site with a bad option
   * is not told (the file's TransformError reports it).
   */
  onSite?: SiteListener
  /**
   * The TypeScript 6 module to parse with. Default: loaded when the first file with a trigger arrives, from the
   * project's `typescript` when it is version 6, else from `typescript6` (TypeScript 6 installed under an alias).
   * The tsc plugin passes the compiler ts-patch runs.
   */
  typescript?: typeof TS
  /**
   * Closure problems (a persistent cache reading a reassigned module variable, a local of an enclosing function, or
   * `this` without `key`) are build errors instead of warnings, in every file. A tag's own `strict=true` does the
   * same for its site. @default false
   */
  strict?: boolean
  /**
   * The digests of the project's modules, shared by every file of a build so each module is read and hashed once.
   * Call `startBuild()` on it when a build or watch rebuild starts. Default: a graph of the process, whose files are
   * checked (mtime and size) again at every call.
   */
  moduleGraph?: ModuleGraph
}

export interface TransformResult {
  code: string
  map: SourceMap
  /**
   * Files the versions were computed from (imported project files, transitively, and the package.json of imported
   * packages). A bundler that caches transforms must transform this file again when one of them changes.
   */
  dependencies: readonly string[]
}

/** The graph of calls without one: kept for the process, its files checked again at every call. */
let processGraph: ModuleGraph | undefined

/** A cache tag or the package name, spelt exactly: the files that may need rewriting. */
const EXACT_TRIGGER_TEXT = new RegExp(`${CACHE_TAG_TEXT.source}|twat-cache`)

/**
 * A tag name at the start of a JSDoc line or right after `/**`: in a file with no exact trigger, only these can be
 * misspelt tags, so a file whose look-alike text sits elsewhere (a string, an e-mail address) is not parsed.
 */
const TAG_AT_JSDOC_LINE = /(?:^[ \t]*\*?|\/\*\*)[ \t]*(@[A-Za-z][\w-]*)/gm

const WHOLE_MISSPELT_TAG = new RegExp(`^(?:${MISSPELT_TAG_TEXT.source})$`, 'i')

function mayHoldMisspeltTag(code: string): boolean {
  for (const match of code.matchAll(TAG_AT_JSDOC_LINE)) if (WHOLE_MISSPELT_TAG.test(match[1]!)) return true
  return false
}

/** The script kind of a file extension; TypeScript for anything else (a bundler's virtual module, say). */
function scriptKindOf(file: string): TS.ScriptKind {
  switch (path.extname(file)) {
    case '.tsx':
      return ts.ScriptKind.TSX
    case '.js':
    case '.mjs':
    case '.cjs':
      return ts.ScriptKind.JS
    case '.jsx':
      return ts.ScriptKind.JSX
    default:
      return ts.ScriptKind.TS
  }
}

let magicString: typeof MagicStringClass | undefined
/** magic-string, loaded with the first file to rewrite (an optional peer dependency, like TypeScript). */
function loadMagicString(root: string): typeof MagicStringClass {
  if (!magicString) {
    const loaded = requireBuildPackage<typeof MagicStringClass | { default: typeof MagicStringClass }>('magic-string', [root])
    magicString = 'default' in loaded ? loaded.default : loaded
  }
  return magicString
}

/** Whether a plain .js file is a CommonJS script, which must `require` the runtime. */
function isCommonJsScript(file: string, sourceFile: TS.SourceFile): boolean {
  const extension = path.extname(file)
  if (extension === '.cjs') return true
  if (extension !== '.js' && extension !== '.jsx') return false
  const esm = sourceFile.statements.some(
    (s) =>
      ts.isImportDeclaration(s) ||
      ts.isExportDeclaration(s) ||
      ts.isExportAssignment(s) ||
      (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
  )
  return !esm && /\brequire\s*\(|\bmodule\.exports\b|\bexports\.\w/.test(sourceFile.text)
}

/** Parse errors, which TypeScript records instead of throwing (not in its public typings). */
function hasSyntaxErrors(sourceFile: TS.SourceFile): boolean {
  return ((sourceFile as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics?.length ?? 0) > 0
}

/**
 * Rewrite the tagged functions and marker calls of one module.
 * @param code the module's source text
 * @param id the module's path (a bundler id; a `?query` is ignored)
 * @returns the new code and its source map, or `null` when there is nothing to rewrite
 * @throws TransformError for a bad tag, option or construct, pointing at the first; its `errors` lists them all
 * @throws BuildPackageError when TypeScript 6 or magic-string is not installed, naming the install command
 */
export function transform(code: string, id: string, options: TransformOptions = {}): TransformResult | null {
  if (!TRIGGER_TEXT.test(code)) return null
  const disabled = options.enabled === false
  const file = fileOfId(id)
  if (/\.d\.[cm]?tsx?$/.test(file)) return null
  // Disabled, only tagged functions are registered (markers cache anyway, misspelt tags are not reported).
  if (disabled ? !CACHE_TAG_TEXT.test(code) : !EXACT_TRIGGER_TEXT.test(code) && !mayHoldMisspeltTag(code)) return null
  const root = options.root ?? process.cwd()
  if (options.typescript) useTypeScript(options.typescript)
  else loadTypeScript(root)
  const scriptKind = scriptKindOf(file)
  const sourceFile = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, scriptKind)
  // Let the bundler or compiler report syntax errors in its own words; a rewrite of broken code would only add noise.
  if (hasSyntaxErrors(sourceFile)) return null

  const label = relativeLabel(file, root)
  const errors = new ErrorReporter(file, label, code)
  if (disabled) return registerDisabled(code, file, sourceFile, scriptKind, errors, options)
  try {
    return rewrite(code, file, sourceFile, scriptKind, errors, options)
  } finally {
    // Warnings first, then the errors: both reach the user from one build.
    for (const warning of errors.warnings) options.onWarning?.(warning)
  }
}

/**
 * The disabled transform: every tagged function stays as written and is registered as a disabled site (see
 * rewrite.ts). Problems are recorded in `errors` and never reported: the plugin is off.
 */
function registerDisabled(
  code: string,
  file: string,
  sourceFile: TS.SourceFile,
  scriptKind: TS.ScriptKind,
  errors: ErrorReporter,
  options: TransformOptions,
): TransformResult | null {
  const sites = findTagSites(sourceFile, errors)
  if (!sites.length) return null
  let defaults: ResolvedDefaults
  try {
    defaults = resolveDefaults(options.defaults)
  } catch {
    defaults = new Map()
  }
  const root = options.root ?? process.cwd()
  const s = new (loadMagicString(root))(code)
  const rewriter = new Rewriter({
    s,
    sourceFile,
    errors,
    ids: new IdAllocator(errors.label),
    defaults,
    typed: scriptKind === ts.ScriptKind.TS || scriptKind === ts.ScriptKind.TSX,
    runtime: options.runtime ?? 'twat-cache',
    commonJs: isCommonJsScript(file, sourceFile),
    // Neither versions nor closure checks are asked for by a disabled site.
    versions: new SiteVersions({
      sourceFile,
      file,
      graph: new ModuleGraph(),
      references: () => new ReferenceIndex(new FileScopes(sourceFile)),
    }),
    checkClosures: () => undefined,
    strict: false,
    disabled: true,
  })
  for (const site of sites) errors.attempt(() => rewriter.rewriteSite(site))
  rewriter.flushClassBlocks()
  // A module-level declaration's registration is only written with the import.
  rewriter.emitImport()
  if (!s.hasChanged()) return null
  return {
    code: s.toString(),
    map: s.generateMap({ hires: true, source: file, file: path.basename(file), includeContent: true }),
    dependencies: [],
  }
}

function rewrite(
  code: string,
  file: string,
  sourceFile: TS.SourceFile,
  scriptKind: TS.ScriptKind,
  errors: ErrorReporter,
  options: TransformOptions,
): TransformResult | null {
  const runtime = options.runtime ?? 'twat-cache'
  const sites = findTagSites(sourceFile, errors)
  const markers = findMarkerCalls(sourceFile, new Set(['twat-cache', runtime]), errors)
  if (!sites.length && !markers.length) {
    errors.throwIfAny()
    return null
  }

  const defaults: ResolvedDefaults = resolveDefaults(options.defaults)
  const MagicString = loadMagicString(options.root ?? process.cwd())
  const s = new MagicString(code)
  let graph = options.moduleGraph
  if (!graph) {
    graph = processGraph ??= new ModuleGraph()
    graph.startBuild()
  }
  let references: ReferenceIndex | undefined
  const referencesOf = (): ReferenceIndex => (references ??= new ReferenceIndex(new FileScopes(sourceFile)))
  const versions = new SiteVersions({ sourceFile, file, graph, references: referencesOf })
  const rewriter = new Rewriter({
    s,
    sourceFile,
    errors,
    ids: new IdAllocator(errors.label),
    defaults,
    typed: scriptKind === ts.ScriptKind.TS || scriptKind === ts.ScriptKind.TSX,
    runtime,
    commonJs: isCommonJsScript(file, sourceFile),
    onSite: options.onSite,
    versions,
    checkClosures: (site) => {
      if (needsClosureCheck(site.node, site.persistent)) checkClosures(site, referencesOf(), errors)
    },
    strict: options.strict === true,
  })
  // Source order, so ids that need a `~2` suffix get it in a stable order.
  const work = [
    ...sites.map((site) => ({ at: site.node.getStart(sourceFile), run: () => rewriter.rewriteSite(site) })),
    ...markers.map((marker) => ({ at: marker.call.getStart(sourceFile), run: () => rewriter.rewriteMarker(marker) })),
  ].sort((a, b) => a.at - b.at)
  // Each site is a step of its own: a bad one is recorded and the others are still checked.
  for (const item of work) errors.attempt(item.run)
  errors.throwIfAny()
  rewriter.flushClassBlocks()
  if (!s.hasChanged()) return null
  rewriter.emitImport()
  return {
    code: s.toString(),
    map: s.generateMap({ hires: true, source: file, file: path.basename(file), includeContent: true }),
    dependencies: versions.dependencies,
  }
}
