// Importing the runtime must not load node:fs, zlib, v8, crypto or better-sqlite3: they load when a disk cache is
// created. Checked in a child running the built dist/ (npm run build), through three independent records: an ESM
// resolve hook (static imports by runtime modules), process.getBuiltinModule (how the runtime loads built-ins),
// and Module._load (how it requires optional packages), plus the list of built-ins Node has loaded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { REPO_ROOT, RUNTIME_URL, runChild } from './support/child.js'

const HEAVY = /^(node:)?(fs|fs\/promises|zlib|v8|crypto|sqlite)$|^better-sqlite3$/
const url = (file: string) => new URL(`dist/runtime/${file}`, `file://${REPO_ROOT}/`).href

const s = suite('lazy loading of disk engines')

s('should load no fs, zlib, v8, crypto or better-sqlite3 when the runtime and the disk caches are imported', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-disk-lazy-'))
  const log = path.join(dir, 'resolved.log')
  try {
    const source = `
      import Module, { register } from 'node:module'
      register('data:text/javascript,' + encodeURIComponent(\`
        import { appendFileSync } from 'node:fs'
        export async function resolve(specifier, context, next) {
          if (context.parentURL?.includes('/dist/runtime/')) appendFileSync(${JSON.stringify(log)}, specifier + '\\\\n')
          return next(specifier, context)
        }\`))
      const builtins = []
      const getBuiltinModule = process.getBuiltinModule
      process.getBuiltinModule = (id) => (builtins.push(id), getBuiltinModule.call(process, id))
      const required = []
      const load = Module._load
      Module._load = function (request, ...rest) { required.push(request); return load.call(this, request, ...rest) }
      const before = new Set(process.moduleLoadList)
      const record = () => ({ builtins: [...builtins], required: [...required], native: process.moduleLoadList.filter((m) => !before.has(m)) })
      await import(${JSON.stringify(RUNTIME_URL)})
      const { bcache } = await import(${JSON.stringify(url('caches/bcache.js'))})
      const { fcache } = await import(${JSON.stringify(url('caches/fcache.js'))})
      await import(${JSON.stringify(url('engines/disk/folders.js'))})
      const atImport = record()
      bcache((n) => n, { cacheDir: ${JSON.stringify(path.join(dir, 'cache'))} })(1)
      fcache((n) => n, { cacheDir: ${JSON.stringify(path.join(dir, 'cache'))}, compress: true })(1)
      console.log(JSON.stringify({ atImport, afterUse: record() }))
    `
    const result = await runChild(source)
    assert.is(result.code, 0, result.stderr)
    const { atImport, afterUse } = JSON.parse(result.stdout) as Record<
      'atImport' | 'afterUse',
      { builtins: string[]; required: string[]; native: string[] }
    >
    const resolved = readFileSync(log, 'utf8').split('\n').filter(Boolean)

    assert.ok(resolved.includes('./caches/mcache.js'), 'the resolve hook saw the runtime import its own modules')
    assert.equal(
      resolved.filter((s) => HEAVY.test(s)),
      [],
      'static imports of heavy modules',
    )
    assert.equal(
      atImport.builtins.filter((s) => HEAVY.test(s)),
      [],
      'built-ins loaded at import',
    )
    assert.equal(
      atImport.required.filter((s) => HEAVY.test(s)),
      [],
      'packages required at import',
    )
    assert.equal(
      atImport.native.filter((m) => /^NativeModule (zlib|v8|crypto|sqlite)$/.test(m)),
      [],
      'Node built-ins loaded at import',
    )

    // The same records do see them once disk caches are created: the checks above can fail.
    for (const id of ['node:fs', 'node:zlib', 'node:v8', 'node:crypto']) assert.ok(afterUse.builtins.includes(id), id)
    assert.ok(afterUse.required.includes('better-sqlite3'))
    assert.ok(afterUse.native.includes('NativeModule zlib'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

s('should import the Node bundle (dist/node) and require the loader of optional packages only for a disk cache', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-node-bundle-'))
  const log = path.join(dir, 'resolved.log')
  try {
    // The child runs in the repository, so 'twat-cache' resolves through package.json's exports, as installed.
    const source = `
      import Module, { register } from 'node:module'
      register('data:text/javascript,' + encodeURIComponent(\`
        import { appendFileSync } from 'node:fs'
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context)
          appendFileSync(${JSON.stringify(log)}, result.url + '\\\\n')
          return result
        }\`))
      const loader = () => Object.keys(Module._cache).filter((file) => /optional-modules\\.cjs$/.test(file))
      const runtime = await import('twat-cache')
      const atImport = loader()
      const cached = runtime.bcache((n) => n * 2, { cacheDir: ${JSON.stringify(path.join(dir, 'cache'))} })
      cached(2)
      console.log(JSON.stringify({ atImport, afterUse: loader(), engine: cached.cache.engine, value: cached(2) }))
    `
    const result = await runChild(source)
    assert.is(result.code, 0, result.stderr)
    const { atImport, afterUse, engine, value } = JSON.parse(result.stdout) as {
      atImport: string[]
      afterUse: string[]
      engine: string
      value: number
    }
    const ours = readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith(`file://${REPO_ROOT}/dist/`))
    assert.ok(ours[0]?.endsWith('/dist/node/index.js'), `the root import resolved to ${ours[0]}`)
    const atImportFiles = ours.filter((url) => !url.includes('/platform/optional-modules'))
    assert.equal(
      atImportFiles.filter((url) => !url.includes('/dist/node/')),
      [],
      'files of the unbundled runtime were loaded',
    )
    assert.ok(atImportFiles.length <= 3, `the root import loaded ${atImportFiles.length} files: ${atImportFiles.join(', ')}`)
    assert.equal(atImport, [], 'the CommonJS loader of optional packages was loaded by the import')
    assert.is(afterUse.length, 1, 'a bcache requires the loader')
    assert.is(engine, 'better-sqlite3')
    assert.is(value, 4)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

s.run()
