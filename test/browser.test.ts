// The browser build: Vite bundles fixtures/app/browser (a marker call and a tagged function) for the browser with
// the packed package; the bundle must hold no Node-only module and must still cache.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { createApp, FIXTURE_APP, packPackage, type PackedPackage } from './support/build-package.js'
import { nodeLoadsIn } from './support/node-code.js'

const s = suite('browser bundle', { timeoutMs: 180_000 })
let packed: PackedPackage
let bundle: Promise<{ file: string; text: string; warnings: string[] }> | undefined

s.before(async () => {
  packed = await packPackage()
})

s.after(async () => {
  await packed?.cleanup()
})

/** Builds the browser fixture once with Vite (client build, `browser` export condition). */
function buildForBrowser(): Promise<{ file: string; text: string; warnings: string[] }> {
  bundle ??= (async () => {
    const app = await createApp(packed, 'browser', { src: path.join(FIXTURE_APP, 'browser') })
    const { build, createLogger } = await import('vite')
    const plugin = (await import(app.packedUrl('dist/plugins/vite.js'))) as { default: () => never }
    // Vite replaces a Node built-in imported for the browser with an empty stub and only warns; keep the
    // warnings so a failure can say which module asked for it.
    const warnings: string[] = []
    const logger = createLogger('silent')
    logger.warn = (message) => void warnings.push(message)
    logger.warnOnce = logger.warn
    const outDir = path.join(app.dir, 'dist')
    await build({
      root: app.dir,
      configFile: false,
      customLogger: logger,
      logLevel: 'warn',
      plugins: [plugin.default()],
      build: {
        outDir,
        emptyOutDir: true,
        minify: false,
        lib: { entry: path.join(app.dir, 'src/main.ts'), formats: ['es'], fileName: () => 'main.js' },
      },
    })
    const file = path.join(outDir, 'main.js')
    return { file, text: await readFile(file, 'utf8'), warnings }
  })()
  return bundle
}

s('should leave every Node-only module out of the browser bundle', async () => {
  const { text, warnings } = await buildForBrowser()
  const leaks = nodeLoadsIn(text)
  assert.equal(leaks, [], `Node-only code in the browser bundle:\n${leaks.join('\n')}\n${warnings.join('\n')}`)
  assert.equal(
    warnings.filter((w) => /externalized for browser compatibility/.test(w)),
    [],
  )
})

s('should still cache in the browser bundle (marker call and tag)', async () => {
  const { file } = await buildForBrowser()
  const app = (await import(pathToFileURL(file).href)) as { report(): { values: unknown[]; runs: number } }
  const { values, runs } = app.report()
  assert.equal(values, [4, 4, '#1', '#1'])
  assert.is(runs, 2, 'one run for cachedTwice(2), one for label(1)')
})

s.run()
