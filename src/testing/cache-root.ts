/**
 * A temporary cache root for tests: `TWAT_CACHE_DIR` set to a new folder (persistent caches read it when they are
 * created), and put back, with the folder removed, by `restore()`. Node built-ins are loaded when it is called, so
 * importing `twat-cache/testing` stays browser-safe.
 */

export interface TemporaryCacheRoot extends Disposable {
  /** The folder persistent caches now live under. */
  readonly root: string
  /** Put `TWAT_CACHE_DIR` back as it was and remove the folder. Also called by `using`. */
  restore(): void
}

type Fs = typeof import('node:fs')
type Os = typeof import('node:os')
type Path = typeof import('node:path')

function builtin<T>(id: string): T {
  const load = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule
  if (typeof load !== 'function') throw new Error(`useTemporaryCacheRoot needs Node.js (${id}); persistent caches have no disk here`)
  return load(id) as T
}

/**
 * Point persistent caches created from now on at a new temporary folder (`TWAT_CACHE_DIR`). Caches created with an
 * explicit `cacheDir` keep theirs.
 * @example using cacheRoot = useTemporaryCacheRoot()
 */
export function useTemporaryCacheRoot(prefix = 'twat-cache-test-'): TemporaryCacheRoot {
  const fs = builtin<Fs>('node:fs')
  const os = builtin<Os>('node:os')
  const path = builtin<Path>('node:path')
  const previous = process.env.TWAT_CACHE_DIR
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  process.env.TWAT_CACHE_DIR = root
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    if (previous === undefined) delete process.env.TWAT_CACHE_DIR
    else process.env.TWAT_CACHE_DIR = previous
    // SQLite databases of this process may still be open: removing them is fine where open files can be unlinked;
    // where they cannot (Windows), the folder is left for the system's temporary-file cleanup.
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 2 })
    } catch {
      // left in the temporary folder, see above
    }
  }
  return { root, restore, [Symbol.dispose]: restore }
}
