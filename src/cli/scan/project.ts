/**
 * The project's TypeScript program for the type checks of `scan`: one `ts.Program` built from the tsconfig.json
 * (given with --project, else the nearest one from the project root), only when there is a persistent site to
 * check. Without a tsconfig the checks are skipped, and `scan` says so.
 */
import path from 'node:path'
import type TS from 'typescript'

export type Project =
  | { readonly kind: 'program'; readonly config: string; readonly program: TS.Program; readonly checker: TS.TypeChecker }
  | { readonly kind: 'none'; readonly note: string }

export function loadProject(ts: typeof TS, root: string, projectOption: string | undefined): Project {
  const config = projectOption ? path.resolve(root, projectOption) : ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')
  if (!config)
    return {
      kind: 'none',
      note: `no tsconfig.json in ${root} or above: the parameter and result types of persistent caches were not checked (pass --project <tsconfig>)`,
    }
  if (!ts.sys.fileExists(config))
    return { kind: 'none', note: `--project ${projectOption}: ${config} does not exist; types were not checked` }
  const diagnostics: TS.Diagnostic[] = []
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    { noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => diagnostics.push(d),
    },
  )
  if (!parsed) {
    const message = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')
    return { kind: 'none', note: `${config} could not be read (${message}); types were not checked` }
  }
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: { ...parsed.options, noEmit: true },
    projectReferences: parsed.projectReferences ?? [],
  })
  return { kind: 'program', config, program, checker: program.getTypeChecker() }
}
