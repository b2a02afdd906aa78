/**
 * The `twat-cache` command on real cache folders: a child script fills them with the built runtime (bcache on
 * SQLite, fcache on files, two versions of a function, entries that expire), then `node dist/cli/main.js …` runs
 * in children with TWAT_CACHE_DIR pointing there. Checked: text and --json output, exit codes, clear asking (and
 * refusing off a terminal), prune freeing what it says, colors, doctor, and that only scan loads the build step.
 */
import { chmod, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { RUNTIME_URL, runChild } from './support/child.js'
import { assertBuilt, jsonOf, runCli } from './support/cli.js'
import { suite } from './support/suite.js'

const test = suite('twat-cache command', { timeoutMs: 90_000 })

let dir: string
const env = () => ({ TWAT_CACHE_DIR: dir })
const cli = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(args, { ...options, env: { ...env(), ...options.env } })

/** Fill the caches in a child process with the built runtime; `code` runs after the imports. */
async function fill(code: string): Promise<void> {
  const result = await runChild(
    `import { bcache, fcache } from ${JSON.stringify(RUNTIME_URL)}\nconst pause = (ms) => new Promise((r) => setTimeout(r, ms))\n${code}`,
    { env: env() },
  )
  assert.is(result.code, 0, result.stderr)
}

const PRICES = `
  const price = bcache((n) => ({ n, total: n * 2 }), { name: 'src/prices.ts#priceOf', version: 'p1', folderName: 'shop' })
  for (let i = 0; i < 3; i++) price(i)
  const report = fcache((n) => 'x'.repeat(100 * n), { name: 'src/report.ts#report', version: 'r1' })
  report(1); report(2)
`

test.before(() => assertBuilt())
test.before.each(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-cli-'))
})
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('should print the cache root and the folder of a folderName', async () => {
  const root = await cli(['path'])
  assert.is(root.code, 0, root.stderr)
  assert.is(root.stdout, `${dir}\n`)
  const folder = jsonOf(await cli(['path', 'reports', '--json']))
  assert.equal(folder, { root: dir, folder: 'reports', path: path.join(dir, 'reports') })
  const bad = await cli(['path', '../elsewhere'])
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /folderName="..\/elsewhere"/)
})

test('should list persistent caches per folder and function, with expired entries and versions', async () => {
  await fill(`${PRICES}
    const short = bcache((n) => n, { name: 'src/short.ts#short', version: 's1', ttl: '300ms' })
    short(1); short(2)
    await pause(450)`)
  const text = await cli(['stats'])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, new RegExp(`cache root ${dir}`))
  assert.match(text.stdout, /shop\s+sqlite\s+src\/prices\.ts#priceOf\s+3\s+\d+ B/)
  assert.match(text.stdout, /default\s+sqlite\s+src\/short\.ts#short\s+2\s+\d+ B\s+\S+ \S+\s+\S+ \S+\s+2\s+1 \(s1\)/)
  assert.match(text.stdout, /default\s+file\s+src_report\.ts_report-[0-9a-f]{8}\s+2\s+/)
  assert.match(text.stdout, /3 functions, 7 entries, .*2 expired/)

  const json = jsonOf(await cli(['stats', '--json']))
  assert.equal(Object.keys(json), ['root', 'folders', 'redis', 'totals'])
  assert.equal(
    json.folders.map((f: any) => f.name),
    ['default', 'shop'],
  )
  const all = json.folders.flatMap((f: any) => f.functions)
  const prices = all.find((f: any) => f.id === 'src/prices.ts#priceOf')
  assert.equal(Object.keys(prices), ['id', 'store', 'entries', 'bytes', 'expired', 'oldest', 'newest', 'versions'])
  assert.is(prices.store, 'sqlite')
  assert.is(prices.entries, 3)
  assert.ok(prices.bytes > 0)
  assert.equal(
    prices.versions.map((v: any) => v.version),
    ['p1'],
  )
  assert.ok(Date.parse(prices.newest) >= Date.parse(prices.oldest))
  const report = all.find((f: any) => f.store === 'file')
  assert.is(report.entries, 2)
  assert.is(
    report.bytes,
    (
      await Promise.all(
        (
          await readdir(path.join(dir, 'default', report.id, 'r1'))
        ).map(async (f) => (await stat(path.join(dir, 'default', report.id, 'r1', f))).size),
      )
    ).reduce((a, b) => a + b, 0),
  )
  assert.is(all.find((f: any) => f.id === 'src/short.ts#short').expired, 2)
  assert.equal(json.totals, { functions: 3, entries: 7, bytes: all.reduce((n: number, f: any) => n + f.bytes, 0), expired: 2 })
})

test('should say so when there is nothing cached yet', async () => {
  const result = await cli(['stats', '--dir', path.join(dir, 'none')])
  assert.is(result.code, 0, result.stderr)
  assert.match(result.stdout, /No persistent caches here yet/)
})

test('should refuse to clear without --yes when stdin is not a terminal, and delete nothing', async () => {
  await fill(PRICES)
  const refused = await cli(['clear', 'src/prices.ts#priceOf'])
  assert.is(refused.code, 2)
  assert.match(refused.stderr, /would delete 3 entries .* not a terminal, so nothing was deleted: pass --yes/)
  const after = jsonOf(await cli(['stats', '--json']))
  assert.is(after.totals.entries, 5)
})

test('should clear functions by id and by glob, and report entries and bytes removed', async () => {
  await fill(PRICES)
  const before = jsonOf(await cli(['stats', '--json']))
  const prices = before.folders.flatMap((f: any) => f.functions).find((f: any) => f.id === 'src/prices.ts#priceOf')
  const byId = await cli(['clear', 'src/prices.ts#priceOf', '--yes', '--json'])
  assert.is(byId.code, 0, byId.stderr)
  assert.equal(jsonOf(byId).removed, { functions: 1, entries: 3, bytes: prices.bytes })
  // A glob over ids also reaches the file engine, whose folders hold the id with "/" and "#" replaced.
  const byGlob = await cli(['clear', 'src/report.ts#*', '--yes'])
  assert.is(byGlob.code, 0, byGlob.stderr)
  assert.match(byGlob.stdout, /Removed 2 entries \(\d+ B\) of 1 function\./)
  assert.is(jsonOf(await cli(['stats', '--json'])).totals.entries, 0)
  const none = await cli(['clear', 'src/nothing.ts#x', '--yes'])
  assert.is(none.code, 1)
  assert.match(none.stdout, /No stored function matches src\/nothing\.ts#x/)
})

test('should clear everything with --all, and need names or --all', async () => {
  await fill(PRICES)
  const usage = await cli(['clear', '--yes'])
  assert.is(usage.code, 2)
  assert.match(usage.stderr, /name the functions to clear .*, pass --all, or --tag <tag>/)
  const all = jsonOf(await cli(['clear', '--all', '--yes', '--json']))
  assert.is(all.removed.entries, 5)
  assert.is(jsonOf(await cli(['stats', '--json'])).totals.entries, 0)
})

test('should ask before clearing on a terminal, and delete only on yes', async () => {
  await fill(PRICES)
  const no = await cli(['clear', 'src/prices.ts#priceOf'], { tty: true, answer: { when: /\[y\/N\]/, input: 'n\n' } })
  assert.match(no.stdout, /Delete 3 entries \(\d+ B\) of 1 function\? \[y\/N\]/)
  assert.match(no.stdout, /Nothing was deleted/)
  assert.is(jsonOf(await cli(['stats', '--json'])).totals.entries, 5)
  const yes = await cli(['clear', 'src/prices.ts#priceOf'], { tty: true, answer: { when: /\[y\/N\]/, input: 'y\n' } })
  assert.is(yes.code, 0, yes.stdout)
  assert.match(yes.stdout, /Removed 3 entries/)
  assert.is(jsonOf(await cli(['stats', '--json'])).totals.entries, 2)
})

test('should prune expired entries, old versions, stale temp files and damaged databases, and report the bytes', async () => {
  // Two versions for real: opening the new version removes the old one's entries, then the old code writes again
  // (a process still running it), then the new version writes last.
  await fill(`
    const oldB = bcache((n) => n + 1, { name: 'src/v.ts#f', version: 'old' })
    const newB = bcache((n) => n + 2, { name: 'src/v.ts#f', version: 'new' })
    const oldF = fcache((n) => n + 1, { name: 'src/v.ts#g', version: 'old' })
    const newF = fcache((n) => n + 2, { name: 'src/v.ts#g', version: 'new' })
    oldB(1); oldF(1); await pause(30)
    newB(1); newF(1); await pause(30)
    oldB(2); oldB(3); oldF(2); oldF(3); await pause(30)
    newB(5); newF(5)
    const short = bcache((n) => n, { name: 'src/short.ts#short', version: 's1', ttl: '300ms' })
    const shortF = fcache((n) => n, { name: 'src/short.ts#shortF', version: 's1', ttl: '300ms' })
    short(1); short(2); shortF(1)
    await pause(450)`)
  // A damaged database, moved aside by the SQLite engine itself when a cache opens it.
  const brokenFolder = path.join(dir, 'broken')
  await fill(`bcache((n) => n, { name: 'x', version: '1', folderName: 'broken' })(1)`)
  await writeFile(path.join(brokenFolder, 'cache.sqlite'), 'this is not a database '.repeat(200))
  for (const suffix of ['-wal', '-shm']) await rm(path.join(brokenFolder, `cache.sqlite${suffix}`), { force: true })
  await fill(`process.on('warning', () => {}); bcache((n) => n, { name: 'x', version: '1', folderName: 'broken' })(1)`)
  const aside = (await readdir(brokenFolder)).filter((f) => f.startsWith('cache.sqlite.corrupt-'))
  assert.is(aside.length, 1, 'the runtime moved the damaged database aside')
  // Temp files as a crashed writer leaves them (an hour old), and one of a write in progress (new).
  const versionFolder = path.join(
    dir,
    'default',
    (await readdir(path.join(dir, 'default'))).find((f) => f.startsWith('src_v.ts_g-'))!,
    'new',
  )
  const stale = path.join(versionFolder, '.abc.bin.4242.1.tmp')
  const fresh = path.join(versionFolder, '.abc.bin.4242.2.tmp')
  await writeFile(stale, 'half an entry')
  await writeFile(fresh, 'being written')
  const hoursAgo = new Date(Date.now() - 2 * 3600_000)
  await utimes(stale, hoursAgo, hoursAgo)

  const before = jsonOf(await cli(['stats', '--json']))
  const fns = before.folders.flatMap((f: any) => f.functions)
  // Newest first: by last use, not by name.
  assert.equal(
    fns.find((f: any) => f.id === 'src/v.ts#f').versions.map((v: any) => v.version),
    ['new', 'old'],
  )
  assert.is(fns.find((f: any) => f.id === 'src/short.ts#short').expired, 2)

  const dry = jsonOf(await cli(['prune', '--dry-run', '--json']))
  assert.is(dry.dryRun, true)
  const result = await cli(['prune', '--json'])
  assert.is(result.code, 0, result.stderr)
  const pruned = jsonOf(result)
  assert.equal(pruned.removed, dry.removed, 'the dry run said what prune then did')
  assert.equal(pruned.removed.expired.count, 3)
  const oldEntries = fns.filter((f: any) => f.versions.length > 1).flatMap((f: any) => f.versions.filter((v: any) => v.version === 'old'))
  assert.ok(oldEntries.length === 2, 'both engines hold the old version')
  assert.equal(pruned.removed.oldVersions, {
    count: oldEntries.reduce((n: number, v: any) => n + v.entries, 0),
    bytes: oldEntries.reduce((n: number, v: any) => n + v.bytes, 0),
  })
  assert.equal(pruned.removed.tempFiles, { count: 1, bytes: 'half an entry'.length })
  assert.is(pruned.removed.corruptDatabases.count, 1)
  assert.ok(pruned.removed.corruptDatabases.bytes >= 'this is not a database '.length * 200)
  assert.is(
    pruned.bytesFreed,
    Object.values(pruned.removed).reduce((n: number, r: any) => n + r.bytes, 0),
  )

  const after = jsonOf(await cli(['stats', '--json']))
  const left = after.folders.flatMap((f: any) => f.functions)
  assert.equal(
    left.find((f: any) => f.id === 'src/v.ts#f').versions.map((v: any) => [v.version, v.entries]),
    [['new', 2]],
  )
  assert.equal(
    left.find((f: any) => f.store === 'file' && f.id.startsWith('src_v.ts_g-')).versions.map((v: any) => [v.version, v.entries]),
    [['new', 2]],
  )
  assert.is(after.totals.expired, 0)
  assert.not.ok(existsSync(stale))
  assert.ok(existsSync(fresh), 'a young temp file may be a write in progress')
  assert.equal(
    (await readdir(brokenFolder)).filter((f) => f.includes('corrupt')),
    [],
  )

  const again = await cli(['prune'])
  assert.match(again.stdout, /Nothing to prune/)
})

test('should color only on request or a terminal, never with NO_COLOR', async () => {
  await fill(PRICES)
  const ESC = '\u001b['
  assert.not.ok((await cli(['stats'])).stdout.includes(ESC), 'no color in a pipe')
  assert.ok((await cli(['stats', '--color'])).stdout.includes(ESC))
  assert.ok((await cli(['stats'], { env: { FORCE_COLOR: '1' } })).stdout.includes(ESC))
  assert.not.ok((await cli(['stats'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout.includes(ESC))
  assert.ok((await cli(['stats'], { tty: true })).stdout.includes(ESC), 'color on a terminal')
  assert.not.ok((await cli(['stats'], { tty: true, env: { NO_COLOR: '1' } })).stdout.includes(ESC))
  assert.not.ok((await cli(['stats', '--color', '--json'])).stdout.includes(ESC), 'never in JSON')
})

test('should refresh with --watch, one JSON document per line', async () => {
  await fill(PRICES)
  const result = await cli(['stats', '--watch', '1', '--times', '2', '--json'])
  assert.is(result.code, 0, result.stderr)
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  assert.is(lines.length, 2)
  assert.is(lines[1].totals.entries, 5)
  const bounded = await cli(['stats', '--watch', '0'])
  assert.is(bounded.code, 2)
  assert.match(bounded.stderr, /--watch 0: expected seconds from 1 to 3600/)
})

test('should exit 2 on usage errors', async () => {
  const unknown = await cli(['frobnicate'])
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr, /unknown command "frobnicate"/)
  const flag = await cli(['stats', '--frob'])
  assert.is(flag.code, 2)
  assert.match(flag.stderr, /Unknown option `--frob`/)
  const json = await cli(['clear', '--json'])
  assert.is(json.code, 2)
  assert.is(jsonOf(json).error.code, 'TWAT_CACHE_CLI_USAGE')
  const help = await cli(['--help'])
  assert.is(help.code, 0)
  assert.match(help.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /)
})

test('should check the machine with doctor: engines, the cache root and its permissions, TypeScript', async () => {
  await fill(PRICES)
  await chmod(dir, 0o700)
  const good = await cli(['doctor', '--json'])
  assert.is(good.code, 0, good.stdout)
  const checks = jsonOf(good).checks
  const check = (name: string) => checks.find((c: any) => c.name === name)
  assert.equal(Object.keys(checks[0]), ['name', 'status', 'detail', 'fix'])
  assert.is(check('Node.js').status, 'ok')
  assert.is(check('better-sqlite3').status, 'ok')
  assert.is(check('cache root permissions').detail, '0700')
  assert.match(check('TypeScript for the build').detail, /^typescript 6\./)

  await chmod(dir, 0o755)
  const open = await cli(['doctor'])
  assert.is(open.code, 1)
  assert.match(open.stdout, /✗ cache root permissions\s+0755: group or others have access/)
  assert.match(open.stdout, new RegExp(`fix: chmod 700 ${dir}`))

  await chmod(dir, 0o700)
  const hidden = await cli(['doctor', '--json'], { hide: ['better-sqlite3', 'typescript', '@keyv/redis'] })
  const missing = jsonOf(hidden).checks
  const find = (name: string) => missing.find((c: any) => c.name === name)
  assert.is(hidden.code, 0, 'missing optional packages are not problems')
  assert.is(find('better-sqlite3').status, 'absent')
  assert.match(find('better-sqlite3').fix, /npm install better-sqlite3/)
  assert.is(find('@keyv/redis').status, 'absent')
  assert.is(find('TypeScript for the build').status, 'absent')
  assert.match(find('TypeScript for the build').fix, /npm install -D typescript@6/)
})

test('should not load TypeScript, magic-string or unplugin unless scan runs', async () => {
  await fill(PRICES)
  // A recorder of every file loaded through CommonJS (how the build step loads its packages), written at exit.
  const recorder = path.join(dir, 'record.cjs')
  const log = path.join(dir, 'loaded.txt')
  await writeFile(
    recorder,
    `const fs = require('node:fs'); process.on('exit', () => fs.writeFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n')))`,
  )
  const heavy = /[\\/]node_modules[\\/](typescript|typescript6|magic-string|unplugin)[\\/]/
  for (const args of [['stats'], ['path'], ['doctor'], ['prune', '--dry-run'], ['clear', 'src/prices.ts#priceOf', '--yes']]) {
    const result = await cli(args, { nodeArgs: ['--require', recorder] })
    assert.ok(result.code === 0, `${args.join(' ')}: ${result.stderr}`)
    const loaded = await import('node:fs').then((fs) => fs.readFileSync(log, 'utf8'))
    assert.not.match(loaded, heavy, `${args[0]} loaded a build-time package`)
  }
  const scan = await cli(['scan', path.join(dir, 'nothing-here'), '--root', dir], { nodeArgs: ['--require', recorder] })
  await writeFile(path.join(dir, 'empty.ts'), 'export const x = 1\n')
  const scanned = await cli(['scan', path.join(dir, 'empty.ts'), '--root', dir], { nodeArgs: ['--require', recorder] })
  assert.is(scan.code, 2, 'a folder that does not exist is a usage error')
  assert.is(scanned.code, 0, scanned.stderr)
  assert.match(await import('node:fs').then((fs) => fs.readFileSync(log, 'utf8')), heavy, 'the recorder sees what scan loads')
})

test.run()
