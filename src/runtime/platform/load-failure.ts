/**
 * Why an optional package could not be loaded, told apart from the error it threw, so that a fallback warning names
 * the real cause and the real fix: not installed, installed without its native addon built (install scripts
 * skipped), left out of a bundle or a deploy, an ES module bundle without `require`, or a browser.
 */

export type OptionalPackage = 'better-sqlite3' | 'keyv' | '@keyv/redis' | '@keyv/memcache'

/** Where the loader runs (see optional-modules.cts). */
export type LoadEnvironment = 'node' | 'bundle' | 'browser'

export type LoadFailureKind =
  /** Not installed where Node looks for it. */
  | 'not-installed'
  /** Installed, but its native addon was not built, or was built for another Node.js. */
  | 'not-built'
  /** A bundle that cannot resolve it: it was not shipped beside the bundle (or was bundled, which a native addon cannot be). */
  | 'not-in-bundle'
  /** An ES module bundle with no `require` to load it with. */
  | 'no-require'
  /** A browser build: no disk, no sockets. */
  | 'browser'
  /** Anything else: the package itself threw while loading. */
  | 'broken'

export interface LoadFailure {
  readonly name: OptionalPackage
  readonly kind: LoadFailureKind
  readonly error: Error
  /** What went wrong, as a clause that follows the package name: "is not installed (Cannot find module …)". */
  readonly cause: string
  /** What to do about it, as a sentence; empty when there is nothing to do (a browser). */
  readonly fix: string
}

/** The plugins that keep native and missing optional packages external, named in the bundle advice. */
const PLUGIN_NAMES = 'twat-cache/webpack, /rspack, /esbuild, /vite, /rollup or /rolldown'
// npm 11 skips the install scripts of packages it was not told to allow, and then skips them in `npm rebuild` too.
const REBUILD =
  'npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3 (an npm without install-scripts: npm rebuild better-sqlite3; pnpm: pnpm approve-builds, then pnpm rebuild better-sqlite3)'

/** The errors of `bindings`: no addon in the package's build/ folder; no package.json above the calling file. */
const NOT_BUILT = /Could not locate the bindings file/
const BINDINGS_ERROR = /Could not locate the bindings file|Could not find module root given file/

function firstLine(error: Error): string {
  return error.message.split('\n')[0]!.trim()
}

function isMissing(name: string, error: Error & { code?: unknown }): boolean {
  if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_MODULE_NOT_FOUND') return false
  // "Cannot find module 'better-sqlite3'" is the package; "Cannot find module 'bindings'" one of its own dependencies.
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`)
}

function kindOf(name: OptionalPackage, error: Error & { code?: unknown }, environment: LoadEnvironment): LoadFailureKind {
  if (environment === 'browser') return 'browser'
  const message = error.message
  // esbuild's ES module shim for require, and a bare `require` left in an ES module.
  if (/Dynamic require of .* is not supported/.test(message) || (error instanceof ReferenceError && /\brequire\b/.test(message))) {
    return 'no-require'
  }
  if (isMissing(name, error)) return environment === 'bundle' ? 'not-in-bundle' : 'not-installed'
  // better-sqlite3 finds its addon through the `bindings` package, which searches the package's build/ folder.
  if (BINDINGS_ERROR.test(message)) {
    // Bundled into a bundle, better-sqlite3 makes bindings search the bundle's folder instead of its own package.
    if (environment === 'bundle' && !/node_modules[\\/]better-sqlite3[\\/]/.test(message)) return 'not-in-bundle'
    if (NOT_BUILT.test(message)) return 'not-built'
  }
  if (
    error.code === 'ERR_DLOPEN_FAILED' ||
    /NODE_MODULE_VERSION|invalid ELF header|\.node\b.*(?:wrong|mach-o|architecture)/i.test(message)
  ) {
    return 'not-built'
  }
  return 'broken'
}

/**
 * The cause and the fix of a failed load. `install` is the install command's package list, when a fix needs more
 * than the one package (acache's `keyv @keyv/redis`).
 */
export function describeLoadFailure(
  name: OptionalPackage,
  thrown: unknown,
  environment: LoadEnvironment,
  install: string = name,
): LoadFailure {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown))
  const kind = kindOf(name, error, environment)
  const detail = firstLine(error)
  const native = name === 'better-sqlite3'
  switch (kind) {
    case 'browser':
      return { name, kind, error, cause: "is not available in the browser (twat-cache's browser build loads no optional package)", fix: '' }
    case 'not-installed':
      return { name, kind, error, cause: `is not installed (${detail})`, fix: `Install it: npm install ${install}` }
    case 'not-built':
      return {
        name,
        kind,
        error,
        cause: NOT_BUILT.test(error.message)
          ? 'is installed, but its native addon was not built: its install script was skipped (pnpm 10 skips install ' +
            'scripts unless approved, and so do --ignore-scripts and npm install-scripts blocking)'
          : `is installed, but its native addon could not be loaded (${detail}): it was built for another Node.js ` +
            'version or platform, or not built',
        fix: `Build it: ${REBUILD}`,
      }
    case 'not-in-bundle':
      return {
        name,
        kind,
        error,
        cause: native
          ? `could not be loaded from this bundle (${detail}): a native addon cannot be bundled, so better-sqlite3 ` +
            'must stay external and be shipped beside the bundle, in node_modules/better-sqlite3'
          : `could not be resolved from this bundle (${detail})`,
        fix: native
          ? `The twat-cache bundler plugin (${PLUGIN_NAMES}) keeps it external; ship node_modules/better-sqlite3 ` +
            'and its dependencies (bindings, file-uri-to-path) beside the bundle, or let a file tracer ' +
            "(@vercel/nft, Next.js output: 'standalone') copy them"
          : `Install ${install} in the project before bundling (the twat-cache bundler plugin then bundles it), or ` +
            `ship node_modules/${name} beside the bundle`,
      }
    case 'no-require':
      return {
        name,
        kind,
        error,
        cause: `cannot be loaded: this ES module bundle has no require() (${detail})`,
        fix:
          `Build with the twat-cache bundler plugin (${PLUGIN_NAMES}): it keeps ${name} external and gives an ES module ` +
          "bundle a require; or do both yourself, with this banner: import { createRequire } from 'node:module'; " +
          'const require = createRequire(import.meta.url)',
      }
    case 'broken':
      return { name, kind, error, cause: `could not be loaded (${detail})`, fix: `Reinstall it: npm install ${install}` }
  }
}
