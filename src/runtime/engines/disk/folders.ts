/**
 * Where persistent caches live: the root folder (`cacheDir` option, else `$TWAT_CACHE_DIR`, else the platform's
 * cache folder + `/twat-cache`), one sub-folder per `folderName`, the permissions they get (folders 0700,
 * files 0600 unless `secure: false`), and the safe-folder rules of `secure` (no links, no other owner, no writes
 * by others).
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
 * A cache root, folder or database path that a `secure` cache refuses: a symbolic link, another user's, or open to
 * writes by group or others. Anyone who can write there can plant entries this process would return, or swap the
 * folder for one of theirs. The chain then runs in memory (or throws in strict mode).
 */
export class UnsafeFolderError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`)
    this.name = 'UnsafeFolderError'
  }
}

/** The user id of this process, or undefined where there is none (Windows). */
function processUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined
}

/** Refuse `path` unless it is a real folder of this user that group and others cannot write; false when missing. */
function checkFolder(path: string, what: string, uid: number): boolean {
  const fs = nodeFs()
  const stat = fs.lstatSync(path, { throwIfNoEntry: false })
  if (!stat) return false
  if (stat.isSymbolicLink()) {
    throw new UnsafeFolderError(
      path,
      `(the ${what}) is a symbolic link; point cacheDir at the real folder (fs.realpathSync), or pass secure: false`,
    )
  }
  if (!stat.isDirectory()) throw Object.assign(new Error(`${path} is not a folder`), { code: 'ENOTDIR' })
  if (stat.uid !== uid) {
    throw new UnsafeFolderError(
      path,
      `(the ${what}) belongs to user ${stat.uid}, not to this process's user ${uid}, who could then plant entries; use a folder of your own, or pass secure: false`,
    )
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new UnsafeFolderError(
      path,
      `(the ${what}) can be written by ${stat.mode & 0o020 ? 'its group' : ''}${(stat.mode & 0o022) === 0o022 ? ' and ' : ''}${stat.mode & 0o002 ? 'everyone' : ''} (mode ${(stat.mode & 0o777).toString(8)}); run chmod go-w on it, or pass secure: false`,
    )
  }
  return true
}

/**
 * Create `folder` (and missing parents). When `secure`, the cache root (its parent) and the folder are refused,
 * with {@link UnsafeFolderError}, when either is a symbolic link, belongs to another user, or group or others can
 * write it; new folders are 0700, and an existing `folder` that others can read is tightened to 0700 (entries may
 * hold private data). Nothing is ever loosened, and the root's parents are left alone (they are the user's, e.g.
 * ~/.cache). Windows has no such modes or owners: nothing is checked there.
 */
export function ensureFolder(folder: string, secure: boolean): void {
  const fs = nodeFs()
  const uid = processUid()
  if (!secure || process.platform === 'win32' || uid === undefined) {
    fs.mkdirSync(folder, secure ? { recursive: true, mode: SECURE_FOLDER_MODE } : { recursive: true })
    return
  }
  const root = nodePath().dirname(folder)
  // Checked before creating anything inside, and again after creating: a link swapped in meanwhile is caught.
  if (!checkFolder(root, 'cache root', uid)) {
    fs.mkdirSync(root, { recursive: true, mode: SECURE_FOLDER_MODE })
    checkFolder(root, 'cache root', uid)
  }
  if (!checkFolder(folder, 'cache folder', uid)) {
    fs.mkdirSync(folder, { mode: SECURE_FOLDER_MODE })
    checkFolder(folder, 'cache folder', uid)
  }
  if ((fs.statSync(folder).mode & 0o077) !== 0) fs.chmodSync(folder, SECURE_FOLDER_MODE)
}

/**
 * Create or open the database file `file` without following a symbolic link (O_NOFOLLOW), 0600 when secure, and
 * tighten its mode through the open descriptor, so neither a file elsewhere is created nor a link's target
 * chmod'ed. When secure, a symbolic link at the file or at its -wal/-shm companions is an {@link UnsafeFolderError}.
 */
export function openOwnFile(file: string, secure: boolean): void {
  const fs = nodeFs()
  const { O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW } = fs.constants
  const windows = process.platform === 'win32'
  if (secure && !windows) {
    for (const suffix of ['-wal', '-shm']) {
      if (fs.lstatSync(file + suffix, { throwIfNoEntry: false })?.isSymbolicLink()) {
        throw new UnsafeFolderError(file + suffix, 'is a symbolic link; remove it (the cache folder may have been tampered with)')
      }
    }
  }
  let fd: number
  try {
    fd = fs.openSync(file, O_WRONLY | O_CREAT | O_APPEND | (secure && O_NOFOLLOW ? O_NOFOLLOW : 0), fileMode(secure))
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOOP' && secure) {
      throw new UnsafeFolderError(file, 'is a symbolic link; it is not followed: remove it (the cache folder may have been tampered with)')
    }
    throw error
  }
  try {
    if (secure && !windows && (fs.fstatSync(fd).mode & 0o077) !== 0) fs.fchmodSync(fd, SECURE_FILE_MODE)
  } finally {
    fs.closeSync(fd)
  }
}

/** Mode for new files: 0600 when secure, else the default (0666 less the umask). */
export function fileMode(secure: boolean): number {
  return secure ? SECURE_FILE_MODE : 0o666
}
