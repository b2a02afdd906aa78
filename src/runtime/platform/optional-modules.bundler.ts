/**
 * Bundlers' entry to the loader of optional packages, chosen by package.json's `imports` (`#optional-modules`,
 * condition `module`) for the bundled runtime in dist/node/: the CommonJS loader itself, imported, so that the
 * bundler follows its literal requires as it does from the unbundled runtime. An ES module of its own because the
 * `module` condition promises one.
 */
import optionalModules from './optional-modules.cjs'

export default optionalModules
