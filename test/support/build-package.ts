// Builds and packs twat-cache the way it is published (tsc, then `npm pack`), and lays out throwaway apps under
// `<repo>/.tmp/` that install the packed tarball, so bundler tests exercise exactly what users download.
import { execFile } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const FIXTURE_APP = path.join(REPO, 'fixtures/app')

/** The packed package, and the folder this caller's apps live in (removed by `cleanup`). */
export interface PackedPackage {
  readonly tarball: string
  /** `<repo>/.tmp/plugins-<unique>`: the apps of one test file live here. */
  readonly workDir: string
  cleanup(): Promise<void>
}

let packing: Promise<string> | undefined

/**
 * Compiles and packs the package once per test process (several test files share the tarball), and gives the
 * caller its own folder for apps.
 */
export async function packPackage(): Promise<PackedPackage> {
  // The test runner packs once for every test file (scripts/run-tests.mjs); a file run on its own packs itself.
  const packed = process.env.TWAT_TEST_TARBALL
  packing ??= packed ? Promise.resolve(packed) : buildAndPack()
  const tarball = await packing
  // Inside the repository, so that the packed package's own dependencies (unplugin, lru-cache, …) resolve by
  // walking up to the repository's node_modules, as they would from a user's node_modules.
  await mkdir(path.join(REPO, '.tmp'), { recursive: true })
  const workDir = await mkdtemp(path.join(REPO, '.tmp', 'plugins-'))
  return {
    tarball,
    workDir,
    cleanup: () => rm(workDir, { recursive: true, force: true }),
  }
}

/**
 * Builds `dist/` as `npm run build` does (tsc, then the Node bundle: a type error fails the tests that pack, with
 * tsc's output) and packs it with npm.
 */
async function buildAndPack(): Promise<string> {
  try {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 })
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`)
  }
  await run(process.execPath, ['scripts/bundle-node-runtime.mjs'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 })
  for (const entry of ['dist/plugins/vite.js', 'dist/transform/index.js', 'dist/runtime/index.js', 'dist/node/index.js']) {
    if (!existsSync(path.join(REPO, entry))) throw new Error(`the build did not emit ${entry}`)
  }
  const packDir = await mkdtemp(path.join(os.tmpdir(), 'twat-cache-pack-'))
  process.once('exit', () => rmSync(packDir, { recursive: true, force: true }))
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  })
  const [info] = JSON.parse(stdout) as Array<{ filename: string }>
  if (!info) throw new Error(`npm pack printed no package: ${stdout}`)
  return path.join(packDir, info.filename)
}

/** An app folder with the packed twat-cache installed in its node_modules. */
export interface App {
  readonly dir: string
  /** `<dir>/node_modules/twat-cache`: import the plugins from here. */
  readonly packageDir: string
  /** The file URL of one of the packed package's files, e.g. `dist/plugins/vite.js`. */
  packedUrl(file: string): string
}

/**
 * Creates `<workDir>/<name>/` with a package.json, a copy of the given fixture folders, and the packed package
 * extracted into `node_modules/twat-cache`.
 *
 * The app's own package.json matters: without it, Node would take the repository's package.json (named
 * twat-cache) as the app's package scope and resolve `import 'twat-cache'` to the repository itself, not to the
 * packed copy.
 */
export async function createApp(
  packed: PackedPackage,
  name: string,
  copy: Readonly<Record<string, string>> = { src: path.join(FIXTURE_APP, 'src') },
): Promise<App> {
  const dir = path.join(packed.workDir, name)
  const packageDir = path.join(dir, 'node_modules', 'twat-cache')
  await mkdir(packageDir, { recursive: true })
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: `twat-cache-${name}`, private: true, type: 'module' }, null, 2)}\n`,
  )
  for (const [target, source] of Object.entries(copy)) {
    await cp(source, path.join(dir, target), { recursive: true })
  }
  // npm tarballs put every file under `package/`.
  await run('tar', ['-xzf', packed.tarball, '-C', packageDir, '--strip-components=1'])
  return {
    dir,
    packageDir,
    packedUrl: (file) => pathToFileURL(path.join(packageDir, file)).href,
  }
}
