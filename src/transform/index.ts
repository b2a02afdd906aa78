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
import MagicString, { type SourceMap } from 'magic-string'
import ts from 'typescript'
import { ErrorReporter, TransformError } from './errors.js'
import { IdAllocator, fileOfId, relativeLabel } from './ids.js'
import { findMarkerCalls } from './markers.js'
import { resolveDefaults } from './options.js'
import { Rewriter, type ResolvedDefaults } from './rewrite.js'
import { findTagSites } from './sites.js'
import { TRIGGER_TEXT } from './trigger.js'

export { TransformError, TRIGGER_TEXT }

export interface TransformOptions {
  /** Project root: site ids are file paths relative to it. @default process.cwd() */
  root?: string
  /** Import path of the runtime in the emitted code. @default 'twat-cache' */
  runtime?: string
  /**
   * `false` turns the transform off: every file comes back as `null`, tagged functions run uncached, marker calls
   * stay as written (they still cache: they are ordinary runtime calls). @default true
   */
  enabled?: boolean
  /** Options merged under every site's options; the site's own options win. e.g. `{ ttl: '1h' }` */
  defaults?: Record<string, unknown>
}

export interface TransformResult {
  code: string
  map: SourceMap
}

const SCRIPT_KINDS: Readonly<Record<string, ts.ScriptKind>> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
}

/** Whether a plain .js file is a CommonJS script, which must `require` the runtime. */
function isCommonJsScript(file: string, sourceFile: ts.SourceFile): boolean {
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
function hasSyntaxErrors(sourceFile: ts.SourceFile): boolean {
  return ((sourceFile as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics?.length ?? 0) > 0
}

/**
 * Rewrite the tagged functions and marker calls of one module.
 * @param code the module's source text
 * @param id the module's path (a bundler id; a `?query` is ignored)
 * @returns the new code and its source map, or `null` when there is nothing to rewrite
 * @throws TransformError for a bad tag, option or construct, pointing at it
 */
export function transform(code: string, id: string, options: TransformOptions = {}): TransformResult | null {
  if (!TRIGGER_TEXT.test(code)) return null
  if (options.enabled === false) return null
  const file = fileOfId(id)
  if (/\.d\.[cm]?tsx?$/.test(file)) return null
  const scriptKind = SCRIPT_KINDS[path.extname(file)] ?? ts.ScriptKind.TS
  const sourceFile = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, scriptKind)
  // Let the bundler or compiler report syntax errors in its own words; a rewrite of broken code would only add noise.
  if (hasSyntaxErrors(sourceFile)) return null

  const label = relativeLabel(file, options.root ?? process.cwd())
  const errors = new ErrorReporter(file, label, code)
  const runtime = options.runtime ?? 'twat-cache'
  const sites = findTagSites(sourceFile, errors)
  const markers = findMarkerCalls(sourceFile, new Set(['twat-cache', runtime]), errors)
  if (!sites.length && !markers.length) return null

  const defaults: ResolvedDefaults = resolveDefaults(options.defaults)
  const s = new MagicString(code)
  const rewriter = new Rewriter({
    s,
    sourceFile,
    errors,
    ids: new IdAllocator(label),
    defaults,
    typed: scriptKind === ts.ScriptKind.TS || scriptKind === ts.ScriptKind.TSX,
    runtime,
    commonJs: isCommonJsScript(file, sourceFile),
  })
  // Source order, so ids that need a `~2` suffix get it in a stable order.
  const work = [
    ...sites.map((site) => ({ at: site.node.getStart(sourceFile), run: () => rewriter.rewriteSite(site) })),
    ...markers.map((marker) => ({ at: marker.call.getStart(sourceFile), run: () => rewriter.rewriteMarker(marker) })),
  ].sort((a, b) => a.at - b.at)
  for (const item of work) item.run()
  rewriter.flushClassBlocks()
  if (!s.hasChanged()) return null
  rewriter.emitImport()
  return {
    code: s.toString(),
    map: s.generateMap({ hires: true, source: file, file: path.basename(file), includeContent: true }),
  }
}

