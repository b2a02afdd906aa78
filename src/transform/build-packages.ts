/**
 * Loading the build-time packages (typescript, magic-string, unplugin, and the loader's picomatch and
 * @jridgewell/remapping) at the point of use. They are optional peer
 * dependencies, so an app that only uses the runtime never installs them; the transform, the tsc plugin and the
 * bundler plugins load them here and, when one is missing, fail with the command that installs it.
 *
 * Loaded with `require` (through `createRequire`) rather than `import()`, so the plugins stay loadable with
 * `require()` from a CommonJS config (no top-level await) and the transform stays synchronous.
 */
import { createRequire } from 'node:module'
import path from 'node:path'

/** The build-time packages and the command that installs each. */
export const BUILD_PACKAGES = {
  typescript: 'npm install -D typescript@6',
  'magic-string': 'npm install -D magic-string',
  unplugin: 'npm install -D unplugin',
  // The webpack loader's source-map combining and file filter (unplugin depends on both, so it brings them).
  '@jridgewell/remapping': 'npm install -D @jridgewell/remapping',
  picomatch: 'npm install -D picomatch',
} as const

export type BuildPackageName = keyof typeof BUILD_PACKAGES

/** A build-time package that is not installed (or not usable); the message says what to install. */
export class BuildPackageError extends Error {
  override name = 'BuildPackageError'
  /** Stable code, for tools that match on it. */
  readonly code = 'TWAT_CACHE_BUILD_PACKAGE'
  constructor(
    message: string,
    /** The package that is missing or unusable. */
    readonly packageName: string,
    /** The command that fixes it. */
    readonly install: string,
  ) {
    super(message)
  }
}

/** A package found on disk: its module and where it was resolved. */
export interface FoundPackage<T> {
  readonly module: T
  readonly path: string
}

/**
 * `require(name)` as seen from `from` (a folder, or a file URL of a module), or `undefined` when `name` is not
 * installed there. Other failures (a broken install, an old Node that cannot `require` an ES module) propagate.
 */
export function requireFrom<T>(name: string, from: string): FoundPackage<T> | undefined {
  const base = from.startsWith('file:') ? from : path.join(path.resolve(from), 'noop.js')
  const require = createRequire(base)
  let resolved: string
  try {
    resolved = require.resolve(name)
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
  try {
    return { module: require(resolved) as T, path: resolved }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_REQUIRE_ESM') {
      throw new Error(
        `twat-cache: ${name} is an ES module, which this Node.js (${process.version}) cannot load with require(); ` +
          'use Node.js 20.19 or later (22.12 or later on Node 22).',
        { cause: error },
      )
    }
    throw error
  }
}

/**
 * Where a build-time package is looked for, in order: the given folders (the project root), the working directory,
 * then this package itself (where npm and pnpm put a peer dependency).
 */
export function searchPlaces(roots: readonly string[]): string[] {
  return [...new Set([...roots.map((root) => path.resolve(root)), process.cwd()])].concat(import.meta.url)
}

/**
 * Load the build-time package `name` from the first of {@link searchPlaces} that has it.
 * @throws BuildPackageError naming the install command when it is not installed.
 */
export function requireBuildPackage<T>(name: Exclude<BuildPackageName, 'typescript'>, roots: readonly string[] = []): T {
  for (const place of searchPlaces(roots)) {
    const found = requireFrom<T>(name, place)
    if (found) return found.module
  }
  const install = BUILD_PACKAGES[name]
  throw new BuildPackageError(
    `twat-cache: the build step needs the package "${name}", which is not installed. ` +
      `Install it in your project: ${install} (it is an optional peer dependency, so apps that only use the ` +
      'runtime do not install it).',
    name,
    install,
  )
}
