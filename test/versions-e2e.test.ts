// Versions that follow dependencies, end to end: an app whose bcache function calls a helper in another module is
// built with the packed plugin by real bundlers and run in fresh processes sharing one cache folder. Editing only
// the helper (or a module the helper imports) must make the entry be computed again after the rebuild; editing
// only a comment of the helper must not.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { buildApp, type Bundler } from './support/build-bundlers.js'
import { createApp, packPackage, type PackedPackage } from './support/build-package.js'
import { runReport } from './support/build-run.js'

interface Report {
  readonly label: string
  /** How many times the body of the cached function ran in this process. */
  readonly calls: number
}

const MAIN = `import { describe } from './helper.js'

const counter = { calls: 0 }

/** @bcache folder_name=versions-e2e */
export function label(id: string): string {
  counter.calls++
  return describe(id)
}

console.log(JSON.stringify({ label: label('a'), calls: counter.calls }))
`

const helper = (suffix: string, comment = '') => `import { SEPARATOR } from './format.js'

${comment}export function describe(id: string): string {
  return id + SEPARATOR + ${JSON.stringify(suffix)}
}
`

const format = (separator: string) => `export const SEPARATOR = ${JSON.stringify(separator)}\n`

const BUNDLERS_TRIED: readonly Bundler[] = ['esbuild', 'rollup', 'vite']

const s = suite('versions end to end', { timeoutMs: 300_000 })
let packed: PackedPackage
const cacheDirs: string[] = []

s.before(async () => {
  packed = await packPackage()
})

s.after(async () => {
  await packed?.cleanup()
  for (const dir of cacheDirs) await rm(dir, { recursive: true, force: true })
})

for (const bundler of BUNDLERS_TRIED) {
  s(`${bundler}: should compute an entry again after its helper changes, and not after a comment does`, async () => {
    const app = await createApp(packed, `versions-${bundler}`, {})
    await mkdir(path.join(app.dir, 'src'))
    const write = (file: string, text: string) => writeFile(path.join(app.dir, 'src', file), text)
    await Promise.all([write('main.ts', MAIN), write('helper.ts', helper('v1')), write('format.ts', format(':'))])
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), `twat-cache-versions-${bundler}-`))
    cacheDirs.push(cacheDir)
    const warnings: string[] = []
    const pluginOptions = bundler === 'rollup' ? { root: app.dir } : {}
    const buildAndRun = async (): Promise<Report> => {
      const bundle = await buildApp(bundler, { app, entry: 'src/main.ts', pluginOptions, onWarning: (w) => warnings.push(w) })
      return runReport<Report>(bundle, app.dir, { TWAT_CACHE_DIR: cacheDir })
    }

    const first = await buildAndRun()
    assert.equal(first, { label: 'a:v1', calls: 1 }, 'computed and stored')
    const again = await buildAndRun()
    assert.equal(again, { label: 'a:v1', calls: 0 }, 'the same build again: read from disk')

    await write('helper.ts', helper('v2'))
    assert.equal(await buildAndRun(), { label: 'a:v2', calls: 1 }, 'the helper changed: a new version, computed again')

    await write('helper.ts', helper('v2', '// Describes an id for the logs.\n'))
    assert.equal(await buildAndRun(), { label: 'a:v2', calls: 0 }, 'only a comment changed: the entry still hits')

    await write('format.ts', format('/'))
    assert.equal(await buildAndRun(), { label: 'a/v2', calls: 1 }, 'a module the helper imports changed')

    assert.equal(
      warnings.filter((w) => w.includes('twat-cache') || w.includes('reads ')),
      [],
      'no closure warning',
    )
  })
}

s('esbuild: should serve the stale entry with versionScope function (the version before dependencies counted)', async () => {
  const app = await createApp(packed, 'versions-function-scope', {})
  await mkdir(path.join(app.dir, 'src'))
  const write = (file: string, text: string) => writeFile(path.join(app.dir, 'src', file), text)
  await Promise.all([write('main.ts', MAIN), write('helper.ts', helper('v1')), write('format.ts', format(':'))])
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-versions-function-'))
  cacheDirs.push(cacheDir)
  const buildAndRun = async (): Promise<Report> => {
    const bundle = await buildApp('esbuild', { app, entry: 'src/main.ts', pluginOptions: { defaults: { versionScope: 'function' } } })
    return runReport<Report>(bundle, app.dir, { TWAT_CACHE_DIR: cacheDir })
  }
  assert.equal(await buildAndRun(), { label: 'a:v1', calls: 1 })
  await write('helper.ts', helper('v2'))
  assert.equal(await buildAndRun(), { label: 'a:v1', calls: 0 }, 'the function alone did not change: yesterday’s entry')
})

s.run()
