/**
 * A runtime-only install does not bring the compiler: `npm install --omit=dev --omit=optional <tarball>` in an empty
 * project installs twat-cache and its runtime dependencies only (lru-cache, and cac for the `twat-cache` command) (typescript, magic-string and unplugin are
 * optional peers). The runtime works there; the build-time entries fail with the command that installs what they
 * need, one package at a time, and work once it is installed. The app lives outside the repository, so nothing
 * resolves from the repository's node_modules.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { packPackage, type PackedPackage } from './support/build-package.js'

const run = promisify(execFile)
const INSTALL_TIMEOUT_MS = 5 * 60_000
/**
 * The budget for twat-cache's own files. The goal is 2 MB for the whole install, which lru-cache alone exceeds. The
 * package ships no source maps (tsc's output is the source without its types, and dist/node is an unminified
 * bundle): with their inlined sources they were more than half of it.
 */
const OWN_BUDGET_BYTES = 1_500_000

const s = suite('runtime-only install')
let packed: PackedPackage
let app: string

async function npmInstall(args: readonly string[]): Promise<void> {
  await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', ...args], {
    cwd: app,
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  })
}

/** Bytes of the files under `dir` (apparent size, as `du -sb` counts). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) total += await sizeOf(full)
    else if (entry.isFile()) total += (await stat(full)).size
  }
  return total
}

/** Runs an ES module script in the app; resolves to what it printed, rejects with its stderr. */
async function script(code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: app, timeout: 60_000 })
  return stdout.trim()
}

/** What a dynamic import or a call in the app throws: name, code and message, as JSON. */
const CAPTURE = `const capture = async (run) => { try { await run(); return null } catch (e) { return { name: e.name, code: e.code, message: e.message } } }`

s.before(async () => {
  packed = await packPackage()
  app = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-runtime-only-'))
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'runtime-only-app', private: true, type: 'module' }))
  await run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--omit=optional', packed.tarball], {
    cwd: app,
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  })
})

s.after(async () => {
  if (app) await rm(app, { recursive: true, force: true })
  await packed?.cleanup()
})

s('should install twat-cache and its runtime dependencies only', async () => {
  const installed = (await readdir(path.join(app, 'node_modules'))).filter((name) => !name.startsWith('.')).sort()
  assert.equal(installed, ['cac', 'lru-cache', 'twat-cache'])
})

s('should keep twat-cache itself within its budget, and report the size of the install', async () => {
  const modules = path.join(app, 'node_modules')
  const sizes = Object.fromEntries(
    await Promise.all(['twat-cache', 'lru-cache', 'cac'].map(async (name) => [name, await sizeOf(path.join(modules, name))] as const)),
  )
  const total = await sizeOf(modules)
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`
  console.log(
    `  node_modules of a runtime-only install: ${mb(total)} (${Object.entries(sizes)
      .map(([name, bytes]) => `${name} ${mb(bytes)}`)
      .join(', ')})`,
  )
  assert.ok(sizes['twat-cache']! <= OWN_BUDGET_BYTES, `twat-cache is ${mb(sizes['twat-cache']!)}`)
  assert.ok(total < sizes['twat-cache']! + sizes['lru-cache']! + sizes.cac! + 100_000, 'nothing else of size was installed')
})

s('should run the runtime', async () => {
  const output = await script(
    `import { mcache } from 'twat-cache'; let runs = 0; const f = mcache((n) => { runs++; return n * 2 }); console.log(f(2), f(2), runs, f.cache.engine)`,
  )
  assert.is(output, '4 4 1 lru-cache')
})

s('should fail each build-time entry with the command that installs what it needs', async () => {
  const output = await script(`
    ${CAPTURE}
    const results = {}
    for (const name of ['vite', 'webpack', 'rollup', 'esbuild', 'rspack', 'rolldown']) results[name] = await capture(() => import('twat-cache/' + name))
    const { transform } = await import('twat-cache/transform')
    results.plain = transform('export const x = 1', '/app/a.ts')
    results.tagged = await capture(() => transform('/** @mcache */ export const f = (n: number) => n', '/app/a.ts'))
    results.tsc = typeof (await import('twat-cache/tsc')).default
    console.log(JSON.stringify(results))
  `)
  const results = JSON.parse(output) as Record<string, { name: string; code: string; message: string } | null | string>
  for (const name of ['vite', 'webpack', 'rollup', 'esbuild', 'rspack', 'rolldown']) {
    const error = results[name] as { name: string; code: string; message: string }
    assert.is(error?.code, 'TWAT_CACHE_BUILD_PACKAGE', `twat-cache/${name}: ${JSON.stringify(error)}`)
    assert.match(error.message, 'the build step needs the package "unplugin"')
    assert.match(error.message, 'npm install -D unplugin')
  }
  assert.is(results.plain, null, 'a file without a trigger needs no TypeScript')
  const tagged = results.tagged as { code: string; message: string }
  assert.is(tagged.code, 'TWAT_CACHE_BUILD_PACKAGE')
  assert.match(tagged.message, 'needs TypeScript 6 (an optional peer dependency), which is not installed')
  assert.match(tagged.message, 'npm install -D typescript@6')
  assert.is(results.tsc, 'function', 'twat-cache/tsc loads without TypeScript: ts-patch hands it the compiler')
})

s('should run the twat-cache command from its bin, and ask for TypeScript only in scan', async () => {
  const bin = path.join(app, 'node_modules/.bin/twat-cache')
  const cacheDir = path.join(app, 'caches')
  const cliRun = (args: string[]) =>
    run(bin, args, { cwd: app, timeout: 60_000, env: { ...process.env, TWAT_CACHE_DIR: cacheDir } }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
  const where = (await cliRun(['path', 'reports'])) as { stdout: string }
  assert.is(where.stdout, `${path.join(cacheDir, 'reports')}\n`)
  const doctor = JSON.parse(((await cliRun(['doctor', '--json'])) as { stdout: string }).stdout) as {
    checks: Array<{ name: string; status: string; fix: string | null }>
  }
  const typescript = doctor.checks.find((c) => c.name === 'TypeScript for the build')!
  assert.is(typescript.status, 'absent')
  assert.match(typescript.fix ?? '', 'npm install -D typescript@6')
  await writeFile(path.join(app, 'tagged.ts'), '/** @mcache */ export const f = (n: number) => n\n')
  const scan = (await cliRun(['scan', 'tagged.ts'])) as { code: number; stderr: string }
  assert.is(scan.code, 1)
  assert.match(scan.stderr, 'npm install -D typescript@6')
})

s('should ask for magic-string once TypeScript 6 is there, and transform once both are', async () => {
  await npmInstall(['typescript@6'])
  const transformTagged = `
    ${CAPTURE}
    const { transform } = await import('twat-cache/transform')
    let code
    const error = await capture(() => { code = transform('/** @mcache */ export const f = (n: number) => n', '/app/a.ts', { root: '/app' })?.code })
    console.log(JSON.stringify({ error, code }))
  `
  const first = JSON.parse(await script(transformTagged)) as { error: { code: string; message: string } | null }
  assert.is(first.error?.code, 'TWAT_CACHE_BUILD_PACKAGE')
  assert.match(first.error!.message, 'npm install -D magic-string')
  await npmInstall(['magic-string@^0.30.21'])
  const second = JSON.parse(await script(transformTagged)) as { error: unknown; code: string }
  assert.is(second.error, null)
  assert.match(second.code, '__twat_mcache((n: number) => n, { name: "a.ts#f"')
})

s.run()
