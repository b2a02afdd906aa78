/**
 * Node's own entry to the loader of optional packages, chosen by package.json's `imports` (`#optional-modules`,
 * condition `default`) for the bundled runtime in dist/node/: the same loader (optional-modules.cts), required on
 * first need rather than imported. Importing a CommonJS module from an ES module makes a fresh Node process start
 * its CommonJS loader, which costs about as much as importing lru-cache (bench/import-time.mjs); no cache needs the
 * loader until it opens SQLite or keyv. Bundlers take the condition `module` (optional-modules.bundler.ts, which
 * imports the CommonJS file, whose literal requires they follow); file tracers (@vercel/nft) take this file and
 * follow the createRequire below.
 */
import { createRequire } from 'node:module'
import type OptionalModules from './optional-modules.cjs'

type Modules = typeof OptionalModules

let modules: Modules | undefined

function load(): Modules {
  if (modules) return modules
  const requireHere = createRequire(import.meta.url)
  modules = requireHere('./optional-modules.cjs') as Modules
  return modules
}

const lazyModules: Modules = {
  get environment() {
    return load().environment
  },
  get loaders() {
    return load().loaders
  },
}

export default lazyModules
