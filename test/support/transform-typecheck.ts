/**
 * Type-checks transformed code as a user's strict project would (strict, noUnused*, noImplicitReturns…), with
 * `twat-cache` resolved to the runtime's source. Many files go into one program: building a program is the slow part.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const STRICT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
  noImplicitOverride: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  skipLibCheck: true,
  baseUrl: repo,
  paths: { 'twat-cache': ['src/runtime/index.ts'] },
}

/**
 * Diagnostics of each virtual file (names are file names under test/, e.g. `out-fib.ts`), one string per
 * diagnostic: `line:col message`.
 */
export function typeCheckFiles(
  files: Readonly<Record<string, string>>,
  options: ts.CompilerOptions = STRICT_OPTIONS,
): Record<string, string[]> {
  const virtual = new Map(Object.entries(files).map(([name, code]) => [path.join(repo, 'test', name), code]))
  const host = ts.createCompilerHost(options)
  const fileExists = host.fileExists.bind(host)
  const readFile = host.readFile.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.fileExists = (name) => virtual.has(name) || fileExists(name)
  host.readFile = (name) => virtual.get(name) ?? readFile(name)
  host.getSourceFile = (name, version, onError, create) => {
    const code = virtual.get(name)
    return code === undefined ? getSourceFile(name, version, onError, create) : ts.createSourceFile(name, code, version, true)
  }
  const program = ts.createProgram([...virtual.keys()], options, host)
  const result: Record<string, string[]> = {}
  for (const file of virtual.keys()) {
    const sourceFile = program.getSourceFile(file)!
    result[path.basename(file)] = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].map(
      (d) => {
        const { line, character } = sourceFile.getLineAndCharacterOfPosition(d.start ?? 0)
        return `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
      },
    )
  }
  return result
}

/** Diagnostics of one file. */
export function typeCheck(code: string, fileName = 'virtual-output.ts'): string[] {
  return typeCheckFiles({ [fileName]: code })[fileName]!
}
