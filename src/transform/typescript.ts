/**
 * The TypeScript compiler API the transform parses with. It is an optional peer dependency, loaded when the first
 * file holding a trigger arrives: the project's `typescript` when it is TypeScript 6, else a TypeScript 6 installed
 * under the alias `typescript6` (beside TypeScript 7, the native compiler, which has no JavaScript API). The tsc
 * plugin hands over the compiler ts-patch runs instead.
 *
 * The other transform modules read the module through the live binding {@link ts}, set before each file.
 */
import type TS from 'typescript'
import { BuildPackageError, requireFrom, searchPlaces } from './build-packages.js'

/** The package name a TypeScript 6 is looked for under when the project's `typescript` is not 6. */
export const TYPESCRIPT6_ALIAS = 'typescript6'
/** Installs TypeScript 6 under {@link TYPESCRIPT6_ALIAS}, beside a project's TypeScript 7. */
export const TYPESCRIPT6_ALIAS_INSTALL = `npm install -D ${TYPESCRIPT6_ALIAS}@npm:typescript@6`
/** Installs TypeScript 6 as the project's `typescript`. */
export const TYPESCRIPT6_INSTALL = 'npm install -D typescript@6'

/**
 * The TypeScript module of the file being transformed. Set by {@link loadTypeScript} or {@link useTypeScript}
 * before any transform module reads it; an ES module live binding, so importers see the update.
 */
export let ts: typeof TS = undefined as unknown as typeof TS

/** The version string of a TypeScript module (TypeScript 7's main export holds only `version`). */
export function typeScriptVersion(module: unknown): string | undefined {
  const version = (module as { version?: unknown } | null)?.version
  return typeof version === 'string' ? version : undefined
}

/** Whether `module` is a TypeScript 6 with the compiler API the transform uses. */
export function isTypeScript6(module: unknown): module is typeof TS {
  const api = module as Partial<typeof TS> | null
  return (
    typeof api?.createSourceFile === 'function' && typeof api.forEachChild === 'function' && /^6\./.test(typeScriptVersion(module) ?? '')
  )
}

/** What was found where: for the error when no TypeScript 6 is installed. */
interface Seen {
  readonly name: string
  readonly version: string
  readonly path: string
}

/** The reason a TypeScript cannot be used, and what to install instead. */
export function unusableTypeScriptMessage(found: readonly Seen[], where: string): string {
  const seven = found.find((s) => /^7\./.test(s.version) || Number(s.version.split('.')[0]) >= 7)
  if (seven) {
    return (
      `twat-cache: ${where} needs the TypeScript 6 compiler API, but found TypeScript ${seven.version} ` +
      `(${seven.path}), which has no JavaScript API. Keep TypeScript 7 for type-checking and install TypeScript 6 ` +
      `beside it under an alias: ${TYPESCRIPT6_ALIAS_INSTALL}`
    )
  }
  if (found.length) {
    const first = found[0]!
    return (
      `twat-cache: ${where} needs TypeScript 6, but found TypeScript ${first.version} (${first.path}). ` +
      `Install it: ${TYPESCRIPT6_INSTALL}, or beside your own version: ${TYPESCRIPT6_ALIAS_INSTALL}`
    )
  }
  return (
    `twat-cache: ${where} needs TypeScript 6 (an optional peer dependency), which is not installed. ` +
    `Install it: ${TYPESCRIPT6_INSTALL} (with TypeScript 7 in the project: ${TYPESCRIPT6_ALIAS_INSTALL})`
  )
}

/** Find a TypeScript 6: `typescript`, then the alias, from each search place in turn. */
function findTypeScript(root: string): typeof TS {
  const found: Seen[] = []
  for (const place of searchPlaces([root])) {
    for (const name of ['typescript', TYPESCRIPT6_ALIAS]) {
      const candidate = requireFrom<unknown>(name, place)
      if (!candidate) continue
      if (isTypeScript6(candidate.module)) return candidate.module
      if (!found.some((s) => s.path === candidate.path)) {
        found.push({ name, version: typeScriptVersion(candidate.module) ?? 'of unknown version', path: candidate.path })
      }
    }
  }
  throw new BuildPackageError(
    unusableTypeScriptMessage(found, 'the build step'),
    'typescript',
    found.length ? TYPESCRIPT6_ALIAS_INSTALL : TYPESCRIPT6_INSTALL,
  )
}

const loadedByRoot = new Map<string, typeof TS>()

/**
 * Load (once per project root) a TypeScript 6 and make it the one the transform uses.
 * @throws BuildPackageError when none is installed, naming the install command.
 */
export function loadTypeScript(root: string): typeof TS {
  let module = loadedByRoot.get(root)
  if (!module) {
    module = findTypeScript(root)
    loadedByRoot.set(root, module)
  }
  ts = module
  return module
}

/** Use `module` (the compiler ts-patch runs) for the files that follow. */
export function useTypeScript(module: typeof TS): void {
  ts = module
}
