/**
 * The one place twat-cache loads its optional packages: better-sqlite3 (bcache), keyv, @keyv/redis and
 * @keyv/memcache (acache). A CommonJS module on purpose: each package is named in a literal `require('…')`, which
 * every bundler (webpack, Rspack, esbuild, Rollup's commonjs plugin, Rolldown, Vite, Turbopack) and every file
 * tracer (@vercel/nft, Next.js `output: 'standalone'`) understands, and which resolves from wherever this file (or
 * the bundle holding it) lands: no `import.meta.url`, no `createRequire` with a path baked in at build time.
 *
 * Each require sits inside a function, so nothing loads when twat-cache is imported, and inside its own try block,
 * so bundlers report a package that is not installed as a warning rather than an error (webpack, esbuild and
 * Rollup's commonjs plugin only do so for a require lexically inside `try`; hence four near-identical functions).
 * Browser bundles get optional-modules.browser.ts instead, through package.json's `browser` field.
 */

/**
 * Node's own CommonJS `require`, for when Node loaded this file from the installed package. The `require` a CommonJS
 * module gets when an ES module imports it under loader hooks (tsx, ts-node/esm) goes through the ES module loader
 * and fails on packages with circular requires (@redis/client: "Cannot read properties of undefined (reading
 * 'exports')"). `createRequire(__filename)` is the plain CommonJS loader, resolving from this same file. In a bundle
 * the literal requires below are what the bundler rewrote, so they are used as they are.
 */
const nodeRequire: ((id: string) => unknown) | undefined =
  detectEnvironment() === 'node' ? (require('node:module') as typeof import('node:module')).createRequire(__filename) : undefined

/** A package's exports, or the error its require threw. */
type Attempt = { readonly module: unknown; readonly error?: undefined } | { readonly module?: undefined; readonly error: unknown }

function loadBetterSqlite3(): Attempt {
  try {
    return { module: nodeRequire ? nodeRequire('better-sqlite3') : require('better-sqlite3') }
  } catch (error) {
    return { error }
  }
}

function loadKeyv(): Attempt {
  try {
    return { module: nodeRequire ? nodeRequire('keyv') : require('keyv') }
  } catch (error) {
    return { error }
  }
}

function loadKeyvRedis(): Attempt {
  try {
    return { module: nodeRequire ? nodeRequire('@keyv/redis') : require('@keyv/redis') }
  } catch (error) {
    return { error }
  }
}

function loadKeyvMemcache(): Attempt {
  try {
    return { module: nodeRequire ? nodeRequire('@keyv/memcache') : require('@keyv/memcache') }
  } catch (error) {
    return { error }
  }
}

/**
 * Where this code runs: 'node' when Node loaded this very file from the installed package, 'bundle' when a bundler
 * copied it into its output (its `__filename` is then the bundle's, or missing in an ES module bundle). Only used
 * to word the warning when a package cannot be loaded.
 */
function detectEnvironment(): 'node' | 'bundle' | 'browser' {
  return typeof __filename === 'string' && /[\\/]optional-modules\.c[jt]s$/.test(__filename) ? 'node' : 'bundle'
}

export = {
  environment: detectEnvironment(),
  loaders: {
    'better-sqlite3': loadBetterSqlite3,
    keyv: loadKeyv,
    '@keyv/redis': loadKeyvRedis,
    '@keyv/memcache': loadKeyvMemcache,
  },
}
