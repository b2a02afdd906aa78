/**
 * The source files `scan` reads: every JavaScript and TypeScript module under the given folders, skipping what a
 * .gitignore usually lists (node_modules, dist, .git) and declaration files, narrowed by --include / --exclude
 * globs (picomatch, relative to the project root). The walk is hand-written: a readdir loop with three names to
 * skip, where a glob package would be one more dependency of the command.
 */
import fs from 'node:fs'
import path from 'node:path'
import type picomatchType from 'picomatch'
import { requireBuildPackage } from '../../transform/build-packages.js'
import { UsageError } from '../exit.js'

/** Folders never scanned (build output, dependencies, version control). */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'dist', '.git'])
const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/
const DECLARATION_FILE = /\.d\.[cm]?ts$/

export interface FileSelection {
  /** The project root: globs and ids are relative to it. */
  readonly root: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
}

/** Every source file under `targets` (folders or files), sorted, each once. */
export function listSourceFiles(targets: readonly string[], selection: FileSelection): string[] {
  const found = new Set<string>()
  const walk = (dir: string) => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, dirent.name)
      if (dirent.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(dirent.name)) walk(full)
      } else if (dirent.isFile() && SOURCE_FILE.test(dirent.name) && !DECLARATION_FILE.test(dirent.name)) {
        found.add(full)
      }
    }
  }
  for (const target of targets) {
    const full = path.resolve(target)
    const stat = fs.statSync(full, { throwIfNoEntry: false })
    if (!stat) throw new UsageError(`scan: ${target} does not exist (looked for ${full})`)
    if (stat.isDirectory()) walk(full)
    else found.add(full)
  }
  let files = [...found].sort()
  if (selection.include.length || selection.exclude.length) {
    const picomatch = requireBuildPackage<typeof picomatchType>('picomatch', [selection.root])
    const included = selection.include.length ? picomatch([...selection.include], { dot: true }) : () => true
    const excluded = selection.exclude.length ? picomatch([...selection.exclude], { dot: true }) : () => false
    files = files.filter((file) => {
      const relative = path.relative(selection.root, file).replace(/\\/g, '/')
      return included(relative) && !excluded(relative)
    })
  }
  return files
}
