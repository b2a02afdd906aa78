/**
 * Which stored functions a name on the command line means. A name is a function id as `stats` shows it, or a
 * glob over ids (picomatch: `*` within a path segment, `**` across `/`), e.g. `src/prices.ts#*` or `src/**`.
 * Each store names a function its own way (the id in SQLite; a key part in Redis, the id itself when it is short
 * and plain; a folder `<id with unsafe characters replaced>-<hash>` in the file engine), so an exact id is turned
 * into each store's name with the runtime's own functions, and a glob is also tried in the file engine's form.
 */
import type picomatchType from 'picomatch'
import { functionFolderName } from '../runtime/keys/disk-key.js'
import { keyPart } from '../runtime/engines/async/keyv/engine.js'
import { requireBuildPackage } from '../transform/build-packages.js'
import type { StoreKind } from './inventory/model.js'

const GLOB_CHARACTERS = /[*?[\]{}!]/

/** The file engine's folder name without its `-<hash>` suffix. */
const HASH_SUFFIX = /-[0-9a-f]{8}$/

export interface NameMatcher {
  /** Whether the function `id`, as the store `store` names it, is one of the names. */
  matches(store: StoreKind, id: string): boolean
  /** Names that matched nothing so far, for the message when nothing matched. */
  readonly names: readonly string[]
}

type Test = (store: StoreKind, id: string) => boolean

function exactTest(name: string): Test {
  const folder = functionFolderName(name)
  const part = keyPart(name)
  return (store, id) => id === name || (store === 'file' && id === folder) || (store === 'redis' && id === part)
}

function globTest(picomatch: typeof picomatchType, glob: string): Test {
  const options = { dot: true }
  const direct = picomatch(glob, options)
  // The same glob over the file engine's folder names: unsafe characters (other than glob syntax) become "_".
  const asFolder = picomatch(glob.replace(/[^0-9A-Za-z._*?[\]{}!,-]+/g, '_'), options)
  return (store, id) => direct(id) || (store === 'file' && asFolder(id.replace(HASH_SUFFIX, '')))
}

export function createNameMatcher(names: readonly string[], root: string): NameMatcher {
  const hasGlob = names.some((name) => GLOB_CHARACTERS.test(name))
  // picomatch is the build step's file filter, an optional peer: loaded only when a glob needs it.
  const picomatch = hasGlob ? requireBuildPackage<typeof picomatchType>('picomatch', [root]) : undefined
  const tests = names.map((name) => (GLOB_CHARACTERS.test(name) ? globTest(picomatch!, name) : exactTest(name)))
  return {
    names,
    matches: (store, id) => tests.some((test) => test(store, id)),
  }
}
