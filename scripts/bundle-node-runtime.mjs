#!/usr/bin/env node
/**
 * Bundles the Node entry points of the runtime (dist/runtime/index.js and twat-cache/testing, which must share its
 * state) into dist/node/: one file per entry plus the chunk they share, so that `import('twat-cache')` reads a
 * couple of files instead of the ~90 modules tsc emits (an ES module costs Node a resolve, a read and a compile
 * each; bench/import-time.mjs). Runs after tsc (`npm run build`). Entry-point based: a new runtime module is
 * bundled because an entry reaches it, with no list of files here.
 *
 * Kept out of the bundle, as imports: every package (lru-cache, and whatever a future module imports), and the
 * CommonJS loader of optional packages (platform/optional-modules.cts), whose literal requires bundlers and file
 * tracers follow; it stays at its place in dist/runtime/, so its own location checks still hold.
 */
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dist = path.join(root, 'dist')
const out = path.join(dist, 'node')
rmSync(out, { recursive: true, force: true })

/**
 * The runtime's one CommonJS import, its loader of optional packages, becomes an import of the package's own
 * `#optional-modules` (package.json `imports`): Node resolves it to platform/optional-modules.node.js (the loader,
 * required on first need), bundlers to platform/optional-modules.bundler.js (the loader, imported), browsers
 * to its stand-in.
 */
const optionalModulesByCondition = {
  name: 'optional-modules-by-condition',
  setup(b) {
    b.onResolve({ filter: /[\\/]optional-modules\.cjs$/ }, () => ({ path: '#optional-modules', external: true }))
  },
}

await build({
  absWorkingDir: root,
  entryPoints: {
    index: path.join(dist, 'runtime/index.js'),
    'testing/index': path.join(dist, 'testing/index.js'),
    'testing/vitest-setup': path.join(dist, 'testing/vitest-setup.js'),
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [optionalModulesByCondition],
  // No source maps: the bundle is tsc's output, unminified, with each module's path in a comment, and maps would add
  // 0.13 MB to the install (test/install-size.test.ts).
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
})
