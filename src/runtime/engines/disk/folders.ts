/**
 * Where persistent caches live: the root folder (`cacheDir` option, else `$TWAT_CACHE_DIR`, else the platform's
 * cache folder + `/twat-cache`), one sub-folder per `folderName`, and the permissions they get (folders 0700,
 * files 0600 unless `secure: false`).
 */
import { validateOption } from '../../options/config.js'
import { cacheDirFromEnv } from '../../options/environment.js'
import { UnsupportedRuntimeError } from '../../report/errors.js'
import { nodeBuiltin } from '../../platform/optional.js'

type Fs = typeof import('node:fs')
type Path = typeof import('node:path')
type Os = typeof import('node:os')

/** Folder name used when a cache sets no `folderName`. */
export const DEFAULT_FOLDER_NAME = 'default'

/** Mode of folders and files of a `secure` cache. */
export const SECURE_FOLDER_MODE = 0o700
export const SECURE_FILE_MODE = 0o600

/** Whether this runtime has Node's built-ins (false in browsers, where disk caches run on memory). */
export function diskAvailable(): boolean {
  return typeof (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule === 'function'
}

/** node:fs, node:path, node:os, loaded when a disk cache first needs them (never at import). */
export function nodeFs(): Fs {
  return requireBuiltin<Fs>('node:fs')
}
export function nodePath(): Path {
  return requireBuiltin<Path>('node:path')
}

function requireBuiltin<T>(id: string): T {
  const module = nodeBuiltin<T>(id)
  if (!module) {
    throw new UnsupportedRuntimeError(
      `Persistent caches (bcache, fcache) need Node.js ${id}, which this runtime does not have; use mcache or acache here`,
    )
  }
  return module
}

/** The platform's per-user cache folder: $XDG_CACHE_HOME or ~/.cache, ~/Library/Caches, %LOCALAPPDATA%. */
function platformCacheHome(): string {
  const path = nodePath()
  const os = requireBuiltin<Os>('node:os')
  const env = process.env
  if (process.platform === 'win32') return env.LOCALAPPDATA || path.join(os.homedir(), 'AppData', 'Local')
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches')
  // The XDG spec says a relative $XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME
  return xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache')
}

/** The root folder of every persistent cache: `cacheDir`, else `$TWAT_CACHE_DIR`, else `<platform cache>/twat-cache`. */
export function cacheRoot(cacheDir?: string): string {
  const path = nodePath()
  const explicit = cacheDir ?? cacheDirFromEnv()
  return explicit ? path.resolve(explicit) : path.join(platformCacheHome(), 'twat-cache')
}

/**
 * The folder of the persistent caches named `folderName` (default 'default'), as an absolute path. It does not
 * create it: caches create it when they open.
 * @throws ValidationError when `folderName` is not a plain folder name.
 * @example getCachePath('reports') // '/home/me/.cache/twat-cache/reports'
 */
export function getCachePath(folderName?: string): string {
  validateOption('folderName', folderName)
  return cacheFolder(undefined, folderName)
}

/** The folder of a cache from its (validated) config values. */
export function cacheFolder(cacheDir: string | undefined, folderName: string | undefined): string {
  return nodePath().join(cacheRoot(cacheDir), folderName ?? DEFAULT_FOLDER_NAME)
}

/**
 * Create `folder` (and missing parents). When `secure`, new folders are 0700, and an existing `folder` that gives
 * any access to group or others is tightened to 0700: entries may hold private data, and a folder others can
 * write lets them plant entries that this process would then return. Parents that already exist are left alone
 * (they are the user's, e.g. ~/.cache). Windows has no such modes: nothing is changed there.
 */
export function ensureFolder(folder: string, secure: boolean): void {
  const fs = nodeFs()
  fs.mkdirSync(folder, secure ? { recursive: true, mode: SECURE_FOLDER_MODE } : { recursive: true })
  if (!secure || process.platform === 'win32') return
  const stat = fs.statSync(folder)
  if (!stat.isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' })
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(folder, SECURE_FOLDER_MODE)
}

/** Mode for new files: 0600 when secure, else the default (0666 less the umask). */
export function fileMode(secure: boolean): number {
  return secure ? SECURE_FILE_MODE : 0o666
}
