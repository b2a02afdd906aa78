/**
 * How benchmarks reach the package: always the built output in dist/ (what users run), never the TypeScript
 * sources. A module that is not built yet (a cache still being written) makes its benchmarks skip, with the reason.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The built runtime; BENCH_DIST points at another build (e.g. one of an earlier commit) to compare the two. */
export const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist', 'runtime')

/** Thrown by a contender's setup when it cannot run here; reported as "skipped: <reason>". */
export class Skip extends Error {}

/** Import `dist/runtime/<subpath>`; Skip when it is not built. */
export async function importBuilt(subpath) {
  const file = path.join(DIST, subpath)
  if (!existsSync(file)) throw new Skip(`${path.relative(ROOT, file)} is not built (run npm run build)`)
  return import(pathToFileURL(file).href)
}

/** Import an optional peer package; Skip when it is not installed. */
export async function importPeer(name) {
  try {
    return await import(name)
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') throw new Skip(`${name} is not installed`)
    throw error
  }
}

const folders = []
/** A temporary folder, removed when the process exits. */
export function temporaryFolder(prefix = 'twat-cache-bench-') {
  const folder = mkdtempSync(path.join(tmpdir(), prefix))
  folders.push(folder)
  return folder
}
process.on('exit', () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})
