/**
 * `twat-cache/tsc`: the transform for plain `tsc` builds, as a ts-patch (v4, TypeScript 6) Program transformer.
 * It runs the same `transform()` as the bundler plugins on each source file's text and builds the program again
 * from the results, so type-checking and emit both see the cached functions; there is no second implementation.
 *
 * tsconfig.json:
 *   "plugins": [{ "transform": "twat-cache/tsc", "transformProgram": true, "defaults": { "ttl": "1h" } }]
 * then build with `npx tspc -p .` (ts-patch's live compiler; nothing in node_modules is patched).
 *
 * Tags are read from the source text by the transform itself, so tsc's JSDoc parsing mode (`parseAllJsDoc`) does
 * not matter. The rewrite adds no lines, so tsc's diagnostics keep their line numbers. Every bad tag is reported as
 * a tsc error (code 990001) at the tag, and that file is compiled unchanged. Warnings (a misspelt tag) are printed to
 * stderr in tsc's own format (code 990002) but are not tsc diagnostics: tsc counts every diagnostic in its exit
 * status and in `noEmitOnError`, and a warning must not fail a build.
 * Declarations (`.d.ts`) of rewritten files are emitted from the source as written: caching a function does not
 * change a library's published types.
 *
 * TypeScript 7 (the native compiler) has no JavaScript API and does not load tsconfig plugins; ts-patch 4 itself
 * fails to start when the project's `typescript` is 7. Handed a compiler without the TypeScript 6 API, this
 * transformer stops with an error that says what to do.
 */
import path from 'node:path'
import type TS from 'typescript'
import { ModuleGraph, TransformError, transform, type TransformOptions, type TransformWarning } from './index.js'
import { TYPESCRIPT6_ALIAS_INSTALL, TYPESCRIPT6_INSTALL, isTypeScript6, typeScriptVersion } from './typescript.js'

/** The plugin's entry in tsconfig `plugins`: ts-patch's own keys plus the transform's options. */
export interface TscPluginConfig extends Omit<TransformOptions, 'onWarning' | 'typescript' | 'moduleGraph'> {
  readonly transform?: string
  readonly transformProgram?: boolean
  readonly [key: string]: unknown
}

/** What ts-patch passes a Program transformer besides the program. */
export interface ProgramTransformerExtras {
  readonly ts: typeof TS
}

/** The diagnostic code of twat-cache's build errors in tsc output (`error TS990001: twat-cache: …`). */
export const DIAGNOSTIC_CODE = 990001
/** The diagnostic code of twat-cache's warnings in tsc output (`warning TS990002: twat-cache: …`). */
export const WARNING_DIAGNOSTIC_CODE = 990002

/** The compiler handed to the transformer is not TypeScript 6; the message says what to do. */
export class TscTypeScriptError extends Error {
  override name = 'TscTypeScriptError'
  readonly code = 'TWAT_CACHE_TSC_TYPESCRIPT'
}

/** Stop unless `ts` is TypeScript 6 with its JavaScript API (what ts-patch 4 and the transform run on). */
export function assertTscTypeScript(ts: unknown): asserts ts is typeof TS {
  if (isTypeScript6(ts)) return
  const version = typeScriptVersion(ts) ?? 'without a version'
  throw new TscTypeScriptError(
    `twat-cache/tsc: the compiler running is TypeScript ${version}, not TypeScript 6 with its JavaScript API. ` +
      'TypeScript 7 (the native compiler) runs no transformers and ignores tsconfig "plugins". Either keep ' +
      `TypeScript 6 as the project's "typescript" for tspc (${TYPESCRIPT6_INSTALL}), or type-check with ` +
      'TypeScript 7 (npx tsc --noEmit) and emit with a twat-cache bundler plugin, which runs on TypeScript 6 ' +
      `installed beside it: ${TYPESCRIPT6_ALIAS_INSTALL}`,
  )
}

function transformOptions(
  program: TS.Program,
  config: TscPluginConfig,
  ts: typeof TS,
  host: TS.CompilerHost | undefined,
): TransformOptions {
  const configFile = (program.getCompilerOptions() as { configFilePath?: unknown }).configFilePath
  const base = typeof configFile === 'string' ? path.dirname(configFile) : program.getCurrentDirectory()
  const options: TransformOptions = { root: path.resolve(base, config.root ?? '.'), typescript: ts }
  if (config.runtime !== undefined) options.runtime = config.runtime
  if (config.enabled !== undefined) options.enabled = config.enabled
  if (config.defaults !== undefined) options.defaults = config.defaults
  if (config.strict !== undefined) options.strict = config.strict
  options.moduleGraph = programModuleGraph(program, ts, host)
  return options
}

/**
 * The modules versions depend on, resolved as the program resolves them (its options and host) and read from its
 * source files, so nothing the program already holds is read from disk again.
 */
function programModuleGraph(program: TS.Program, ts: typeof TS, programHost: TS.CompilerHost | undefined): ModuleGraph {
  const options = program.getCompilerOptions()
  const host = programHost ?? ts.createCompilerHost(options)
  return new ModuleGraph({
    resolve: (specifier, containingFile) => {
      const { resolvedModule } = ts.resolveModuleName(
        specifier,
        containingFile,
        { ...options, allowJs: true, resolveJsonModule: true },
        host,
        undefined,
        undefined,
        ts.ModuleKind.ESNext,
      )
      if (!resolvedModule) return undefined
      const external = resolvedModule.isExternalLibraryImport === true || /[\\/]node_modules[\\/]/.test(resolvedModule.resolvedFileName)
      const id = resolvedModule.packageId
      return { file: resolvedModule.resolvedFileName, external, ...(id ? { packageName: id.name, packageVersion: id.version } : {}) }
    },
    readFile: (file) => program.getSourceFile(file)?.text,
  })
}

/** A tsc diagnostic for a transform error or warning, at the offending text of the source as written. */
function diagnosticOf(
  problem: TransformError | TransformWarning,
  file: TS.SourceFile,
  category: TS.DiagnosticCategory,
  code: number,
): TS.DiagnosticWithLocation {
  return {
    category,
    code,
    file,
    start: problem.offset,
    length: problem.length,
    messageText: `twat-cache: ${problem.text}`,
    source: 'twat-cache',
  }
}

/**
 * The ts-patch Program transformer: `(program, host, config, { ts }) => program`.
 * @throws Error when configured as a source transformer (without `"transformProgram": true`), saying so.
 * @throws TscTypeScriptError when the compiler is not TypeScript 6 (TypeScript 7 has no transformer API).
 */
export default function twatCacheProgramTransformer(
  program: TS.Program,
  host: TS.CompilerHost | undefined,
  config: TscPluginConfig,
  extras: ProgramTransformerExtras,
): TS.Program {
  // As a source transformer ts-patch would call (program, config, extras) and expect transformers back; a source
  // transformer cannot rebuild the program, which the rewrite needs (new imports, new declarations).
  if (!extras?.ts) {
    throw new Error('twat-cache/tsc is a Program transformer: add "transformProgram": true to its entry in tsconfig "plugins"')
  }
  const ts = extras.ts
  assertTscTypeScript(ts)
  // Disabled, files with tags are still rewritten: their functions stay as written and are registered for cacheOf.
  const options = transformOptions(program, config ?? {}, ts, host)

  const replaced = new Map<string, string>()
  const errors: TS.DiagnosticWithLocation[] = []
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || program.isSourceFileFromExternalLibrary(sourceFile)) continue
    const onWarning = (warning: TransformWarning) =>
      printWarning(diagnosticOf(warning, sourceFile, ts.DiagnosticCategory.Warning, WARNING_DIAGNOSTIC_CODE), program, ts)
    try {
      const result = transform(sourceFile.text, sourceFile.fileName, { ...options, onWarning })
      if (result) replaced.set(sourceFile.fileName, result.code)
    } catch (error) {
      if (!(error instanceof TransformError)) throw error
      for (const problem of error.errors) errors.push(diagnosticOf(problem, sourceFile, ts.DiagnosticCategory.Error, DIAGNOSTIC_CODE))
    }
  }
  if (!replaced.size && !errors.length) return program

  const result = replaced.size ? rebuild(program, host, replaced, ts) : program
  addDiagnostics(result, errors)
  return result
}

/** The program again, with the rewritten files' text; declarations of those files still come from `program`. */
function rebuild(program: TS.Program, host: TS.CompilerHost | undefined, replaced: ReadonlyMap<string, string>, ts: typeof TS): TS.Program {
  const baseHost = host ?? ts.createCompilerHost(program.getCompilerOptions())
  // Unchanged files are handed over already parsed, so only the rewritten ones are parsed again.
  const sourceFileFor = (
    fileName: string,
    languageVersionOrOptions: TS.ScriptTarget | TS.CreateSourceFileOptions,
  ): TS.SourceFile | undefined => {
    const code = replaced.get(fileName) ?? replaced.get(fileName.replace(/\\/g, '/'))
    if (code !== undefined) return ts.createSourceFile(fileName, code, languageVersionOrOptions, false)
    return program.getSourceFile(fileName)
  }
  const newHost: TS.CompilerHost = Object.create(baseHost)
  newHost.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) =>
    sourceFileFor(fileName, languageVersionOrOptions) ?? baseHost.getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate)
  if (baseHost.getSourceFileByPath) {
    const byPath = baseHost.getSourceFileByPath.bind(baseHost)
    newHost.getSourceFileByPath = (fileName, filePath, languageVersionOrOptions, onError, shouldCreate) =>
      sourceFileFor(fileName, languageVersionOrOptions) ?? byPath(fileName, filePath, languageVersionOrOptions, onError, shouldCreate)
  }

  const rebuilt = ts.createProgram({
    rootNames: program.getRootFileNames(),
    options: program.getCompilerOptions(),
    host: newHost,
    projectReferences: program.getProjectReferences(),
    configFileParsingDiagnostics: program.getConfigFileParsingDiagnostics(),
  })
  const options = program.getCompilerOptions()
  if (options.declaration || options.composite) declareAsWritten(rebuilt, program, replaced, newHost)
  return rebuilt
}

/**
 * Declarations of the rewritten files from the program as written: the wrapper a declaration becomes, the cache a
 * binding is wrapped in, or the parameters a wrapper spells differently (defaults, destructuring) would otherwise
 * show in the `.d.ts`, and a library's published types must not change because a function is cached. The
 * declaration diagnostics of those files come from the same program.
 */
function declareAsWritten(rebuilt: TS.Program, original: TS.Program, replaced: ReadonlyMap<string, string>, host: TS.CompilerHost): void {
  const isReplaced = (file: TS.SourceFile | undefined): boolean => !!file && replaced.has(file.fileName)
  const bundled = !!original.getCompilerOptions().outFile
  const emit = rebuilt.emit.bind(rebuilt)
  rebuilt.emit = (targetSourceFile, writeFile, cancellationToken, emitOnlyDtsFiles, customTransformers) => {
    const write: TS.WriteFileCallback = writeFile ?? ((...args) => host.writeFile(...args))
    // With outFile one .d.ts holds every file, so it comes from the original program whole.
    const fromOriginal = (sourceFiles: readonly TS.SourceFile[] | undefined) => (bundled ? true : !!sourceFiles?.some(isReplaced))
    const skipDeclarations: TS.WriteFileCallback = (fileName, text, writeByteOrderMark, onError, sourceFiles, data) => {
      if (/\.d\.[cm]?ts(?:\.map)?$/.test(fileName) && fromOriginal(sourceFiles)) return
      write(fileName, text, writeByteOrderMark, onError, sourceFiles, data)
    }
    const results = [emit(targetSourceFile, skipDeclarations, cancellationToken, emitOnlyDtsFiles, customTransformers)]
    const targets = bundled
      ? [undefined]
      : targetSourceFile
        ? isReplaced(targetSourceFile)
          ? [original.getSourceFile(targetSourceFile.fileName)]
          : []
        : [...replaced.keys()].map((fileName) => original.getSourceFile(fileName))
    for (const target of targets) {
      if (!bundled && !target) continue
      const declarationsOnly: TS.WriteFileCallback = (fileName, ...rest) => {
        if (/\.d\.[cm]?ts(?:\.map)?$/.test(fileName)) write(fileName, ...rest)
      }
      results.push(original.emit(target, declarationsOnly, cancellationToken, true, customTransformers))
    }
    return {
      emitSkipped: results.some((r) => r.emitSkipped),
      diagnostics: results.flatMap((r) => r.diagnostics),
      emittedFiles: results.some((r) => r.emittedFiles) ? results.flatMap((r) => r.emittedFiles ?? []) : undefined,
    }
  }
  const declarationDiagnostics = rebuilt.getDeclarationDiagnostics.bind(rebuilt)
  rebuilt.getDeclarationDiagnostics = (sourceFile, cancellationToken) => {
    if (sourceFile) {
      return isReplaced(sourceFile)
        ? original.getDeclarationDiagnostics(original.getSourceFile(sourceFile.fileName), cancellationToken)
        : declarationDiagnostics(sourceFile, cancellationToken)
    }
    return [
      ...declarationDiagnostics(undefined, cancellationToken).filter((d) => !isReplaced(d.file)),
      ...[...replaced.keys()].flatMap((fileName) =>
        original.getDeclarationDiagnostics(original.getSourceFile(fileName), cancellationToken),
      ),
    ]
  }
}

/**
 * Errors go first among the syntactic diagnostics: tsc reports those first and stops before type errors when there
 * are any, the place for a build error that leaves the file uncompiled as written.
 */
function addDiagnostics(program: TS.Program, errors: readonly TS.DiagnosticWithLocation[]): void {
  if (!errors.length) return
  const inFile = (sourceFile: TS.SourceFile | undefined) => errors.filter((d) => !sourceFile || d.file.fileName === sourceFile.fileName)
  const syntactic = program.getSyntacticDiagnostics.bind(program)
  program.getSyntacticDiagnostics = (sourceFile, cancellationToken) => [...inFile(sourceFile), ...syntactic(sourceFile, cancellationToken)]
}

/** A warning, in tsc's format (`file(line,col): warning TS990002: …`), on stderr: seen, but not failing the build. */
function printWarning(diagnostic: TS.DiagnosticWithLocation, program: TS.Program, ts: typeof TS): void {
  const host: TS.FormatDiagnosticsHost = {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => program.getCurrentDirectory(),
    getNewLine: () => ts.sys.newLine,
  }
  process.stderr.write(ts.formatDiagnostics([diagnostic], host))
}
