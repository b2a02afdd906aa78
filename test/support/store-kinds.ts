/**
 * The kinds of store a behaviour is tested in, one cache maker each: mcache with a sync and an async function,
 * acache's local store and a keyv store, bcache with a sync and an async function (each in a folder of its own), and
 * fcache. `promises`: calls return promises; `asyncHandle`: the handle answers with promises (acache).
 */
import Keyv from 'keyv'
import { acache, bcache, fcache, mcache, type CacheOptions } from '../../src/runtime/index.js'

export type MakeCache<C> = (fn: (...args: any[]) => any, options: CacheOptions) => C

export interface StoreKind<C> {
  readonly make: MakeCache<C>
  readonly promises: boolean
  readonly asyncHandle: boolean
}

export function storeKinds<C>(freshDir: () => string): Record<string, StoreKind<C>> {
  const viaAsync =
    (fn: (...args: any[]) => any) =>
    async (...a: unknown[]) =>
      fn(...a)
  return {
    'mcache, sync function': { make: (fn, o) => mcache(fn, o) as never, promises: false, asyncHandle: false },
    'mcache, async function': { make: (fn, o) => mcache(viaAsync(fn), o) as never, promises: true, asyncHandle: false },
    'acache, local store': { make: (fn, o) => acache(fn, o) as never, promises: true, asyncHandle: true },
    'bcache, sync function': { make: (fn, o) => bcache(fn, { cacheDir: freshDir(), ...o }) as never, promises: false, asyncHandle: false },
    'bcache, async function': {
      make: (fn, o) => bcache(viaAsync(fn), { cacheDir: freshDir(), ...o }) as never,
      promises: true,
      asyncHandle: false,
    },
    fcache: { make: (fn, o) => fcache(fn, { cacheDir: freshDir(), ...o }) as never, promises: false, asyncHandle: false },
    'acache, keyv store': { make: (fn, o) => acache(fn, { store: new Keyv(), ...o }) as never, promises: true, asyncHandle: true },
  }
}

/** Background refreshes run after the current task; their stores may take a few more turns (keyv). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
}
