// The plugin options: defaults, and the errors a user gets for a wrong option (without running a bundler).
import path from 'node:path'
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, PluginOptionsError, resolveOptions } from '../src/plugins/options.js'

const s = suite('plugin options')

const matchesAny = (patterns: readonly RegExp[], id: string): boolean => patterns.some((p) => p.test(id))

s('should fill in the defaults', () => {
  const resolved = resolveOptions()
  assert.is(resolved.enabled, true)
  assert.is(resolved.runtime, 'twat-cache')
  assert.equal(resolved.defaults, {})
  assert.is(resolved.root, undefined, 'the bundler root is taken when the build starts')
  assert.equal(resolved.include, DEFAULT_INCLUDE)
  assert.equal(resolved.exclude, DEFAULT_EXCLUDE)
})

s('should include JS and TS files by default, but not node_modules or declaration files', () => {
  for (const id of ['/p/a.ts', '/p/a.tsx', '/p/a.mts', '/p/a.cts', '/p/a.js', '/p/a.jsx', '/p/a.mjs', '/p/a.cjs']) {
    assert.ok(matchesAny(DEFAULT_INCLUDE, id) && !matchesAny(DEFAULT_EXCLUDE, id), id)
  }
  for (const id of ['/p/node_modules/x/a.js', 'C:\\p\\node_modules\\x\\a.ts', '/p/a.d.ts', '/p/a.d.mts']) {
    assert.ok(matchesAny(DEFAULT_EXCLUDE, id), id)
  }
  for (const id of ['/p/a.css', '/p/a.json', '/p/a.ts?raw']) assert.not.ok(matchesAny(DEFAULT_INCLUDE, id), id)
})

s('should keep the given options and resolve a relative root from the working directory', () => {
  const resolved = resolveOptions({
    include: [/\.ts$/],
    exclude: 'legacy/**',
    enabled: false,
    defaults: { ttl: '10m' },
    root: 'packages/app',
    runtime: 'twat-cache/runtime',
  })
  assert.equal(resolved.include, [/\.ts$/])
  assert.is(resolved.exclude, 'legacy/**')
  assert.is(resolved.enabled, false)
  assert.equal(resolved.defaults, { ttl: '10m' })
  assert.is(resolved.root, path.resolve('packages/app'))
  assert.is(resolved.runtime, 'twat-cache/runtime')
})

s('should reject an unknown option, suggesting the closest name', () => {
  assert.throws(
    () => resolveOptions({ enable: false } as never),
    (error: Error) => error instanceof PluginOptionsError && /unknown option "enable".*did you mean "enabled"/.test(error.message),
  )
})

s('should point cache options to "defaults"', () => {
  assert.throws(
    () => resolveOptions({ ttl: '10m' } as never),
    (error: Error) => /unknown option "ttl".*go under "defaults"/.test(error.message),
  )
})

s('should reject a value of the wrong kind, naming the option and the value', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ enabled: 'no' }, /"enabled" must be true or false, got "no"/],
    [{ defaults: [] }, /"defaults" must be an object/],
    [{ root: '' }, /"root" must be a folder path/],
    [{ runtime: ' ' }, /"runtime" must be the import path/],
    [{ include: [/\.ts$/, 3] }, /"include" takes paths, globs or RegExps.*got 3/],
  ]
  for (const [options, message] of cases) {
    assert.throws(() => resolveOptions(options as never), message, JSON.stringify(options))
  }
  assert.throws(() => resolveOptions('vite' as never), /options must be an object/)
})

s.run()
