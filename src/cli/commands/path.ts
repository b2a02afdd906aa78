/** `twat-cache path [folder]`: the cache root, or the folder a cache with `folderName: folder` uses (getCachePath). */
import { cacheRoot, getCachePath } from '../../runtime/engines/disk/folders.js'
import { ValidationError } from '../../runtime/report/errors.js'
import { ExitCode, UsageError } from '../exit.js'
import type { Output } from '../output.js'

export interface PathOptions {
  readonly folder?: string | undefined
}

export async function cachePath(options: PathOptions, out: Output): Promise<ExitCode> {
  let folder: string
  try {
    folder = options.folder === undefined ? cacheRoot() : getCachePath(options.folder)
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`path: ${error.message}`, error.code)
    throw error
  }
  out.document({ root: cacheRoot(), folder: options.folder ?? null, path: folder })
  out.line(folder)
  return ExitCode.ok
}
