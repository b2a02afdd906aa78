/**
 * Runs transformed TypeScript: transform, compile with ts.transpileModule, write a temporary .mjs whose runtime
 * import points at the repo's runtime source (loaded through tsx, which runs the test), and import it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { transform, type TransformOptions } from '../../src/transform/index.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const RUNTIME_URL = pathToFileURL(path.join(repo, 'src/runtime/index.ts')).href

/** The transformed, compiled module, and a function that removes its temporary folder. */
export async function loadTransformed<T>(
  source: string,
  name = 'module.ts',
  options: TransformOptions = {},
): Promise<{ module: T; code: string; cleanup: () => void }> {
  const result = transform(source, path.join(repo, 'src', name), { root: repo, runtime: RUNTIME_URL, ...options })
  if (!result) throw new Error('the transform returned null')
  const js = ts.transpileModule(result.code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, useDefineForClassFields: true },
    fileName: name,
    reportDiagnostics: true,
  })
  if (js.diagnostics?.length) throw new Error(ts.formatDiagnostics(js.diagnostics, ts.createCompilerHost({})))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twat-transform-run-'))
  const file = path.join(dir, name.replace(/\.tsx?$/, '.mjs'))
  fs.writeFileSync(file, js.outputText)
  const module = (await import(pathToFileURL(file).href)) as T
  return { module, code: result.code, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}
