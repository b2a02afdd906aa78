/**
 * A throwaway tsc project for the tsc plugin test: twat-cache installed in its node_modules as a package whose
 * dist/ is compiled from this repo's src (runtime + transform only, into the temporary folder, so the test never
 * races other work on the repo's own dist/), its dependencies linked to the repo's node_modules.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const TSPC = path.join(REPO, 'node_modules/.bin/tspc')

/** Packages the built runtime and transform import, linked from the repo. */
const LINKED = ['typescript', 'magic-string', 'lru-cache', '@types']

export interface TscProject {
  readonly dir: string
  write(relative: string, text: string): void
  /** Run `tspc -p <tsconfig> --pretty false`; returns the exit status and everything it printed. */
  tspc(tsconfig?: string): { status: number; output: string }
  /** Run a compiled file with node; returns its stdout. */
  node(relative: string): string
  cleanup(): void
}

export function createTscProject(): TscProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twat-tsc-'))
  const write = (relative: string, text: string) => {
    const file = path.join(dir, relative)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, text)
  }
  const modules = path.join(dir, 'node_modules')
  fs.mkdirSync(modules)
  for (const name of LINKED) fs.symlinkSync(path.join(REPO, 'node_modules', name), path.join(modules, name), 'dir')

  const pkg = path.join(modules, 'twat-cache')
  write(
    'node_modules/twat-cache/package.json',
    JSON.stringify({
      name: 'twat-cache',
      type: 'module',
      exports: {
        '.': { types: './dist/runtime/index.d.ts', default: './dist/runtime/index.js' },
        './tsc': './dist/transform/tsc.js',
      },
    }),
  )
  write(
    'build.tsconfig.json',
    JSON.stringify({
      extends: path.join(REPO, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: path.join(REPO, 'src'),
        outDir: path.join(pkg, 'dist'),
        typeRoots: [path.join(REPO, 'node_modules/@types')],
        sourceMap: false,
        noEmitOnError: false,
      },
      files: [path.join(REPO, 'src/runtime/index.ts'), path.join(REPO, 'src/transform/tsc.ts')],
      include: [],
    }),
  )
  try {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'build.tsconfig.json')], {
      stdio: 'pipe',
    })
  } catch {
    // Type errors elsewhere in the repo do not stop the emit; a missing output below does.
  }
  for (const built of ['dist/runtime/index.js', 'dist/transform/tsc.js']) {
    if (!fs.existsSync(path.join(pkg, built))) throw new Error(`building twat-cache into ${pkg} did not produce ${built}`)
  }
  write('package.json', JSON.stringify({ name: 'tsc-project', type: 'module' }))

  return {
    dir,
    write,
    tspc(tsconfig = 'tsconfig.json') {
      const result = spawnSync(TSPC, ['-p', path.join(dir, tsconfig), '--pretty', 'false'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      })
      return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` }
    },
    node(relative) {
      return execFileSync(process.execPath, [path.join(dir, relative)], { cwd: dir, encoding: 'utf8' })
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
