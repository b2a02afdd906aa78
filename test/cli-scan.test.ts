/**
 * `twat-cache scan` on a fixture project (fixtures/cli/project): the sites as the build injects them, the build's
 * errors and warnings, the command's own warnings (sync functions with async-only stores; types a persistent cache
 * cannot keep, through the project's tsconfig.json), the folders it skips, --include/--exclude, and the progress
 * bar (on a terminal only). The project is copied to a temp folder so that tests can add files to it.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { REPO_ROOT } from './support/child.js'
import { assertBuilt, jsonOf, runCli } from './support/cli.js'
import { suite } from './support/suite.js'

const test = suite('twat-cache scan', { timeoutMs: 120_000 })
const FIXTURE = path.join(REPO_ROOT, 'fixtures/cli/project')
let project: string

const scan = (args: string[] = [], options: Parameters<typeof runCli>[1] = {}) => runCli(['scan', ...args], { cwd: project, ...options })

test.before(() => assertBuilt())
test.before.each(async () => {
  // Under the system temp folder: no tsconfig.json above it, so only the project's own is found.
  project = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-scan-'))
  await cp(FIXTURE, project, { recursive: true })
})
test.after.each(async () => {
  await rm(project, { recursive: true, force: true })
})

test("should print the README's scan of the demo app, as the README shows it", async () => {
  const result = await runCli(['scan', 'examples/demo'], { cwd: REPO_ROOT })
  assert.is(result.code, 0, result.stderr)
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8')
  const shown = /`twat-cache scan examples\/demo` \(the demo app\):\n\n```\n([\s\S]*?)```/.exec(readme)
  assert.ok(shown, 'the README shows a scan of the demo app')
  assert.fixture(result.stdout, shown![1]!, 'the README block is what the command prints today (versions included)')
})

test('should list every site with its kind, store, id, version and options', async () => {
  const result = await scan(['--json'])
  assert.is(result.code, 1, 'a bad tag is an error: exit 1')
  const report = jsonOf(result)
  assert.equal(Object.keys(report), ['root', 'files', 'sites', 'errors', 'warnings', 'notes', 'summary'])
  assert.is(report.files, 6)
  const site = (id: string) => report.sites.find((s: any) => s.id === id)
  assert.equal(Object.keys(report.sites[0]), ['file', 'line', 'column', 'trigger', 'kind', 'store', 'id', 'version', 'options', 'code'])
  const quote = site('src/prices.ts#quoteOf')
  assert.equal(
    { file: quote.file, line: quote.line, kind: quote.kind, store: quote.store, options: quote.options },
    { file: 'src/prices.ts', line: 14, kind: 'bcache', store: 'disk', options: { folderName: 'prices', ttl: '1d' } },
  )
  assert.match(quote.version, /^[0-9a-f]{12}$/)
  assert.equal(site('src/prices.ts#priceOf').options, { maxsize: 500, ttl: '10m' })
  assert.is(site('src/prices.ts#totals.of').kind, 'fcache')
  const marker = site('src/markers.ts#cachedRender')
  assert.equal(
    { trigger: marker.trigger, kind: marker.kind, store: marker.store, options: marker.options },
    { trigger: 'marker', kind: 'bcache', store: 'disk', options: { folderName: 'pages' } },
  )
  assert.is(site('src/stores.ts#choosesRedis').store, 'shared')
  assert.is(site('src/stores.ts#fine').store, 'shared')
  assert.equal(report.summary, { sites: 11, byKind: { bcache: 4, mcache: 2, fcache: 2, acache: 2, ucache: 1 }, errors: 1, warnings: 6 })
})

test('should give the build error of a bad tag with file:line:col and a code frame', async () => {
  const report = jsonOf(await scan(['--json']))
  assert.is(report.errors.length, 1)
  const [error] = report.errors
  assert.equal({ file: error.file, line: error.line, column: error.column }, { file: 'src/bad-tag.ts', line: 2, column: 19 })
  assert.match(error.message, /unknown option "maxsiz" in @cache tag \(did you mean maxsize\?\)/)
  assert.is(error.frame, '2 | /** @cache mcache maxsiz=10 */\n  |                   ^^^^^^')
  const text = await scan()
  assert.match(text.stdout, /error src\/bad-tag\.ts:2:19: unknown option "maxsiz"/)
  assert.match(text.stdout, /1 error, 6 warnings in 6 files/)
})

test('should warn about a misspelt tag, sync functions with async-only stores, and types a disk cannot keep', async () => {
  const warnings = jsonOf(await scan(['--json'])).warnings.map((w: any) => `${w.code} ${w.file}:${w.line} ${w.message}`)
  const expected = [
    /^misspelt-tag src\/misspelt\.ts:2 unknown tag @cahce \(did you mean @cache\?\)/,
    /^unstorable-result src\/reports\.ts:10 the result of reportFor cannot be stored on disk: it is an instance of class Report \(its class and its methods \(total\) would be lost\)/,
    /^unkeyable-parameter src\/reports\.ts:15 parameter onProgress of summarize cannot be part of a cache key: it is a function/,
    /^async-store src\/stores\.ts:4 bcache ignores backend=redis: only acache stores entries in Redis or memcached/,
    /^async-store src\/stores\.ts:9 acache makes notAsync return a Promise, but it is not async/,
    /^async-store src\/stores\.ts:14 ucache picks acache here \(for url\), which makes choosesRedis return a Promise/,
  ]
  assert.is(warnings.length, expected.length, warnings.join('\n'))
  for (const [i, pattern] of expected.entries()) assert.match(warnings[i], pattern)
  // Plain data on disk (an interface of strings, numbers and a Date; a Map of arrays) and async acache are fine.
  assert.not.ok(warnings.some((w: string) => /quoteOf|totals|fine/.test(w)))
})

test('should skip node_modules, dist and .git, and narrow with --include and --exclude', async () => {
  for (const folder of ['node_modules/lib', 'dist', '.git', 'src/nested']) await mkdir(path.join(project, folder), { recursive: true })
  const tagged = '/** @mcache */\nexport function hidden(n: number): number {\n  return n\n}\n'
  await writeFile(path.join(project, 'node_modules/lib/index.ts'), tagged)
  await writeFile(path.join(project, 'dist/index.js'), tagged.replace(': number', '').replace(': number', ''))
  await writeFile(path.join(project, '.git/hook.ts'), tagged)
  await writeFile(path.join(project, 'src/nested/seen.ts'), tagged)
  const all = jsonOf(await scan(['--json']))
  assert.equal(
    all.sites.filter((s: any) => /hidden/.test(s.id)).map((s: any) => s.file),
    ['src/nested/seen.ts'],
  )

  const included = jsonOf(await scan(['--include', 'src/prices.ts', '--include', 'src/markers.ts', '--json']))
  assert.equal([...new Set(included.sites.map((s: any) => s.file))], ['src/markers.ts', 'src/prices.ts'])
  const excluded = await scan(['--exclude', '**/bad-tag.ts', '--json'])
  assert.is(excluded.code, 0, 'no errors left: warnings alone exit 0')
  assert.is(jsonOf(excluded).errors.length, 0)
  const strict = await scan(['--exclude', '**/bad-tag.ts', '--strict'])
  assert.is(strict.code, 1, '--strict: warnings exit 1')
})

test('should scan the folders given, with ids relative to the root', async () => {
  const report = jsonOf(await runCli(['scan', path.join(project, 'src/stores.ts'), '--root', project, '--json']))
  assert.equal(
    report.sites.map((s: any) => s.id),
    ['src/stores.ts#syncWithRedis', 'src/stores.ts#notAsync', 'src/stores.ts#choosesRedis', 'src/stores.ts#fine'],
  )
  const missing = await scan(['no-such-folder'])
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /no-such-folder does not exist/)
})

test("should merge the plugin's defaults under each site's options", async () => {
  const report = jsonOf(await scan(['src/prices.ts', '--defaults', '{"ttl":"1h","secure":false}', '--json']))
  const priceOf = report.sites.find((s: any) => s.id === 'src/prices.ts#priceOf')
  assert.equal(priceOf.options, { secure: false, maxsize: 500, ttl: '10m' })
  assert.equal(report.sites.find((s: any) => s.id === 'src/prices.ts#totals.of').options, { ttl: '1h', secure: false, compress: 'gzip' })
  const bad = await scan(['--defaults', '{"ttl":-1}'])
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /--defaults: .*ttl=-1/)
})

test('should skip the type checks with a note when there is no tsconfig.json', async () => {
  await rm(path.join(project, 'tsconfig.json'))
  const report = jsonOf(await scan(['--json']))
  assert.match(report.notes.join('\n'), /no tsconfig\.json in .* the parameter and result types of persistent caches were not checked/)
  const codes = report.warnings.map((w: any) => w.code)
  assert.not.ok(codes.includes('unstorable-result'))
  assert.ok(codes.includes('async-store'), 'the checks from the syntax still run')
})

test('should draw a progress bar on long scans on a terminal only', async () => {
  const many = path.join(project, 'src/many')
  await mkdir(many)
  await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(path.join(many, `m${i}.ts`), `export const value${i} = ${i}\n`)))
  const piped = await scan(['--no-types'])
  assert.is(piped.code, 1)
  assert.match(piped.stdout, /in 1006 files/)
  assert.not.match(piped.stderr, /\[#*\.*\] \d+\/1006 files/)
  assert.not.ok(piped.stderr.includes('\r'), 'no carriage returns off a terminal')
  const terminal = await scan(['--no-types'], { tty: true })
  assert.match(terminal.stdout, /\[#*\.*\] \d+\/1006 files/)
  const json = await scan(['--no-types', '--json'], { tty: true })
  assert.not.match(json.stdout, /\/1006 files/, 'never with --json')
})

test('should fail with the install command when TypeScript is not installed', async () => {
  const result = await scan(['--json'], { hide: ['typescript'] })
  assert.is(result.code, 1)
  const error = jsonOf(result).error
  assert.is(error.code, 'TWAT_CACHE_BUILD_PACKAGE')
  assert.match(error.message, /needs TypeScript 6 .* npm install -D typescript@6/)
})

test.run()
