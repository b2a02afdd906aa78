/**
 * What `secret` (HMAC-SHA256) and `encryptionKey` (AES-256-GCM) cost on a bcache hit: the same small value and
 * warm keys as bench/bcache.mjs, plain, signed, encrypted, and both, in the same run. A hit verifies (and
 * decrypts) on every read: the ratios to the plain hit are the cost. Goals: signed ≤ 1.3×, encrypted ≤ 1.6×.
 */
import { importBuilt, temporaryFolder } from './harness/built.mjs'
import { loopOne, randomOrder } from './harness/measure.mjs'

export const title = 'bcache hit with secret and encryptionKey'
/** Processes per contender (see run.mjs): disk work, three are enough. */
export const processes = 3

const KEYS = 1000
const valueOf = (k) => ({ id: k, name: `item-${k}`, tags: ['a', 'b'], price: 9.99 })
const keys = Array.from({ length: KEYS }, (_, i) => `sku-${i}`)
const order = randomOrder(1000, KEYS)
// Bench keys only, never a real one: 32 bytes as base64 and as hex.
const SECRET = 'YmVuY2ggb25seTogYSAzMi1ieXRlIHNpZ25pbmcga2V5'
const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'

function hit(name, options) {
  return {
    vs: 'hit: bcache',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueOf, { cacheDir: temporaryFolder(), name, maxsize: 10_000, ...options })
      if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}, not better-sqlite3`)
      for (const k of keys) cached(k)
      return { body: loopOne((k) => cached(k).id, keys, order), ops: order.length }
    },
  }
}

export const contenders = {
  'hit: bcache': hit('bench-plain', {}),
  'hit: bcache, secret': hit('bench-signed', { secret: SECRET }),
  'hit: bcache, encryptionKey': hit('bench-encrypted', { encryptionKey: KEY }),
  'hit: bcache, secret + encryptionKey': hit('bench-both', { secret: SECRET, encryptionKey: KEY }),
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, { goal: 'bcache hit with secret', subject: 'hit: bcache, secret', baseline: 'hit: bcache', max: 1.3 }),
    ratioGoal(results, { goal: 'bcache hit with encryptionKey', subject: 'hit: bcache, encryptionKey', baseline: 'hit: bcache', max: 1.6 }),
  ]
}
