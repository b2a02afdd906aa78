// Which files the webpack loader rewrites: the plugin options' `include` and `exclude`, matched the way unplugin
// matches them for the plugins (a RegExp tests the path with forward slashes, a glob is matched by picomatch against
// the absolute path, a relative glob taken from the project root), so a loader rule and a plugin see the same files.
import path from 'node:path'
import type picomatchFunction from 'picomatch'
import type { FilterPattern } from 'unplugin'
import { requireBuildPackage } from '../transform/build-packages.js'

/** `(file) => whether the loader rewrites it`, for an absolute file path. */
export type FileFilter = (file: string) => boolean

// Glob characters in the root folder's own name must match literally once the relative glob is joined to it.
const GLOB_CHARACTERS = /[()[\]{}*?!+@]/g

const toSlashes = (file: string): string => file.replace(/\\/g, '/')

/** picomatch, loaded when a glob is first matched (an optional peer: unplugin brings it). */
function loadPicomatch(): typeof picomatchFunction {
  const loaded = requireBuildPackage<typeof picomatchFunction | { default: typeof picomatchFunction }>('picomatch')
  return typeof loaded === 'function' ? loaded : loaded.default
}

export function createFileFilter(include: FilterPattern, exclude: FilterPattern, root: string): FileFilter {
  const included = toMatchers(include, root)
  const excluded = toMatchers(exclude, root)
  return (file) => {
    const id = toSlashes(file)
    if (excluded.some((matches) => matches(id))) return false
    return included.length === 0 || included.some((matches) => matches(id))
  }
}

function toMatchers(pattern: FilterPattern, root: string): Array<(id: string) => boolean> {
  const items = pattern === null || pattern === undefined ? [] : Array.isArray(pattern) ? pattern : [pattern]
  return items.map((item: string | RegExp) => {
    if (item instanceof RegExp) {
      // A copy without `g`/`y`, whose lastIndex would otherwise carry over from one file to the next.
      const regexp = new RegExp(item.source, item.flags.replace(/[gy]/g, ''))
      return (id: string) => regexp.test(id)
    }
    const glob =
      item.startsWith('**') || path.isAbsolute(item)
        ? toSlashes(item)
        : `${toSlashes(path.resolve(root)).replace(GLOB_CHARACTERS, '\\$&')}/${toSlashes(item).replace(/^\.\//, '')}`
    return loadPicomatch()(glob, { dot: true })
  })
}
