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
 * not matter. The rewrite adds no lines, so tsc's diagnostics keep their line numbers. A bad tag is reported as a
 * tsc error (code 990001) at the tag, and that file is compiled unchanged.
 */
import path from 'node:path'
import type TS from 'typescript'
import { TransformError, transform, type TransformOptions } from './index.js'

/** The plugin's entry in tsconfig `plugins`: ts-patch's own keys plus the transform's options. */
export interface TscPluginConfig extends TransformOptions {
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

function transformOptions(program: TS.Program, config: TscPluginConfig): TransformOptions {
  const configFile = (program.getCompilerOptions() as { configFilePath?: unknown }).configFilePath
  const base = typeof configFile === 'string' ? path.dirname(configFile) : program.getCurrentDirectory()
  const options: TransformOptions = { root: path.resolve(base, config.root ?? '.') }
  if (config.runtime !== undefined) options.runtime = config.runtime
  if (config.enabled !== undefined) options.enabled = config.enabled
  if (config.defaults !== undefined) options.defaults = config.defaults
  return options
}

/**
 * The ts-patch Program transformer: `(program, host, config, { ts }) => program`.
 * @throws Error when configured as a source transformer (without `"transformProgram": true`), saying so.
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
  const options = transformOptions(program, config ?? {})
  if (options.enabled === false) return program

  const replaced = new Map<string, string>()
  const diagnostics: TS.DiagnosticWithLocation[] = []
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || program.isSourceFileFromExternalLibrary(sourceFile)) continue
    try {
      const result = transform(sourceFile.text, sourceFile.fileName, options)
      if (result) replaced.set(sourceFile.fileName, result.code)
    } catch (error) {
      if (!(error instanceof TransformError)) throw error
      diagnostics.push({
        category: ts.DiagnosticCategory.Error,
        code: DIAGNOSTIC_CODE,
        file: sourceFile,
        start: error.offset,
        length: error.length,
        messageText: `twat-cache: ${error.text}`,
        source: 'twat-cache',
      })
    }
  }
  if (!replaced.size && !diagnostics.length) return program

  const baseHost = host ?? ts.createCompilerHost(program.getCompilerOptions())
  // Unchanged files are handed over already parsed, so only the rewritten ones are parsed again.
  const sourceFileFor = (fileName: string, languageVersionOrOptions: TS.ScriptTarget | TS.CreateSourceFileOptions): TS.SourceFile | undefined => {
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
  if (diagnostics.length) {
    // tsc reports syntactic diagnostics first and stops before type errors when there are any: the place for a
    // build error that leaves the file uncompiled as written.
    const syntactic = rebuilt.getSyntacticDiagnostics.bind(rebuilt)
    rebuilt.getSyntacticDiagnostics = (sourceFile, cancellationToken) => [
      ...diagnostics.filter((d) => !sourceFile || d.file?.fileName === sourceFile.fileName),
      ...syntactic(sourceFile, cancellationToken),
    ]
  }
  return rebuilt
}
