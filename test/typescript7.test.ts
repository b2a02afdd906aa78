/**
 * The TypeScript 7 setup the README describes, for real: a project with `typescript@7` (the native compiler, no
 * JavaScript API) and TypeScript 6 under the alias `typescript6`, both from the registry. TypeScript 7 type-checks
 * a tagged file; an esbuild build with the plugin caches it (the transform parses with the alias); `tspc` cannot run
 * on TypeScript 7, and the tsc transformer handed TypeScript 7 says what to do; without the alias the plugin's
 * error names the command that installs it. The install happens once for the whole file.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { packPackage, type PackedPackage } from './support/build-package.js'

const run = promisify(execFile)
const INSTALL_TIMEOUT_MS = 5 * 60_000
const COMMAND_TIMEOUT_MS = 2 * 60_000

const s = suite('TypeScript 7 beside TypeScript 6 under an alias')
let packed: PackedPackage
let app: string

/** Runs a command in the app; never throws: the exit status and everything it printed. */
async function inApp(file: string, args: readonly string[], timeout = COMMAND_TIMEOUT_MS): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: app, timeout, maxBuffer: 16 * 1024 * 1024 })
    return { status: 0, output: `${stdout}${stderr}` }
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean }
    if (failed.killed) throw new Error(`${file} ${args.join(' ')} timed out`)
    return { status: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

async function write(relative: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(app, relative)), { recursive: true })
  await writeFile(path.join(app, relative), text)
}

const TAGGED = `export const calls = { square: 0 }

/** @mcache maxsize=10 */
export function square(n: number): number {
  calls.square++
  return n * n
}

console.log(JSON.stringify({ results: [square(3), square(3), square(4)], calls: calls.square }))
`

const compilerOptions = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  skipLibCheck: true,
  types: [],
  rootDir: 'src',
  outDir: 'out',
}

s.before(async () => {
  packed = await packPackage()
  app = path.join(packed.workDir, 'typescript7-app')
  await write('package.json', JSON.stringify({ name: 'typescript7-app', private: true, type: 'module' }))
  // Not --omit=optional: TypeScript 7's compiler binary is an optional dependency of typescript@7. Scripts are
  // skipped (better-sqlite3 would be compiled; this test caches in memory).
  const install = await inApp(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      packed.tarball,
      'typescript@7',
      'typescript6@npm:typescript@6',
      'ts-patch@4',
      'unplugin@^3.7.0',
      'magic-string@^0.30.21',
    ],
    INSTALL_TIMEOUT_MS,
  )
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`)
  await write('src/tagged.ts', TAGGED)
  await write('tsconfig.json', JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, include: ['src'] }))
  await write('bad/bad.ts', `/** @mcache */\nexport function f(n: number): number {\n  return n\n}\n\nexport const wrong: string = f(1)\n`)
  await write(
    'tsconfig.bad.json',
    JSON.stringify({ compilerOptions: { ...compilerOptions, rootDir: 'bad', noEmit: true }, include: ['bad'] }),
  )
  await write(
    'tsconfig.tspc.json',
    JSON.stringify({
      compilerOptions: { ...compilerOptions, plugins: [{ transform: 'twat-cache/tsc', transformProgram: true }] },
      include: ['src'],
    }),
  )
})

s.after(async () => {
  await packed?.cleanup()
})

const tsc = () => path.join(app, 'node_modules/.bin/tsc')

s('should install TypeScript 7 as tsc (there is no tsgo binary)', async () => {
  const { status, output } = await inApp(tsc(), ['--version'])
  assert.is(status, 0, output)
  assert.match(output, /^Version 7\./)
  assert.not.ok(existsSync(path.join(app, 'node_modules/.bin/tsgo')), 'typescript@7 installs no tsgo')
})

s('should type-check a tagged file with TypeScript 7 (npx tsc --noEmit), and fail on a type error', async () => {
  const ok = await inApp(tsc(), ['--noEmit', '-p', 'tsconfig.json', '--pretty', 'false'])
  assert.is(ok.output, '')
  assert.is(ok.status, 0)
  const bad = await inApp(tsc(), ['--noEmit', '-p', 'tsconfig.bad.json', '--pretty', 'false'])
  assert.is.not(bad.status, 0)
  assert.match(bad.output, "bad/bad.ts(6,14): error TS2322: Type 'number' is not assignable to type 'string'.")
})

/**
 * Builds src/tagged.ts with esbuild and the app's twat-cache/esbuild plugin, in a process of its own (the transform
 * keeps the TypeScript it loaded for the life of the process). esbuild itself resolves from the repository.
 */
const BUILD_SCRIPT = `
import { build } from 'esbuild'
import twatCache from 'twat-cache/esbuild'
await build({
  entryPoints: ['src/tagged.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: 'out/tagged.mjs',
  external: ['twat-cache'],
  logLevel: 'silent',
  plugins: [twatCache()],
})
`

async function buildWithEsbuild(): Promise<{ status: number; output: string; bundle: string }> {
  await write('build.mjs', BUILD_SCRIPT)
  return { ...(await inApp(process.execPath, ['build.mjs'])), bundle: path.join(app, 'out/tagged.mjs') }
}

s('should cache the tagged function in an esbuild build, parsing with the TypeScript 6 alias', async () => {
  const built = await buildWithEsbuild()
  assert.is(built.status, 0, built.output)
  const { status, output } = await inApp(process.execPath, [built.bundle])
  assert.is(status, 0, output)
  assert.equal(JSON.parse(output), { results: [9, 9, 16], calls: 2 })
  // The project's `typescript` is 7; the transform found TypeScript 6 under the alias.
  const script = `
    import { createRequire } from 'node:module'
    const { loadTypeScript } = await import(${JSON.stringify(pathToFileURL(path.join(app, 'node_modules/twat-cache/dist/transform/typescript.js')).href)})
    const project = createRequire(${JSON.stringify(path.join(app, 'package.json'))})('typescript')
    console.log(JSON.stringify({ project: project.version, used: loadTypeScript(${JSON.stringify(app)}).version }))
  `
  const versions = await inApp(process.execPath, ['--input-type=module', '-e', script])
  assert.is(versions.status, 0, versions.output)
  const { project, used } = JSON.parse(versions.output) as { project: string; used: string }
  assert.match(project, /^7\./)
  assert.match(used, /^6\./)
})

s('should not run tspc on TypeScript 7: ts-patch 4 itself fails before loading any transformer', async () => {
  const { status, output } = await inApp(path.join(app, 'node_modules/.bin/tspc'), ['-p', 'tsconfig.tspc.json'])
  assert.is.not(status, 0)
  // ts-patch reads TypeScript's API while it starts (ts-patch/config.js), which TypeScript 7 does not have.
  assert.match(output, "Cannot read properties of undefined (reading 'LineFeed')")
  assert.not.ok(existsSync(path.join(app, 'out/tagged.js')), 'nothing was emitted')
})

s('should stop the tsc transformer handed TypeScript 7 with a message that says what to do', async () => {
  const script = `
    import { createRequire } from 'node:module'
    import transformer from 'twat-cache/tsc'
    const typescript7 = createRequire(${JSON.stringify(path.join(app, 'package.json'))})('typescript')
    try {
      transformer(undefined, undefined, {}, { ts: typescript7 })
      console.log('no error')
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }))
    }
  `
  const { status, output } = await inApp(process.execPath, ['--input-type=module', '-e', script])
  assert.is(status, 0, output)
  const error = JSON.parse(output) as { name: string; code: string; message: string }
  assert.is(error.name, 'TscTypeScriptError')
  assert.is(error.code, 'TWAT_CACHE_TSC_TYPESCRIPT')
  assert.match(error.message, /the compiler running is TypeScript 7\.\d+\.\d+/)
  assert.match(error.message, 'npm install -D typescript@6')
  assert.match(error.message, 'npm install -D typescript6@npm:typescript@6')
})

s('should fail a plugin build without the alias, naming TypeScript 7 and the alias command', async () => {
  const uninstall = await inApp('npm', ['uninstall', '--no-audit', '--no-fund', '--ignore-scripts', 'typescript6'], INSTALL_TIMEOUT_MS)
  assert.is(uninstall.status, 0, uninstall.output)
  assert.not.ok(existsSync(path.join(app, 'node_modules/typescript6')))
  const { status, output } = await buildWithEsbuild()
  assert.is.not(status, 0, 'the build succeeded without TypeScript 6')
  assert.match(output, /found TypeScript 7\.\d+\.\d+ \(.*node_modules[\\/]typescript[\\/]/)
  assert.match(output, 'which has no JavaScript API')
  assert.match(output, 'npm install -D typescript6@npm:typescript@6')
})

s.run()
